-- Admin center sessions: a signed-in browser's session, ended by signing out (its cookie's token
-- is refused from then on, whatever its expiry).
CREATE TABLE admin_sessions (
    id UUID PRIMARY KEY,
    tenant_id UUID NOT NULL,
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    started_at TIMESTAMPTZ NOT NULL,
    ended_at TIMESTAMPTZ
);
CREATE INDEX admin_sessions_user ON admin_sessions(user_id);
