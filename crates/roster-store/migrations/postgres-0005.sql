-- Group-based licensing. A user's licenses are rows of license_assignments: held directly
-- (group_id NULL, always Active) or through a group (group_id set), whose assignment either took
-- (Active) or not (Error, with Graph's error code). A subscription's consumed_units counts the
-- live users that hold its SKU in at least one Active row.
ALTER TABLE license_assignments DROP CONSTRAINT license_assignments_pkey;
ALTER TABLE license_assignments ADD COLUMN group_id UUID;
ALTER TABLE license_assignments ADD COLUMN state TEXT COLLATE "C" NOT NULL DEFAULT 'Active';
ALTER TABLE license_assignments ADD COLUMN error TEXT COLLATE "C" NOT NULL DEFAULT 'None';
CREATE UNIQUE INDEX license_assignments_source ON license_assignments(user_id, sku_id, COALESCE(group_id, '00000000-0000-0000-0000-000000000000'));
DROP INDEX license_assignments_sku;
CREATE INDEX license_assignments_sku ON license_assignments(tenant_id, sku_id, state);
CREATE INDEX license_assignments_group ON license_assignments(group_id) WHERE group_id IS NOT NULL;

-- The licenses a group gives its members.
CREATE TABLE group_licenses (
    group_id UUID NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    sku_id UUID NOT NULL,
    tenant_id UUID NOT NULL,
    disabled_plans TEXT NOT NULL DEFAULT '[]',
    assigned_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (group_id, sku_id)
);
ALTER TABLE groups ADD COLUMN license_processing_state TEXT COLLATE "C";

-- Groups whose members' memberships (dynamic groups) and licenses are to be brought up to date by
-- a background worker on any server: a row is claimed with a lease, and deleted once processed
-- unless it was queued again meanwhile (generation).
CREATE TABLE group_work (
    group_id UUID PRIMARY KEY REFERENCES groups(id) ON DELETE CASCADE,
    tenant_id UUID NOT NULL,
    generation BIGINT NOT NULL,
    queued_at TIMESTAMPTZ NOT NULL,
    lease_owner TEXT COLLATE "C",
    lease_until TIMESTAMPTZ
);

-- Moved on by every change to a tenant's groups that can change who their rules take in or what
-- they give: a server keeps the tenant's dynamic groups in memory for as long as it does not move.
ALTER TABLE tenants ADD COLUMN groups_version BIGINT NOT NULL DEFAULT 0;
