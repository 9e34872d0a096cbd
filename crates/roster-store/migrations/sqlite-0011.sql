-- Memberships clustered on their primary key (WITHOUT ROWID): a membership is then stored in
-- two b-trees (the table by group, the index by member) instead of three (the rows by rowid, the
-- primary key's index and the member index); and without the tenant, which no query reads (the
-- group has it). Working out 500 dynamic groups from scratch writes about a million of them.
CREATE TABLE group_members_0011 (
    group_id TEXT NOT NULL REFERENCES groups(id) ON DELETE CASCADE,
    member_id TEXT NOT NULL,
    member_kind TEXT NOT NULL,
    PRIMARY KEY (group_id, member_id)
) WITHOUT ROWID;
INSERT INTO group_members_0011 (group_id, member_id, member_kind)
    SELECT group_id, member_id, member_kind FROM group_members;
DROP TABLE group_members;
ALTER TABLE group_members_0011 RENAME TO group_members;
CREATE INDEX group_members_member ON group_members(member_id);
