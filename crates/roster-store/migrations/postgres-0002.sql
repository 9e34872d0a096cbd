-- roster schema, version 2 (PostgreSQL): bulk jobs.
-- The other backend's file has the same tables; change both together.

-- A bulk operation: its rows are applied in batches by whichever server holds the lease, and
-- each row's outcome is written in the same transaction as its change, so a job that stops
-- half-way (a crash, a kill) resumes where it stopped and no row is applied twice.
CREATE TABLE jobs (
    id UUID PRIMARY KEY,
    tenant_id UUID NOT NULL REFERENCES tenants(id),
    kind TEXT COLLATE "C" NOT NULL,
    status TEXT COLLATE "C" NOT NULL,
    options TEXT NOT NULL,
    total_rows BIGINT NOT NULL,
    done_rows BIGINT NOT NULL DEFAULT 0,
    failed_rows BIGINT NOT NULL DEFAULT 0,
    created_by_id UUID,
    created_by_name TEXT COLLATE "C" NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    finished_at TIMESTAMPTZ,
    lease_owner TEXT COLLATE "C",
    lease_until TIMESTAMPTZ
);
CREATE INDEX jobs_tenant ON jobs(tenant_id, created_at);
CREATE INDEX jobs_pending ON jobs(status, created_at);

CREATE TABLE job_rows (
    job_id UUID NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    row_number BIGINT NOT NULL,
    input TEXT NOT NULL,
    status TEXT COLLATE "C" NOT NULL,
    object_id UUID,
    error_column TEXT COLLATE "C",
    error_message TEXT,
    output TEXT,
    PRIMARY KEY (job_id, row_number)
);
CREATE INDEX job_rows_pending ON job_rows(job_id, status, row_number);
