-- A domain belongs to a tenant only once it is verified (issue 18's review): an unverified
-- claim no longer keeps the name from every other tenant, nor says who holds it. Each tenant
-- has its own row for a name; only one row of a name can be verified.
ALTER TABLE domains DROP CONSTRAINT domains_pkey;
ALTER TABLE domains ADD PRIMARY KEY (tenant_id, name);
CREATE UNIQUE INDEX domains_verified_name ON domains(name) WHERE is_verified;
CREATE INDEX domains_name ON domains(name);
