-- roster schema, version 1 (SQLite).
-- The other backend's file has the same tables; change both together.

CREATE TABLE tenants (
    id TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    default_usage_location TEXT,
    created_at INTEGER NOT NULL
);

CREATE TABLE domains (
    name TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    is_default INTEGER NOT NULL,
    is_verified INTEGER NOT NULL
);
CREATE INDEX domains_tenant ON domains(tenant_id);

CREATE TABLE users (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    user_principal_name TEXT NOT NULL,
    upn_key TEXT NOT NULL,
    display_name TEXT NOT NULL,
    mail_nickname TEXT NOT NULL,
    account_enabled INTEGER NOT NULL,
    user_type TEXT NOT NULL,
    usage_location TEXT,
    force_change_password INTEGER NOT NULL,
    manager_id TEXT,
    created_at INTEGER NOT NULL,
    deleted_at INTEGER,
    sessions_valid_from INTEGER NOT NULL,
    password_hash TEXT,
    given_name TEXT,
    surname TEXT,
    mail TEXT,
    other_mails TEXT NOT NULL DEFAULT '[]',
    proxy_addresses TEXT NOT NULL DEFAULT '[]',
    job_title TEXT,
    department TEXT,
    company_name TEXT,
    employee_id TEXT,
    employee_hire_date INTEGER,
    office_location TEXT,
    business_phones TEXT NOT NULL DEFAULT '[]',
    mobile_phone TEXT,
    fax_number TEXT,
    street_address TEXT,
    city TEXT,
    state TEXT,
    postal_code TEXT,
    country TEXT,
    preferred_language TEXT,
    password_policies TEXT,
    on_premises_sync_enabled INTEGER,
    on_premises_immutable_id TEXT,
    on_premises_distinguished_name TEXT,
    on_premises_sam_account_name TEXT,
    on_premises_last_sync_date_time INTEGER,
    extension_attribute_1 TEXT,
    extension_attribute_2 TEXT,
    extension_attribute_3 TEXT,
    extension_attribute_4 TEXT,
    extension_attribute_5 TEXT,
    extension_attribute_6 TEXT,
    extension_attribute_7 TEXT,
    extension_attribute_8 TEXT,
    extension_attribute_9 TEXT,
    extension_attribute_10 TEXT,
    extension_attribute_11 TEXT,
    extension_attribute_12 TEXT,
    extension_attribute_13 TEXT,
    extension_attribute_14 TEXT,
    extension_attribute_15 TEXT,
    row_version INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX users_upn_unique ON users(tenant_id, upn_key) WHERE deleted_at IS NULL;
CREATE INDEX users_tenant_id ON users(tenant_id, id);
CREATE INDEX users_display_name ON users(tenant_id, lower(display_name), id);
CREATE INDEX users_mail_nickname ON users(tenant_id, lower(mail_nickname), id);
CREATE INDEX users_created ON users(tenant_id, created_at, id);
CREATE INDEX users_department ON users(tenant_id, lower(department), id);
CREATE INDEX users_job_title ON users(tenant_id, lower(job_title), id);
CREATE INDEX users_country ON users(tenant_id, lower(country), id);
CREATE INDEX users_usage_location ON users(tenant_id, lower(usage_location), id);
CREATE INDEX users_mail ON users(tenant_id, lower(mail), id);
CREATE INDEX users_given_name ON users(tenant_id, lower(given_name), id);
CREATE INDEX users_surname ON users(tenant_id, lower(surname), id);
CREATE INDEX users_manager ON users(manager_id);
CREATE INDEX users_deleted ON users(tenant_id, deleted_at) WHERE deleted_at IS NOT NULL;

-- The items of list-valued attributes (otherMails, proxyAddresses, businessPhones), one row
-- each, so that `any()` filters use an index on both backends.
CREATE TABLE user_values (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    tenant_id TEXT NOT NULL,
    attribute TEXT NOT NULL,
    value_key TEXT NOT NULL
);
CREATE INDEX user_values_lookup ON user_values(tenant_id, attribute, value_key);
CREATE INDEX user_values_user ON user_values(user_id);

CREATE TABLE groups (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    display_name TEXT NOT NULL,
    description TEXT,
    mail_nickname TEXT NOT NULL,
    mail TEXT,
    mail_enabled INTEGER NOT NULL,
    security_enabled INTEGER NOT NULL,
    group_types TEXT NOT NULL DEFAULT '[]',
    membership_rule TEXT,
    membership_rule_processing_state TEXT,
    visibility TEXT,
    created_at INTEGER NOT NULL,
    deleted_at INTEGER
);
CREATE INDEX groups_display_name ON groups(tenant_id, lower(display_name), id);
CREATE INDEX groups_tenant_id ON groups(tenant_id, id);
CREATE UNIQUE INDEX groups_mail_unique ON groups(tenant_id, lower(mail)) WHERE deleted_at IS NULL;

-- Members and owners are directory objects: users, or (members only) groups.
CREATE TABLE group_members (
    group_id TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    member_id TEXT NOT NULL,
    member_kind TEXT NOT NULL,
    tenant_id TEXT NOT NULL,
    PRIMARY KEY (group_id, member_id)
);
CREATE INDEX group_members_member ON group_members(member_id);

CREATE TABLE group_owners (
    group_id TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    owner_id TEXT NOT NULL,
    tenant_id TEXT NOT NULL,
    PRIMARY KEY (group_id, owner_id)
);
CREATE INDEX group_owners_owner ON group_owners(owner_id);

-- A purchased SKU. The seat count is enforced here, not in Rust: every assignment
-- increments consumed_units with `WHERE consumed_units < enabled_units`.
CREATE TABLE subscriptions (
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    sku_id TEXT NOT NULL,
    sku_part_number TEXT NOT NULL,
    enabled_units INTEGER NOT NULL,
    suspended_units INTEGER NOT NULL DEFAULT 0,
    warning_units INTEGER NOT NULL DEFAULT 0,
    consumed_units INTEGER NOT NULL DEFAULT 0,
    capability_status TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, sku_id),
    CHECK (consumed_units >= 0 AND consumed_units <= enabled_units)
);

