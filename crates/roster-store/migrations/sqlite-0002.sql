-- roster schema, version 2 (SQLite): bulk jobs.
-- The other backend's file has the same tables; change both together.

-- A bulk operation: its rows are applied in batches by whichever server holds the lease, and
-- each row's outcome is written in the same transaction as its change, so a job that stops
-- half-way (a crash, a kill) resumes where it stopped and no row is applied twice.
CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    tenant_id TEXT NOT NULL REFERENCES tenants(id),
    kind TEXT NOT NULL,
    status TEXT NOT NULL,
    options TEXT NOT NULL,
    total_rows INTEGER NOT NULL,
    done_rows INTEGER NOT NULL DEFAULT 0,
    failed_rows INTEGER NOT NULL DEFAULT 0,
    created_by_id TEXT,
    created_by_name TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    finished_at INTEGER,
    lease_owner TEXT,
    lease_until INTEGER
);
CREATE INDEX jobs_tenant ON jobs(tenant_id, created_at);
CREATE INDEX jobs_pending ON jobs(status, created_at);

CREATE TABLE job_rows (
    job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    row_number INTEGER NOT NULL,
    input TEXT NOT NULL,
    status TEXT NOT NULL,
    object_id TEXT,
    error_column TEXT,
    error_message TEXT,
    output TEXT,
    PRIMARY KEY (job_id, row_number)
);
CREATE INDEX job_rows_pending ON job_rows(job_id, status, row_number);
