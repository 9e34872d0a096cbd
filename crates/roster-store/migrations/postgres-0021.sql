-- The device authorization grant (RFC 8628; issue 19): a device asks for a code, its user
-- enters the user code on another device's browser and signs in there, and the device polls
-- until it is given tokens. Only keyed hashes of the device code and the user code are kept.
CREATE TABLE device_codes (
    device_code_hash TEXT PRIMARY KEY,
    user_code_hash TEXT NOT NULL UNIQUE,
    -- The family of the refresh tokens it gives (a redemption presented again ends it).
    family_id UUID NOT NULL,
    tenant_id UUID NOT NULL,
    client_id UUID NOT NULL,
    scope TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    expires_at TIMESTAMPTZ NOT NULL,
    interval_seconds BIGINT NOT NULL,
    last_polled_at TIMESTAMPTZ,
    -- Set when the user signed in on the other device and approved the request.
    user_id UUID REFERENCES users(id) ON DELETE CASCADE,
    auth_time TIMESTAMPTZ,
    denied_at TIMESTAMPTZ,
    redeemed_at TIMESTAMPTZ
);
CREATE INDEX device_codes_expiry ON device_codes(expires_at);
