-- Indexes the admin center's pages read on a large tenant:
-- the live users counted by sign-in state and type (home page, the users list's total);
CREATE INDEX users_live ON users(tenant_id, account_enabled, user_type) WHERE deleted_at IS NULL;
-- the users holding a license that took (users without licenses);
CREATE INDEX license_assignments_holder ON license_assignments(tenant_id, state, user_id);
-- the newest audit records first, in the order pages show them.
DROP INDEX audit_log_at;
CREATE INDEX audit_log_recent ON audit_log(tenant_id, at, id);
