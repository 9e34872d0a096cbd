//! First start: the tenant, its Global Administrator and an app registration, with credentials
//! from the operator's environment or generated and reported once; and the demo organisation.

use chrono::Utc;
use roster_core::access::{Role, is_known_permission};
use roster_core::attributes::AttrValue;
use roster_core::directory::{AppRegistration, Group, LicenseAssignment, Tenant, User};
use roster_core::types::{
    DomainName, MailNickname, ObjectId, SkuId, UsageLocation, UserPrincipalName,
};
use roster_store::{Change, Store};

use crate::identity::hashing::{generate_password, hash_human_password};
use crate::identity::keys::Keys;

/// Credentials an operator may supply instead of having them generated.
#[derive(Debug, Clone, Default)]
pub struct BootstrapCredentials {
    pub admin: Option<String>,
    pub password: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
}

/// What the first start created. The secrets roster generated are here once, for the caller to
/// show; they are never logged. A secret the operator supplied is `None`: it is theirs already,
/// and echoing it would put it in a terminal's scrollback or a service's journal.
#[derive(Debug, Clone)]
pub struct BootstrapReport {
    pub tenant_id: ObjectId,
    pub domain: String,
    pub admin_upn: String,
    pub admin_password: Option<String>,
    pub client_id: ObjectId,
    pub client_secret: Option<String>,
}

/// The application permissions of the bootstrap app: all of roster's.
pub const BOOTSTRAP_PERMISSIONS: &[&str] = &[
    "Directory.ReadWrite.All",
    "User.ReadWrite.All",
    "Group.ReadWrite.All",
    "LicenseAssignment.ReadWrite.All",
    "Organization.ReadWrite.All",
    "Domain.ReadWrite.All",
    "AuditLog.Read.All",
    "RoleManagement.ReadWrite.Directory",
    "Application.ReadWrite.All",
];

/// Creates the tenant and its first principals when the database has no tenant yet.
pub fn bootstrap(
    store: &Store,
    keys: &Keys,
    tenant_name: &str,
    domain: &str,
    credentials: &BootstrapCredentials,
) -> anyhow::Result<Option<BootstrapReport>> {
    if !store.tenants()?.is_empty() {
        return Ok(None);
    }
    let domain = DomainName::parse(domain).map_err(|e| anyhow::anyhow!("--domain: {e}"))?;
    let now = Utc::now();
    let tenant = Tenant {
        id: ObjectId::new(),
        display_name: tenant_name.to_string(),
        default_usage_location: None,
        technical_contact: None,
        created: now,
    };
    store.create_tenant(&tenant, &domain)?;
    let change = Change::system(tenant.id);

    let admin_upn = match &credentials.admin {
        Some(upn) => UserPrincipalName::parse(upn)
            .map_err(|e| anyhow::anyhow!("ROSTER_BOOTSTRAP_ADMIN: {e}"))?,
        None => UserPrincipalName::parse(&format!("admin@{domain}"))?,
    };
    let admin_password = credentials
        .password
        .clone()
        .unwrap_or_else(generate_password);
    let hash = match &credentials.password {
        Some(password) => hash_human_password(password),
        None => keys.generated_password_hash(&admin_password),
    };
    let admin = new_user(admin_upn.clone(), "Global Administrator", now);
    store.create_user(&change, &admin, Some(&hash))?;
    store.assign_role(&change, admin.id, Role::GlobalAdministrator)?;

    let client_id = match &credentials.client_id {
        Some(id) => ObjectId::parse(id)
            .map_err(|_| anyhow::anyhow!("ROSTER_BOOTSTRAP_CLIENT_ID must be a GUID"))?,
        None => ObjectId::new(),
    };
    let client_secret = credentials
        .client_secret
        .clone()
        .unwrap_or_else(generate_password);
    let permissions: Vec<String> = BOOTSTRAP_PERMISSIONS
        .iter()
        .map(|p| p.to_string())
        .collect();
    debug_assert!(permissions.iter().all(|p| is_known_permission(p)));
    let app = AppRegistration {
        permissions,
        ..AppRegistration::new(client_id, "roster bootstrap".into(), now)
    };
    // Without an end: the automation it serves must not stop one day unannounced.
    let (mut secret, _, hash) = keys.client_secret(
        Some("bootstrap".into()),
        chrono::DateTime::<Utc>::MAX_UTC,
        Some(&client_secret),
    );
    // No hint of a secret the operator chose (it may be used elsewhere too).
    if credentials.client_secret.is_some() {
        secret.hint = String::new();
    }
    store.create_app(&change, &app, Some((&secret, &hash)))?;
    Ok(Some(BootstrapReport {
        tenant_id: tenant.id,
        domain: domain.to_string(),
        admin_upn: admin_upn.to_string(),
        admin_password: credentials.password.is_none().then_some(admin_password),
        client_id,
        client_secret: credentials.client_secret.is_none().then_some(client_secret),
    }))
}

