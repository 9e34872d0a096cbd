-- The sign-in log at Graph's /auditLogs/signIns (issue 19): the application by its id, whether
-- the user was there (interactive) or an application renewed a token (non-interactive), and the
-- request's correlation id. A user's last sign-ins (Graph's signInActivity), kept on the user
-- so that inactive users are found by $filter. Per tenant: how long the log is kept, and
-- whether the password grant is allowed.
ALTER TABLE sign_ins ADD COLUMN app_id UUID;
ALTER TABLE sign_ins ADD COLUMN interactive BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE sign_ins ADD COLUMN correlation_id TEXT;
CREATE INDEX sign_ins_tenant_user_at ON sign_ins(tenant_id, user_id, at);
ALTER TABLE users ADD COLUMN last_sign_in_at TIMESTAMPTZ;
ALTER TABLE users ADD COLUMN last_non_interactive_sign_in_at TIMESTAMPTZ;
ALTER TABLE users ADD COLUMN last_successful_sign_in_at TIMESTAMPTZ;
ALTER TABLE tenants ADD COLUMN sign_in_log_days BIGINT NOT NULL DEFAULT 30;
ALTER TABLE tenants ADD COLUMN password_grant BOOLEAN NOT NULL DEFAULT TRUE;
