-- Group-based licensing. A user's licenses are rows of license_assignments: held directly
-- (group_id NULL, always Active) or through a group (group_id set), whose assignment either took
-- (Active) or not (Error, with Graph's error code). A subscription's consumed_units counts the
-- live users that hold its SKU in at least one Active row.
CREATE TABLE license_assignments_0005 (
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    sku_id TEXT NOT NULL,
    tenant_id TEXT NOT NULL,
    group_id TEXT,
    disabled_plans TEXT NOT NULL DEFAULT '[]',
    state TEXT NOT NULL DEFAULT 'Active',
    error TEXT NOT NULL DEFAULT 'None',
    assigned_at INTEGER NOT NULL
);
INSERT INTO license_assignments_0005 (user_id, sku_id, tenant_id, disabled_plans, assigned_at)
    SELECT user_id, sku_id, tenant_id, disabled_plans, assigned_at FROM license_assignments;
DROP TABLE license_assignments;
ALTER TABLE license_assignments_0005 RENAME TO license_assignments;
CREATE UNIQUE INDEX license_assignments_source ON license_assignments(user_id, sku_id, COALESCE(group_id, ''));
CREATE INDEX license_assignments_sku ON license_assignments(tenant_id, sku_id, state);
CREATE INDEX license_assignments_group ON license_assignments(group_id) WHERE group_id IS NOT NULL;

-- The licenses a group gives its members.
CREATE TABLE group_licenses (
    group_id TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    sku_id TEXT NOT NULL,
    tenant_id TEXT NOT NULL,
    disabled_plans TEXT NOT NULL DEFAULT '[]',
    assigned_at INTEGER NOT NULL,
    PRIMARY KEY (group_id, sku_id)
);
ALTER TABLE groups ADD COLUMN license_processing_state TEXT;

-- Groups whose members' memberships (dynamic groups) and licenses are to be brought up to date by
-- a background worker on any server: a row is claimed with a lease, and deleted once processed
-- unless it was queued again meanwhile (generation).
CREATE TABLE group_work (
    group_id TEXT PRIMARY KEY REFERENCES groups(id) ON DELETE CASCADE,
    tenant_id TEXT NOT NULL,
    generation INTEGER NOT NULL,
    queued_at INTEGER NOT NULL,
    lease_owner TEXT,
    lease_until INTEGER
);

-- Moved on by every change to a tenant's groups that can change who their rules take in or what
-- they give: a server keeps the tenant's dynamic groups in memory for as long as it does not move.
ALTER TABLE tenants ADD COLUMN groups_version INTEGER NOT NULL DEFAULT 0;
