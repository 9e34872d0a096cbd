-- Token signing keys that rotate (issue 19): each key signs from its start until the next one's,
-- is published before it starts (so that relying parties that cache the keys know it) and after
-- it stops (until the tokens it signed have expired). The private key is sealed under the
-- server's key. The one key so far (server_secrets' token_signing_key) becomes the first, by
-- the server, as it loads its keys.
CREATE TABLE signing_keys (
    kid TEXT PRIMARY KEY,
    private_key TEXT NOT NULL,
    active_from INTEGER NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE INDEX signing_keys_active ON signing_keys(active_from);