fn new_user(upn: UserPrincipalName, display_name: &str, now: chrono::DateTime<Utc>) -> User {
    let mut user = roster_core::requests::NewUser::new(upn, display_name.to_string())
        .expect("a valid demo or bootstrap user")
        .user;
    user.force_change_password_next_sign_in = false;
    (user.created, user.sign_in_sessions_valid_from) = (now, now);
    user
}

/// A small deterministic generator, so that every demo tenant looks the same.
struct Sequence(u64);

impl Sequence {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        self.0 >> 33
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[(self.next() as usize) % items.len()]
    }
}

const GIVEN_NAMES: &[&str] = &[
    "Adele",
    "Alex",
    "Bianca",
    "Christie",
    "Daan",
    "Debra",
    "Diego",
    "Emma",
    "Femke",
    "Grady",
    "Henrietta",
    "Isaiah",
    "Joni",
    "Lars",
    "Lee",
    "Lidia",
    "Lynne",
    "Megan",
    "Miriam",
    "Nestor",
    "Noah",
    "Patti",
    "Pradeep",
    "Sanne",
    "Sem",
    "Sofie",
    "Tess",
    "Thijs",
    "Yara",
    "Zoë",
];
const SURNAMES: &[&str] = &[
    "Vance",
    "Wilber",
    "Pai",
    "Cline",
    "de Vries",
    "Berg",
    "Siciliani",
    "Jansen",
    "Bakker",
    "Archie",
    "Gonzalez",
    "Langer",
    "Sherman",
    "Visser",
    "Gu",
    "Holloway",
    "Valenzuela",
    "Bowen",
    "Hunter",
    "Wilke",
    "Smit",
    "Fernandez",
    "Gupta",
    "Meijer",
    "Mulder",
    "de Boer",
    "Dekker",
    "Peeters",
    "Janssens",
    "Dubois",
];
const DEPARTMENTS: &[&str] = &[
    "Sales",
    "Marketing",
    "Finance",
    "Engineering",
    "Operations",
    "Human Resources",
    "Legal",
    "Support",
];
const TITLES: &[&str] = &[
    "Analyst",
    "Specialist",
    "Consultant",
    "Engineer",
    "Coordinator",
    "Advisor",
    "Manager",
    "Director",
];
const PLACES: &[(&str, &str, &str)] = &[
    ("NL", "Netherlands", "Amsterdam"),
    ("NL", "Netherlands", "Utrecht"),
    ("BE", "Belgium", "Brussels"),
    ("DE", "Germany", "Berlin"),
    ("GB", "United Kingdom", "London"),
    ("US", "United States", "Seattle"),
    ("FR", "France", "Paris"),
];