CREATE TABLE license_assignments (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    sku_id TEXT NOT NULL,
    tenant_id TEXT NOT NULL,
    disabled_plans TEXT NOT NULL DEFAULT '[]',
    assigned_at INTEGER NOT NULL,
    PRIMARY KEY (user_id, sku_id)
);
CREATE INDEX license_assignments_sku ON license_assignments(tenant_id, sku_id);

-- External mail contacts (Graph's orgContact): no sign-in, no licenses.
CREATE TABLE contacts (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    display_name TEXT NOT NULL,
    mail TEXT,
    properties TEXT NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX contacts_display_name ON contacts(tenant_id, lower(display_name), id);
CREATE UNIQUE INDEX contacts_mail_unique ON contacts(tenant_id, lower(mail));

CREATE TABLE apps (
    client_id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    display_name TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    permissions TEXT NOT NULL,
    tokens_valid_from INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);

CREATE TABLE role_assignments (
    principal_id TEXT NOT NULL,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    role TEXT NOT NULL,
    PRIMARY KEY (principal_id, role)
);

CREATE TABLE audit_log (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    at INTEGER NOT NULL,
    actor_id TEXT,
    actor_name TEXT NOT NULL,
    operation TEXT NOT NULL,
    target_id TEXT,
    target_name TEXT,
    before_json TEXT,
    after_json TEXT,
    client_ip TEXT,
    request_id TEXT,
    job_id TEXT
);
CREATE INDEX audit_log_at ON audit_log(tenant_id, at);
CREATE INDEX audit_log_target ON audit_log(target_id);

-- Server-wide secrets shared by every roster server on this database (token signing key,
-- password HMAC key), created once.
CREATE TABLE server_secrets (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
