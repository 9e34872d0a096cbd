-- roster schema, version 1 (PostgreSQL).
-- The other backend's file has the same tables; change both together.

CREATE TABLE tenants (
    id UUID PRIMARY KEY,
    display_name TEXT COLLATE "C" NOT NULL,
    default_usage_location TEXT COLLATE "C",
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE domains (
    name TEXT COLLATE "C" PRIMARY KEY,
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    is_default BOOLEAN NOT NULL,
    is_verified BOOLEAN NOT NULL
);
CREATE INDEX domains_tenant ON domains(tenant_id);

CREATE TABLE users (
    id UUID PRIMARY KEY,
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    user_principal_name TEXT COLLATE "C" NOT NULL,
    upn_key TEXT COLLATE "C" NOT NULL,
    display_name TEXT COLLATE "C" NOT NULL,
    mail_nickname TEXT COLLATE "C" NOT NULL,
    account_enabled BOOLEAN NOT NULL,
    user_type TEXT COLLATE "C" NOT NULL,
    usage_location TEXT COLLATE "C",
    force_change_password BOOLEAN NOT NULL,
    manager_id UUID,
    created_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ,
    sessions_valid_from TIMESTAMPTZ NOT NULL,
    password_hash TEXT,
    given_name TEXT COLLATE "C",
    surname TEXT COLLATE "C",
    mail TEXT COLLATE "C",
    other_mails TEXT NOT NULL DEFAULT '[]',
    proxy_addresses TEXT NOT NULL DEFAULT '[]',
    job_title TEXT COLLATE "C",
    department TEXT COLLATE "C",
    company_name TEXT COLLATE "C",
    employee_id TEXT COLLATE "C",
    employee_hire_date TIMESTAMPTZ,
    office_location TEXT COLLATE "C",
    business_phones TEXT NOT NULL DEFAULT '[]',
    mobile_phone TEXT COLLATE "C",
    fax_number TEXT COLLATE "C",
    street_address TEXT COLLATE "C",
    city TEXT COLLATE "C",
    state TEXT COLLATE "C",
    postal_code TEXT COLLATE "C",
    country TEXT COLLATE "C",
    preferred_language TEXT COLLATE "C",
    password_policies TEXT COLLATE "C",
    on_premises_sync_enabled BOOLEAN,
    on_premises_immutable_id TEXT COLLATE "C",
    on_premises_distinguished_name TEXT COLLATE "C",
    on_premises_sam_account_name TEXT COLLATE "C",
    on_premises_last_sync_date_time TIMESTAMPTZ,
    extension_attribute_1 TEXT COLLATE "C",
    extension_attribute_2 TEXT COLLATE "C",
    extension_attribute_3 TEXT COLLATE "C",
    extension_attribute_4 TEXT COLLATE "C",
    extension_attribute_5 TEXT COLLATE "C",
    extension_attribute_6 TEXT COLLATE "C",
    extension_attribute_7 TEXT COLLATE "C",
    extension_attribute_8 TEXT COLLATE "C",
    extension_attribute_9 TEXT COLLATE "C",
    extension_attribute_10 TEXT COLLATE "C",
    extension_attribute_11 TEXT COLLATE "C",
    extension_attribute_12 TEXT COLLATE "C",
    extension_attribute_13 TEXT COLLATE "C",
    extension_attribute_14 TEXT COLLATE "C",
    extension_attribute_15 TEXT COLLATE "C",
    row_version BIGINT NOT NULL DEFAULT 1
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
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    tenant_id UUID NOT NULL,
    attribute TEXT COLLATE "C" NOT NULL,
    value_key TEXT COLLATE "C" NOT NULL
);
CREATE INDEX user_values_lookup ON user_values(tenant_id, attribute, value_key);
CREATE INDEX user_values_user ON user_values(user_id);

CREATE TABLE groups (
    id UUID PRIMARY KEY,
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    display_name TEXT COLLATE "C" NOT NULL,
    description TEXT COLLATE "C",
    mail_nickname TEXT COLLATE "C" NOT NULL,
    mail TEXT COLLATE "C",
    mail_enabled BOOLEAN NOT NULL,
    security_enabled BOOLEAN NOT NULL,
    group_types TEXT NOT NULL DEFAULT '[]',
    membership_rule TEXT,
    membership_rule_processing_state TEXT COLLATE "C",
    visibility TEXT COLLATE "C",
    created_at TIMESTAMPTZ NOT NULL,
    deleted_at TIMESTAMPTZ
);
CREATE INDEX groups_display_name ON groups(tenant_id, lower(display_name), id);
CREATE INDEX groups_tenant_id ON groups(tenant_id, id);
CREATE UNIQUE INDEX groups_mail_unique ON groups(tenant_id, lower(mail)) WHERE deleted_at IS NULL;

-- Members and owners are directory objects: users, or (members only) groups.
CREATE TABLE group_members (
    group_id UUID NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    member_id UUID NOT NULL,
    member_kind TEXT COLLATE "C" NOT NULL,
    tenant_id UUID NOT NULL,
    PRIMARY KEY (group_id, member_id)
);
CREATE INDEX group_members_member ON group_members(member_id);

CREATE TABLE group_owners (
    group_id UUID NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    owner_id UUID NOT NULL,
    tenant_id UUID NOT NULL,
    PRIMARY KEY (group_id, owner_id)
);
CREATE INDEX group_owners_owner ON group_owners(owner_id);

-- A purchased SKU. The seat count is enforced here, not in Rust: every assignment
-- increments consumed_units with `WHERE consumed_units < enabled_units`.
CREATE TABLE subscriptions (
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    sku_id UUID NOT NULL,
    sku_part_number TEXT COLLATE "C" NOT NULL,
    enabled_units BIGINT NOT NULL,
    suspended_units BIGINT NOT NULL DEFAULT 0,
    warning_units BIGINT NOT NULL DEFAULT 0,
    consumed_units BIGINT NOT NULL DEFAULT 0,
    capability_status TEXT COLLATE "C" NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, sku_id),
    CHECK (consumed_units >= 0 AND consumed_units <= enabled_units)
);

