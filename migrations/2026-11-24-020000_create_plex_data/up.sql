-- Plex data imported by sync, the grants (desired access) and user-visible background jobs.
-- Times are INTEGER Unix milliseconds (UTC).

CREATE TABLE libraries (
    id         INTEGER PRIMARY KEY NOT NULL,
    pms_key    INTEGER NOT NULL UNIQUE,
    plextv_id  INTEGER,
    title      TEXT NOT NULL,
    kind       TEXT NOT NULL,
    -- Set when a sync no longer finds the library; kept, never silently deleted.
    removed_at INTEGER,
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE plex_users (
    id               INTEGER PRIMARY KEY NOT NULL,
    plex_user_id     INTEGER NOT NULL UNIQUE,
    title            TEXT NOT NULL,
    username         TEXT,
    email            TEXT,
    thumb            TEXT,
    home             INTEGER NOT NULL DEFAULT 0 CHECK (home IN (0, 1)),
    -- The friend's share on this server as last seen on Plex (NULL: none).
    share_id         INTEGER,
    share_pending    INTEGER NOT NULL DEFAULT 0 CHECK (share_pending IN (0, 1)),
    -- JSON array of PMS keys actually shared (`shared="1"` only), as last seen on Plex.
    actual_libraries TEXT NOT NULL DEFAULT '[]',
    -- Set when a sync no longer finds the friend; kept with history, no more applies.
    departed_at      INTEGER,
    first_seen_at    INTEGER NOT NULL,
    last_synced_at   INTEGER NOT NULL
) STRICT;

CREATE TABLE grants (
    id           INTEGER PRIMARY KEY NOT NULL,
    plex_user_id INTEGER NOT NULL REFERENCES plex_users (id) ON DELETE CASCADE,
    library_id   INTEGER NOT NULL REFERENCES libraries (id),
    starts_at    INTEGER,
    ends_at      INTEGER,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    UNIQUE (plex_user_id, library_id),
    CHECK (starts_at IS NULL OR ends_at IS NULL OR starts_at < ends_at)
) STRICT;
-- The scheduler finds window edges by time, without scanning every friend.
CREATE INDEX grants_starts_at ON grants (starts_at) WHERE starts_at IS NOT NULL;
CREATE INDEX grants_ends_at ON grants (ends_at) WHERE ends_at IS NOT NULL;

-- Long work a user started and may watch (sync, reconcile): state, progress, outcome.
CREATE TABLE jobs (
    id             TEXT PRIMARY KEY NOT NULL,
    kind           TEXT NOT NULL,
    state          TEXT NOT NULL CHECK (state IN ('queued', 'running', 'succeeded', 'failed')),
    progress_done  INTEGER NOT NULL DEFAULT 0,
    progress_total INTEGER NOT NULL DEFAULT 0,
    result         TEXT,
    error          TEXT,
    created_by     TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    started_at     INTEGER,
    finished_at    INTEGER
) STRICT;
CREATE INDEX jobs_kind_state ON jobs (kind, state);
