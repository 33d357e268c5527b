-- One row the health check rewrites: a read alone succeeds while another process holds SQLite's
-- write lock or the files are read-only, which is exactly when writes (most requests) fail.
CREATE TABLE storage_probe (
    id INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    checked_at BIGINT NOT NULL
);