CREATE TABLE license_assignments (
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    sku_id UUID NOT NULL,
    tenant_id UUID NOT NULL,
    disabled_plans TEXT NOT NULL DEFAULT '[]',
    assigned_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, sku_id)
);
CREATE INDEX license_assignments_sku ON license_assignments(tenant_id, sku_id);

-- External mail contacts (Graph's orgContact): no sign-in, no licenses.
CREATE TABLE contacts (
    id UUID PRIMARY KEY,
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    display_name TEXT COLLATE "C" NOT NULL,
    mail TEXT COLLATE "C",
    properties TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX contacts_display_name ON contacts(tenant_id, lower(display_name), id);
CREATE UNIQUE INDEX contacts_mail_unique ON contacts(tenant_id, lower(mail));

CREATE TABLE apps (
    client_id UUID PRIMARY KEY,
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    display_name TEXT COLLATE "C" NOT NULL,
    secret_hash TEXT NOT NULL,
    permissions TEXT NOT NULL,
    tokens_valid_from TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE role_assignments (
    principal_id UUID NOT NULL,
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    role TEXT COLLATE "C" NOT NULL,
    PRIMARY KEY (principal_id, role)
);

CREATE TABLE audit_log (
    id UUID PRIMARY KEY,
    tenant_id UUID NOT NULL,
    at TIMESTAMPTZ NOT NULL,
    actor_id UUID,
    actor_name TEXT COLLATE "C" NOT NULL,
    operation TEXT COLLATE "C" NOT NULL,
    target_id UUID,
    target_name TEXT COLLATE "C",
    before_json TEXT,
    after_json TEXT,
    client_ip TEXT COLLATE "C",
    request_id TEXT COLLATE "C",
    job_id UUID
);
CREATE INDEX audit_log_at ON audit_log(tenant_id, at);
CREATE INDEX audit_log_target ON audit_log(target_id);

-- Server-wide secrets shared by every roster server on this database (token signing key,
-- password HMAC key), created once.
CREATE TABLE server_secrets (
    name TEXT COLLATE "C" PRIMARY KEY,
    value TEXT NOT NULL
);
