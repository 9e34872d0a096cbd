-- The licenses each user holds that took, as `assignedLicenses` shows them: what
-- `assignedLicenses/any(…)` filters look up once per user (the admin center's unlicensed users
-- among them), from this index alone.
CREATE INDEX license_assignments_active ON license_assignments(user_id, state, sku_id) WHERE state = 'Active';
