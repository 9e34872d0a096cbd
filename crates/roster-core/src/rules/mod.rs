//! Entra ID's dynamic membership rule language, so that rules from existing tenants paste in
//! unchanged: `(user.department -eq "Sales") -and (user.proxyAddresses -any (_ -startsWith "smtp:sales"))`.
//!
//! Parsing is the only way to obtain a [`MembershipRule`]: it resolves every property to where
//! roster keeps it, checks that each operator fits its property's type, lowercases constants and
//! compiles regular expressions, so that [`MembershipRule::matches`] only compares. Evaluating
//! 500 rules over 100,000 users is 50 million calls, so `matches` allocates nothing in the common
//! cases: ASCII text is compared without folding copies, object ids are formatted on the stack,
//! and assigned plans are read straight from the built-in catalog.
//!
//! # Grammar
//!
//! Loosest binding first, as Entra ID documents it (comparisons bind tightest, then `-not`,
//! `-and`, `-or`):
//!
//! ```text
//! rule       = "Direct" "Reports" "for" string        (alone: it cannot be combined)
//!            | or
//! or         = and ("-or" and)*
//! and        = not ("-and" not)*
//! not        = "-not" not | primary
//! primary    = "(" or ")" | condition
//! condition  = property operator value
//!            | property ("-any" | "-all") not      (naming only the item: `_` or `assignedPlan.x`)
//! value      = string | number | date | null | $null | true | false
//!            | "[" value ("," value)* "]"
//!            | "system.now" (("-plus" | "-minus") duration)*
//!            | "(" value ")"
//! ```
//!
//! - Operators and property names match case-insensitively, and operators may be written with or
//!   without their hyphen (`-eq` or `eq`, `-and` or `and`), as Entra ID allows. An en or em dash
//!   counts as a hyphen, because Microsoft's own pages print `–eq` and people paste from them.
//! - Strings are in double quotes; inside them a backtick escapes a double quote or a backtick
//!   (`` "say `"hi`"" ``), and any other backtick is kept as written (regular expressions need
//!   none). Single-quoted strings (`'value'`, with `''` for a quote) are accepted too, as in
//!   Microsoft's `memberOf` examples. Microsoft's pages also show a value written as
//!   `` `"Sales`" `` with no outer quotes: that is read as the text `"Sales"`, quotes included.
//! - Numbers and dates may go unquoted (`12345`, `2020-06-10T18:13:20Z`); other text may not.
//! - Durations are ISO 8601: `p30d`, `pt12h`, `P1Y2M`, `P7DT3H`, and `-p30d` for a negative one.
//!
//! # Meaning
//!
//! - Text compares case-insensitively, regular expressions included; `-match` finds the pattern
//!   anywhere in the value (as .NET's `Regex.IsMatch`, which Entra ID uses), so anchor it with
//!   `^` and `$` to match the whole value. Patterns use the `regex` crate's syntax, which has no
//!   look-around or back-references; a rule using them is refused, never silently changed.
//! - A missing value (null) reads as empty text: `-eq null` and `-eq ""` both match it, and each
//!   `-notX` operator is exactly the negation of its `-X`.
//! - On a multi-valued property (`user.proxyAddresses`, `user.otherMails`) a text operator holds
//!   when some item satisfies it (`-notX` when none does), and `-eq null` means empty.
//!   `-any` holds when some item satisfies the condition, `-all` when every item does (so it
//!   holds for an empty list: `user.assignedPlans -all (assignedPlan.servicePlanId -eq null)`
//!   selects users without plans, as Microsoft's example says).
//! - `-ge` and `-le` compare dates; `system.now` is the `now` passed to
//!   [`MembershipRule::matches`].
//! - `user.assignedPlans` is derived from the user's licenses (`User::assigned_licenses`) and the built-in catalog, as Graph
//!   shows it: every plan of every assigned SKU, `capabilityStatus` `Enabled`, or `Deleted` for a
//!   plan in the assignment's `disabledPlans`.
//! - `user.dirSyncEnabled` reads as `false` for a user that was never synced (Graph's
//!   `onPremisesSyncEnabled` is then null), so `-eq false` selects cloud-only users.
//!
//! # Not supported
//!
//! Refused with a message that says so, rather than evaluated wrongly: `user.memberOf` (rules
//! over other groups' members), `device.*` (roster's dynamic groups hold users),
//! `user.onPremisesSecurityIdentifier` (roster does not keep SIDs) and custom extension
//! properties `user.extension_<appId>_<name>` (roster has none). `user.createdDateTime`, `-lt`
//! and `-gt` are not part of Entra ID's documented language, so they are unknown here too.
//!
//! # Cost
//!
//! A caller re-evaluating many rules should loop over users outside and rules inside: the first
//! rule brings a user's values into the cache and the others then compare in tens of
//! nanoseconds, whereas rules outside make every evaluation wait on memory.
//!
//! # Errors
//!
//! A [`RuleError`] gives a 1-based position counted in characters (not bytes), the way a person
//! counts along the rule; the end of the rule is one past its last character. The message says
//! what was expected and what was found.

mod errors;
mod eval;
mod lexer;
mod operators;
mod parser;
mod properties;
mod rule;
#[cfg(test)]
mod tests;

pub use errors::*;
pub use rule::*;
