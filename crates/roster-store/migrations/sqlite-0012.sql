-- A membership's group is checked at commit (DEFERRABLE INITIALLY DEFERRED), not by each
-- statement: memberships are inserted many rows to a statement, and a statement that could fail
-- part-way on a foreign key makes SQLite journal every page it touches (see Tx::insert_rows).
CREATE TABLE group_members_0012 (
    group_id TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
    member_id TEXT NOT NULL,
    member_kind TEXT NOT NULL,
    PRIMARY KEY (group_id, member_id)
) WITHOUT ROWID;
INSERT INTO group_members_0012 (group_id, member_id, member_kind)
    SELECT group_id, member_id, member_kind FROM group_members;
DROP TABLE group_members;
ALTER TABLE group_members_0012 RENAME TO group_members;
CREATE INDEX group_members_member ON group_members(member_id);
