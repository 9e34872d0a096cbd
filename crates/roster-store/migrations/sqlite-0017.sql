-- A domain belongs to a tenant only once it is verified (issue 18's review): an unverified
-- claim no longer keeps the name from every other tenant, nor says who holds it. Each tenant
-- has its own row for a name; only one row of a name can be verified.
CREATE TABLE domains_0017 (
    name TEXT NOT NULL,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    is_default INTEGER NOT NULL,
    is_verified INTEGER NOT NULL,
    verification_code TEXT,
    PRIMARY KEY (tenant_id, name)
);
INSERT INTO domains_0017 (name, tenant_id, is_default, is_verified, verification_code)
    SELECT name, tenant_id, is_default, is_verified, verification_code FROM domains;
DROP TABLE domains;
ALTER TABLE domains_0017 RENAME TO domains;
CREATE INDEX domains_tenant ON domains(tenant_id);
CREATE UNIQUE INDEX domains_verified_name ON domains(name) WHERE is_verified = 1;
CREATE INDEX domains_name ON domains(name);
