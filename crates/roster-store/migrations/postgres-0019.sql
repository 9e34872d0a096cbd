-- App registrations as Graph's `application` (issue 19): an object id besides the client id,
-- redirect URIs by platform, public clients, and client secrets of their own (several per app,
-- each with a key id, a hint and an end; kept as keyed hashes). The secret each app had so far
-- becomes its first, without an end (it had none: ending it now would stop the app at once).
ALTER TABLE apps ADD COLUMN object_id UUID;
UPDATE apps SET object_id = client_id;
ALTER TABLE apps ALTER COLUMN object_id SET NOT NULL;
ALTER TABLE apps ADD COLUMN redirect_uris TEXT NOT NULL DEFAULT '[]';
ALTER TABLE apps ADD COLUMN fallback_public_client BOOLEAN NOT NULL DEFAULT FALSE;
CREATE UNIQUE INDEX apps_object_id ON apps(object_id);
CREATE INDEX apps_tenant ON apps(tenant_id, display_name);
CREATE TABLE app_secrets (
    client_id UUID NOT NULL REFERENCES apps(client_id) ON DELETE CASCADE,
    key_id UUID NOT NULL,
    display_name TEXT,
    hint TEXT NOT NULL,
    secret_hash TEXT NOT NULL,
    starts_at TIMESTAMPTZ NOT NULL,
    ends_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (client_id, key_id)
);
INSERT INTO app_secrets (client_id, key_id, display_name, hint, secret_hash, starts_at, ends_at)
    SELECT client_id, client_id, NULL, '', secret_hash, created_at, TIMESTAMPTZ '9999-12-31 23:59:59+00' FROM apps;
ALTER TABLE apps DROP COLUMN secret_hash;
