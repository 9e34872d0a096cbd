//! What a change on a user's page came to: done (and what changed), or refused (and why,
//! beside which field), as the page shows it.

/// What the page says above its sections.
pub(super) enum Notice {
    None,
    /// A change was made.
    Done(Done),
    /// A change was refused: said beside its form (the page is then a 400).
    Refused(EditError),
    /// A removal to confirm, with what it will do.
    Ask(Ask),
}

/// A removal asked first on a user's page (`?ask=remove-license&sku=...`,
/// `?ask=leave&group=...`).
#[derive(Clone, Copy)]
pub(super) enum Ask {
    RemoveLicense(roster_core::types::SkuId),
    Leave(roster_core::types::ObjectId),
}

/// A refused change on a user's page: which form, why, and what was typed.
pub(super) struct EditError {
    pub(super) form: &'static str,
    /// Each refusal, by the field it is about (`""`: the form as a whole).
    pub(super) messages: Vec<(String, String)>,
    /// The form's fields as submitted.
    pub(super) typed: Vec<(String, String)>,
}

impl EditError {
    pub(super) fn typed(&self, name: &str) -> Option<&str> {
        self.typed
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }

    pub(super) fn message_for(&self, field: &str) -> Option<&str> {
        self.messages
            .iter()
            .find(|(key, _)| key == field)
            .map(|(_, message)| message.as_str())
    }
}

/// A change made.
pub(super) enum Done {
    /// These properties changed, by Graph name (none: the form was saved as it was).
    Saved(Vec<String>),
    /// The password was reset: the generated one to show once, if roster chose it.
    Password {
        password: Option<String>,
        force_change: bool,
    },
}
