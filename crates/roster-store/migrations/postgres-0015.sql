-- The home page's "needs attention" (issue 18): the group licenses that did not take, found
-- among a tenant's few such rows instead of every member's of every licensed group.
CREATE INDEX license_assignments_errors ON license_assignments(tenant_id, group_id) WHERE state = 'Error';
