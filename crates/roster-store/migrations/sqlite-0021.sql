-- The device authorization grant (RFC 8628; issue 19): a device asks for a code, its user
-- enters the user code on another device's browser and signs in there, and the device polls
-- until it is given tokens. Only keyed hashes of the device code and the user code are kept.
CREATE TABLE device_codes (
    device_code_hash TEXT PRIMARY KEY,
    user_code_hash TEXT NOT NULL UNIQUE,
    -- The family of the refresh tokens it gives (a redemption presented again ends it).
    family_id TEXT NOT NULL,
    tenant_id TEXT NOT NULL,
    client_id TEXT NOT NULL,
    scope TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    interval_seconds INTEGER NOT NULL,
    last_polled_at INTEGER,
    -- Set when the user signed in on the other device and approved the request.
    user_id TEXT REFERENCES users(id) ON DELETE CASCADE,
    auth_time INTEGER,
    denied_at INTEGER,
    redeemed_at INTEGER
);
CREATE INDEX device_codes_expiry ON device_codes(expires_at);
