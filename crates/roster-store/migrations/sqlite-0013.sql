-- Sign-in protection (issue 16): the tenant's lockout and session settings, the smart-lockout
-- state of each name and source address, and the sign-in log.

-- Entra ID's defaults: 10 failures lock for 60 s (longer after each further lockout); an admin
-- center session ends 12 hours after it started, however active.
ALTER TABLE tenants ADD COLUMN lockout_threshold INTEGER NOT NULL DEFAULT 10;
ALTER TABLE tenants ADD COLUMN lockout_duration_seconds INTEGER NOT NULL DEFAULT 60;
ALTER TABLE tenants ADD COLUMN session_lifetime_seconds INTEGER NOT NULL DEFAULT 43200;

-- One row per sign-in name (lower-cased, existing or not, so that a locked name says nothing
-- about whether it exists) and bucket (`source`: a familiar address, or 'unfamiliar'), while it
-- has failures. `failures` counts attempts not yet known to have succeeded (counted before the
-- password is checked, so that concurrent guesses cannot pass the threshold); `recent_wrong`
-- holds marks of the last three wrong passwords (derived from their Argon2id computation),
-- which do not count again.
CREATE TABLE sign_in_lockouts (
    name_key TEXT NOT NULL,
    source TEXT NOT NULL,
    failures INTEGER NOT NULL,
    lockouts INTEGER NOT NULL,
    locked_until INTEGER,
    recent_wrong TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (name_key, source)
);
CREATE INDEX sign_in_lockouts_updated ON sign_in_lockouts(updated_at);

-- The addresses (an IPv6 client's /64) from which a name has signed in: each counts its
-- failures apart; every other address shares the name's 'unfamiliar' bucket.
CREATE TABLE sign_in_familiar (
    name_key TEXT NOT NULL,
    source TEXT NOT NULL,
    last_success_at INTEGER NOT NULL,
    PRIMARY KEY (name_key, source)
);
CREATE INDEX sign_in_familiar_last ON sign_in_familiar(last_success_at);

-- Every sign-in attempt, successful or not, with Entra's error code (0 for success).
CREATE TABLE sign_ins (
    id TEXT PRIMARY KEY,
    tenant_id TEXT,
    at INTEGER NOT NULL,
    user_id TEXT,
    user_principal_name TEXT NOT NULL,
    client_ip TEXT,
    client TEXT NOT NULL,
    error_code INTEGER NOT NULL,
    failure_reason TEXT
);
CREATE INDEX sign_ins_tenant_at ON sign_ins(tenant_id, at);
CREATE INDEX sign_ins_at ON sign_ins(at);
CREATE INDEX sign_ins_user_at ON sign_ins(user_id, at);
