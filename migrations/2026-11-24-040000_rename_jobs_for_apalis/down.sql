DROP INDEX watched_jobs_kind_state;
ALTER TABLE watched_jobs RENAME TO jobs;
CREATE INDEX jobs_kind_state ON jobs (kind, state);
