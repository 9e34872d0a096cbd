-- Per-user MFA and authentication contact details (roster's extension properties of a user).
ALTER TABLE users ADD COLUMN mfa_state TEXT COLLATE "C";
ALTER TABLE users ADD COLUMN mfa_default_method TEXT COLLATE "C";
ALTER TABLE users ADD COLUMN mfa_allowed_methods TEXT NOT NULL DEFAULT '[]';
ALTER TABLE users ADD COLUMN authentication_phone TEXT COLLATE "C";
ALTER TABLE users ADD COLUMN authentication_alternate_phone TEXT COLLATE "C";
ALTER TABLE users ADD COLUMN authentication_email TEXT COLLATE "C";

-- A bulk job's outcomes live beside its rows rather than in them: a row is written once, when
-- submitted, and its outcome appended when applied (the outcomes of a job are always a prefix of
-- its rows). Generated passwords, shown once, live apart so that forgetting them is a delete.
CREATE TABLE job_outcomes (
    job_id UUID NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    row_number BIGINT NOT NULL,
    status TEXT COLLATE "C" NOT NULL,
    object_id UUID,
    error_column TEXT COLLATE "C",
    error_message TEXT,
    PRIMARY KEY (job_id, row_number)
);
CREATE TABLE job_outputs (
    job_id UUID NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    row_number BIGINT NOT NULL,
    output TEXT NOT NULL,
    PRIMARY KEY (job_id, row_number)
);
INSERT INTO job_outcomes (job_id, row_number, status, object_id, error_column, error_message)
    SELECT job_id, row_number, status, object_id, error_column, error_message FROM job_rows WHERE status <> 'pending';
INSERT INTO job_outputs (job_id, row_number, output)
    SELECT job_id, row_number, output FROM job_rows WHERE output IS NOT NULL;
DROP INDEX job_rows_pending;
ALTER TABLE job_rows DROP COLUMN status;
ALTER TABLE job_rows DROP COLUMN object_id;
ALTER TABLE job_rows DROP COLUMN error_column;
ALTER TABLE job_rows DROP COLUMN error_message;
ALTER TABLE job_rows DROP COLUMN output;
