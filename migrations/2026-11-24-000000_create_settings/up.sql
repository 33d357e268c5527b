-- Runtime settings edited in the UI (Plex connection, scheduler, server). One row per key; the
-- value is JSON so a setting's shape can evolve without a migration per field.
-- Times are stored as RFC 3339 UTC text everywhere in this database.
CREATE TABLE settings (
    key        TEXT PRIMARY KEY NOT NULL,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
) STRICT;
