-- apalis-sqlite keeps its queue in tables named `Jobs` and `Workers` in this same file, and
-- SQLite table names ignore case: Plexward's own `jobs` (watched jobs with progress) moves aside.
ALTER TABLE jobs RENAME TO watched_jobs;
DROP INDEX jobs_kind_state;
CREATE INDEX watched_jobs_kind_state ON watched_jobs (kind, state);
