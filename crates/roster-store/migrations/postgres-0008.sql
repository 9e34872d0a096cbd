-- The live users' index holds their ids too, so that a filter that looks each of them up
-- elsewhere (`assignedLicenses/any(x: x/skuId eq …)`, the holders of a license) counts them from
-- the index alone, without reading every user's row.
DROP INDEX users_live;
CREATE INDEX users_live ON users(tenant_id, account_enabled, user_type, id) WHERE deleted_at IS NULL;
