-- Sign-in for everyone (issue 19): authorization codes, redeemed once, and refresh tokens that
-- rotate, each with the family it belongs to (a replayed one ends the whole family). Only keyed
-- hashes of codes and tokens are kept.
CREATE TABLE authorization_codes (
    code_hash TEXT PRIMARY KEY,
    family_id TEXT NOT NULL,
    tenant_id TEXT NOT NULL,
    client_id TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    redirect_uri TEXT NOT NULL,
    scope TEXT NOT NULL,
    nonce TEXT,
    code_challenge TEXT,
    auth_time INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    redeemed_at INTEGER,
    -- Set when the code was presented again after its redemption: its family's tokens end, and
    -- no first refresh token may be saved for it afterwards.
    replayed_at INTEGER
);
CREATE INDEX authorization_codes_expiry ON authorization_codes(expires_at);
CREATE INDEX authorization_codes_family ON authorization_codes(family_id);
CREATE TABLE refresh_tokens (
    token_hash TEXT PRIMARY KEY,
    family_id TEXT NOT NULL,
    tenant_id TEXT NOT NULL,
    client_id TEXT NOT NULL,
    user_id TEXT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    scope TEXT NOT NULL,
    confidential INTEGER NOT NULL,
    auth_time INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    rotated_at INTEGER,
    revoked_at INTEGER
);
CREATE INDEX refresh_tokens_family ON refresh_tokens(family_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens(user_id);
CREATE INDEX refresh_tokens_expiry ON refresh_tokens(expires_at);
