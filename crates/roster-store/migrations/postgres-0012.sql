-- A membership's group is checked at commit, as on SQLite (where it spares multi-row inserts a
-- statement journal): both stores refuse the same things at the same moment.
ALTER TABLE group_members ALTER CONSTRAINT group_members_group_id_fkey DEFERRABLE INITIALLY DEFERRED;
