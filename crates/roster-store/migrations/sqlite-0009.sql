-- The licenses each user holds that took, as `assignedLicenses` shows them: what
-- `assignedLicenses/any(x: x/skuId eq …)` filters look up once per user, from this index alone.
-- (The users without any license are read from `users_unlicensed`, migration 0010.)
CREATE INDEX license_assignments_active ON license_assignments(user_id, state, sku_id) WHERE state = 'Active';
