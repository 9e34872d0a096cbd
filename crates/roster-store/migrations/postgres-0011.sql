-- A membership's tenant is its group's: no query reads it, and every membership written carried
-- it (about a million when 500 dynamic groups are worked out from scratch).
ALTER TABLE group_members DROP COLUMN tenant_id;
