//! What the unit tests of the store's modules start from: a store with one tenant, a user, a
//! group.

use chrono::Utc;
use roster_core::types::ObjectId;

use crate::{Change, Store};

/// A store in a temporary directory with one tenant (`t.example`), and a change by the system
/// in it, for the unit tests of the store's modules.
pub(crate) fn test_store() -> (tempfile::TempDir, Store, Change) {
    let directory = tempfile::tempdir().unwrap();
    let store = Store::open_sqlite(&directory.path().join("roster.db")).unwrap();
    let tenant = roster_core::directory::Tenant {
        id: ObjectId::new(),
        display_name: "T".into(),
        default_usage_location: None,
        technical_contact: None,
        created: Utc::now(),
    };
    store
        .create_tenant(
            &tenant,
            &roster_core::types::DomainName::parse("t.example").unwrap(),
        )
        .unwrap();
    (directory, store, Change::system(tenant.id))
}

/// A live, enabled member named `upn` (not yet created), for the unit tests of the store's
/// modules.
pub(crate) fn test_user(upn: &str) -> roster_core::directory::User {
    let name = roster_core::types::UserPrincipalName::parse(upn).unwrap();
    roster_core::requests::NewUser::new(name, upn.into())
        .unwrap()
        .user
}

/// A security group named `name` (no members, no rule) created in the test store's tenant.
pub(crate) fn test_group(
    store: &Store,
    change: &Change,
    name: &str,
) -> roster_core::directory::Group {
    let group = roster_core::directory::Group {
        id: ObjectId::new(),
        display_name: name.into(),
        description: None,
        mail_nickname: roster_core::types::MailNickname::parse(name).unwrap(),
        mail: None,
        mail_enabled: false,
        security_enabled: true,
        group_types: Vec::new(),
        membership_rule: None,
        membership_rule_processing_state: None,
        visibility: None,
        licenses: Vec::new(),
        license_processing_state: None,
        created: Utc::now(),
        deleted: None,
    };
    store.create_group(change, &group, &[], &[]).unwrap();
    group
}
