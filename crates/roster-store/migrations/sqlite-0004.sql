-- A bulk job's rows are stored a batch at a time: the rows one transaction applies, as one JSON
-- array, and the batch's outcomes (one per row, in order) appended as one record when the batch
-- is applied. A job of 100,000 rows is 50 records of each kind rather than 100,000 or 300,000.
-- The outcomes of a job are a prefix of its batches. Generated passwords (shown once) are the
-- `outputs` of a batch's outcomes, a JSON object by row number, forgotten by setting it NULL.
CREATE TABLE job_batches (
    job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    first_row INTEGER NOT NULL,
    rows TEXT NOT NULL,
    PRIMARY KEY (job_id, first_row)
);
CREATE TABLE job_batch_outcomes (
    job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    first_row INTEGER NOT NULL,
    last_row INTEGER NOT NULL,
    outcomes TEXT NOT NULL,
    outputs TEXT,
    PRIMARY KEY (job_id, first_row)
);
-- Jobs stored before: each row becomes a batch of its own.
INSERT INTO job_batches (job_id, first_row, rows)
    SELECT job_id, row_number, '[' || input || ']' FROM job_rows;
INSERT INTO job_batch_outcomes (job_id, first_row, last_row, outcomes, outputs)
    SELECT o.job_id, o.row_number, o.row_number,
           json_array(json_array(o.status, o.object_id, o.error_column, o.error_message)),
           (SELECT json_object(CAST(p.row_number AS TEXT), json(p.output)) FROM job_outputs p
             WHERE p.job_id = o.job_id AND p.row_number = o.row_number)
    FROM job_outcomes o;
DROP TABLE job_outputs;
DROP TABLE job_outcomes;
DROP TABLE job_rows;
