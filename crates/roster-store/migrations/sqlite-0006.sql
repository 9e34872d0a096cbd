-- Admin center sessions: a signed-in browser's session, ended by signing out (its cookie's token
-- is refused from then on, whatever its expiry).
CREATE TABLE admin_sessions (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    started_at INTEGER NOT NULL,
    ended_at INTEGER
);
CREATE INDEX admin_sessions_user ON admin_sessions(user_id);
