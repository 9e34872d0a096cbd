-- The recycle bin's page, in name order (issue 18): read from an index of the deleted users
-- alone, not by passing over every live user's name.
CREATE INDEX users_deleted_name ON users(tenant_id, lower(display_name), id) WHERE deleted_at IS NOT NULL;
