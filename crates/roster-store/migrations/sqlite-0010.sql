-- How many of a user's license assignments took (`state = 'Active'`, what `assignedLicenses`
-- shows), kept by every write of `license_assignments` (`licenses::count_active`, and a bulk
-- import's new users are written with theirs), so that the users without licenses
-- (`not(assignedLicenses/any())`, the admin center's unlicensed users) are one range of an
-- index instead of a lookup per user. Not a trigger: a statement that fires one takes a
-- statement savepoint in SQLite, whose cost grows with the transaction (seeding 100,000 users
-- took twice as long).
ALTER TABLE users ADD COLUMN active_licenses INTEGER NOT NULL DEFAULT 0;
UPDATE users SET active_licenses = (SELECT COUNT(*) FROM license_assignments a WHERE a.user_id = users.id AND a.state = 'Active');
CREATE INDEX users_unlicensed ON users(tenant_id, id) WHERE deleted_at IS NULL AND active_licenses = 0;
