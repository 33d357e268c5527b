-- Weekly recurring windows (issue #19): a grant either has one window (starts_at, ends_at) or
-- repeats every week on `repeat_days` (bits: Monday = 1 … Sunday = 64) from `repeat_from` to
-- `repeat_to` (minutes after local midnight in the server's time zone; an end not after the
-- start crosses midnight), for occurrences starting between the optional first and last dates
-- (YYYY-MM-DD). The rule's columns are all set or all empty.
ALTER TABLE grants ADD COLUMN repeat_days INTEGER
    CHECK (repeat_days IS NULL OR (repeat_days BETWEEN 1 AND 127));
ALTER TABLE grants ADD COLUMN repeat_from INTEGER
    CHECK (repeat_from IS NULL OR (repeat_from BETWEEN 0 AND 1439));
ALTER TABLE grants ADD COLUMN repeat_to INTEGER
    CHECK (repeat_to IS NULL OR (repeat_to BETWEEN 0 AND 1439));
ALTER TABLE grants ADD COLUMN repeat_first_date TEXT;
ALTER TABLE grants ADD COLUMN repeat_last_date TEXT;

-- Each recurring grant's next edge (when it next turns on or off), advanced by the deadline
-- worker as it passes: the worker finds due grants by an index, never by expanding calendars.
CREATE TABLE grant_next_edges (
    grant_id     INTEGER PRIMARY KEY NOT NULL REFERENCES grants (id) ON DELETE CASCADE,
    plex_user_id INTEGER NOT NULL REFERENCES plex_users (id) ON DELETE CASCADE,
    at           INTEGER NOT NULL
) STRICT;
CREATE INDEX grant_next_edges_at ON grant_next_edges (at);