/// Seeds a realistic organisation of `n_users` with subscriptions, licenses, managers and groups.
/// POWER_BI_PRO is left with two seats free.
pub fn seed_demo(
    store: &Store,
    keys: &Keys,
    tenant_id: ObjectId,
    domain: &str,
    n_users: usize,
) -> anyhow::Result<()> {
    let change = Change::system(tenant_id);
    let now = Utc::now();
    let plans = [
        ("SPE_E3", n_users as i64),
        ("SPE_E5", 120),
        ("O365_BUSINESS_PREMIUM", 300),
        ("POWER_BI_PRO", 50),
    ];
    let mut skus = Vec::new();
    for (part_number, seats) in plans {
        let subscription = store.add_subscription(&change, part_number, seats)?;
        skus.push((part_number, subscription.sku_id));
    }
    let sku = |name: &str| -> SkuId { skus.iter().find(|(n, _)| *n == name).expect("seeded").1 };
    let mut sequence = Sequence(42);
    let mut managers: Vec<ObjectId> = Vec::new();
    let mut by_department: Vec<(String, ObjectId)> = Vec::new();
    let password = keys.generated_password_hash(&generate_password());
    let (mut n_e5, mut n_bi) = (0, 0);
    let mut batch = Vec::with_capacity(1000);
    for index in 0..n_users {
        let given = sequence.pick(GIVEN_NAMES);
        let surname = sequence.pick(SURNAMES);
        let department = sequence.pick(DEPARTMENTS);
        let (country_code, country, city) = PLACES[(sequence.next() as usize) % PLACES.len()];
        let is_manager = index % 20 == 0;
        let title = if is_manager {
            "Manager"
        } else {
            sequence.pick(TITLES)
        };
        let alias = format!(
            "{}.{}{}",
            given.to_lowercase(),
            surname.to_lowercase().replace(' ', ""),
            index
        )
        .replace('ë', "e");
        let mut user = new_user(
            UserPrincipalName::parse(&format!("{alias}@{domain}"))?,
            &format!("{given} {surname}"),
            now,
        );
        user.usage_location = Some(UsageLocation::parse(country_code)?);
        user.force_change_password_next_sign_in = true;
        let attributes = [
            ("givenName", given.to_string()),
            ("surname", surname.to_string()),
            ("department", department.to_string()),
            ("jobTitle", format!("{department} {title}")),
            ("country", country.to_string()),
            ("city", city.to_string()),
            ("companyName", "Contoso".to_string()),
            ("mail", format!("{alias}@{domain}")),
            ("employeeId", format!("E{:06}", index + 1)),
        ];
        for (name, value) in attributes {
            user.attributes.set(name, AttrValue::Text(value));
        }
        user.attributes.set(
            "proxyAddresses",
            AttrValue::TextList(vec![format!("SMTP:{alias}@{domain}")]),
        );
        user.attributes.set(
            "businessPhones",
            AttrValue::TextList(vec![format!("+31 20 {:07}", 1_000_000 + index)]),
        );
        if let Some(manager) = by_department
            .iter()
            .rev()
            .find(|(d, _)| d == department)
            .map(|(_, id)| *id)
        {
            user.manager_id = Some(manager);
        }
        if is_manager {
            managers.push(user.id);
            by_department.push((department.to_string(), user.id));
        }
        let mut licenses = vec![LicenseAssignment {
            sku_id: sku("SPE_E3"),
            disabled_plans: Vec::new(),
        }];
        if (is_manager || department == "Engineering") && n_e5 < 100 {
            licenses = vec![LicenseAssignment {
                sku_id: sku("SPE_E5"),
                disabled_plans: Vec::new(),
            }];
            n_e5 += 1;
        }
        if (department == "Finance" || department == "Sales") && n_bi < 48 {
            licenses.push(LicenseAssignment {
                sku_id: sku("POWER_BI_PRO"),
                disabled_plans: Vec::new(),
            });
            n_bi += 1;
        }
        if index % 10 == 9 {
            // Every tenth user is left without a license, as real tenants have.
            licenses.clear();
        }
        batch.push((user, licenses));
        if batch.len() == 1000 {
            store.create_licensed_users(&change, &batch, &password)?;
            batch.clear();
        }
    }
    store.create_licensed_users(&change, &batch, &password)?;
    // Leave POWER_BI_PRO two seats from full, so that running out is easy to show.
    let power_bi = store
        .subscriptions(tenant_id)?
        .into_iter()
        .find(|s| s.sku_id == sku("POWER_BI_PRO"));
    if let Some(power_bi) = power_bi {
        store.update_subscription(
            &change,
            power_bi.sku_id,
            Some(power_bi.consumed_units + 2),
            None,
        )?;
    }
    for department in DEPARTMENTS {
        let nickname = department.to_lowercase().replace(' ', "-");
        let group = Group {
            id: ObjectId::new(),
            display_name: format!("{department} team"),
            description: Some(format!("Everyone in {department}")),
            mail_nickname: MailNickname::parse(&nickname)?,
            mail: Some(format!("{nickname}@{domain}")),
            mail_enabled: true,
            security_enabled: false,
            group_types: vec!["Unified".into()],
            membership_rule: None,
            membership_rule_processing_state: None,
            licenses: Vec::new(),
            license_processing_state: None,
            visibility: Some("Private".into()),
            created: now,
            deleted: None,
        };
        let owners: Vec<ObjectId> = by_department
            .iter()
            .filter(|(d, _)| d == department)
            .map(|(_, id)| *id)
            .take(1)
            .collect();
        let query = roster_store::ListQuery {
            filter: Some(
                roster_core::odata::Filter::parse(&format!("department eq '{department}'"))?
                    .into_expr(),
            ),
            top: 999,
            ..Default::default()
        };
        let members: Vec<ObjectId> = store
            .list_users(tenant_id, &query)?
            .items
            .iter()
            .map(|u| u.id)
            .collect();
        store.create_group(&change, &group, &owners, &members)?;
    }
    Ok(())
}
