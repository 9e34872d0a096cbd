-- Applications' roles, group claims and service principals (issue 19): the roles an app defines
-- for its users and which groups its ID tokens name; its service principal in the tenant (its
-- own object id, whether users must be assigned, whether anyone may sign in); and the users and
-- groups assigned to it, with a role or none.
ALTER TABLE apps ADD COLUMN app_roles TEXT NOT NULL DEFAULT '[]';
ALTER TABLE apps ADD COLUMN group_claims TEXT NOT NULL DEFAULT 'None';
ALTER TABLE apps ADD COLUMN service_principal_id TEXT;
UPDATE apps SET service_principal_id = lower(hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' ||
    substr(hex(randomblob(2)), 2) || '-' || substr('89ab', 1 + (abs(random()) % 4), 1) ||
    substr(hex(randomblob(2)), 2) || '-' || hex(randomblob(6)));
CREATE UNIQUE INDEX apps_service_principal ON apps(service_principal_id);
ALTER TABLE apps ADD COLUMN assignment_required INTEGER NOT NULL DEFAULT 0;
ALTER TABLE apps ADD COLUMN service_principal_enabled INTEGER NOT NULL DEFAULT 1;
CREATE TABLE app_role_assignments (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL,
    client_id TEXT NOT NULL REFERENCES apps(client_id) ON DELETE CASCADE,
    -- One of the two: the user or the group assigned.
    user_id TEXT REFERENCES users(id) ON DELETE CASCADE,
    group_id TEXT REFERENCES groups(id) ON DELETE CASCADE,
    -- The nil id for default access.
    app_role_id TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    CHECK ((user_id IS NULL) <> (group_id IS NULL))
);
CREATE UNIQUE INDEX app_role_assignments_user ON app_role_assignments(client_id, user_id, app_role_id) WHERE user_id IS NOT NULL;
CREATE UNIQUE INDEX app_role_assignments_group ON app_role_assignments(client_id, group_id, app_role_id) WHERE group_id IS NOT NULL;
CREATE INDEX app_role_assignments_of_user ON app_role_assignments(user_id);
CREATE INDEX app_role_assignments_of_group ON app_role_assignments(group_id);
