//! The rule language's comparison operators (`-eq`, `-contains`, `-match`, ...), by their
//! words: what the parser reads and what messages list.

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Op {
    Eq,
    Ne,
    StartsWith,
    NotStartsWith,
    EndsWith,
    NotEndsWith,
    Contains,
    NotContains,
    Match,
    NotMatch,
    In,
    NotIn,
    Ge,
    Le,
    Any,
    All,
}

impl Op {
    pub(super) const ALL: [Op; 16] = [
        Op::Eq,
        Op::Ne,
        Op::StartsWith,
        Op::NotStartsWith,
        Op::EndsWith,
        Op::NotEndsWith,
        Op::Contains,
        Op::NotContains,
        Op::Match,
        Op::NotMatch,
        Op::In,
        Op::NotIn,
        Op::Ge,
        Op::Le,
        Op::Any,
        Op::All,
    ];

    pub(super) fn name(self) -> &'static str {
        match self {
            Op::Eq => "-eq",
            Op::Ne => "-ne",
            Op::StartsWith => "-startsWith",
            Op::NotStartsWith => "-notStartsWith",
            Op::EndsWith => "-endsWith",
            Op::NotEndsWith => "-notEndsWith",
            Op::Contains => "-contains",
            Op::NotContains => "-notContains",
            Op::Match => "-match",
            Op::NotMatch => "-notMatch",
            Op::In => "-in",
            Op::NotIn => "-notIn",
            Op::Ge => "-ge",
            Op::Le => "-le",
            Op::Any => "-any",
            Op::All => "-all",
        }
    }

    pub(super) fn from_word(word: &str) -> Option<Op> {
        Op::ALL
            .into_iter()
            .find(|op| op.name()[1..].eq_ignore_ascii_case(word))
    }

    pub(super) fn list() -> String {
        Op::ALL.map(Op::name).join(", ")
    }

    /// The positive operator and whether this one negates it.
    pub(super) fn positive(self) -> (Op, bool) {
        match self {
            Op::Ne => (Op::Eq, true),
            Op::NotStartsWith => (Op::StartsWith, true),
            Op::NotEndsWith => (Op::EndsWith, true),
            Op::NotContains => (Op::Contains, true),
            Op::NotMatch => (Op::Match, true),
            Op::NotIn => (Op::In, true),
            other => (other, false),
        }
    }
}
