-- Sign-in for everyone (issue 19): authorization codes, redeemed once, and refresh tokens that
-- rotate, each with the family it belongs to (a replayed one ends the whole family). Only keyed
-- hashes of codes and tokens are kept.
CREATE TABLE authorization_codes (
    code_hash TEXT PRIMARY KEY,
    family_id UUID NOT NULL,
    tenant_id UUID NOT NULL,
    client_id UUID NOT NULL,
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    redirect_uri TEXT NOT NULL,
    scope TEXT NOT NULL,
    nonce TEXT,
    code_challenge TEXT,
    auth_time TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    redeemed_at TIMESTAMPTZ,
    -- Set when the code was presented again after its redemption: its family's tokens end, and
    -- no first refresh token may be saved for it afterwards.
    replayed_at TIMESTAMPTZ
);
CREATE INDEX authorization_codes_expiry ON authorization_codes(expires_at);
CREATE INDEX authorization_codes_family ON authorization_codes(family_id);
CREATE TABLE refresh_tokens (
    token_hash TEXT PRIMARY KEY,
    family_id UUID NOT NULL,
    tenant_id UUID NOT NULL,
    client_id UUID NOT NULL,
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    scope TEXT NOT NULL,
    confidential BOOLEAN NOT NULL,
    auth_time TIMESTAMPTZ NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    rotated_at TIMESTAMPTZ,
    revoked_at TIMESTAMPTZ
);
CREATE INDEX refresh_tokens_family ON refresh_tokens(family_id);
CREATE INDEX refresh_tokens_user ON refresh_tokens(user_id);
CREATE INDEX refresh_tokens_expiry ON refresh_tokens(expires_at);
