-- Where applying each friend's plan stands, and what Plexward last made Plex share (for drift).
-- One row per friend Plexward has tried to apply; no row = never applied (nothing to do yet).
CREATE TABLE apply_states (
    plex_user_id      INTEGER PRIMARY KEY NOT NULL REFERENCES plex_users (id) ON DELETE CASCADE,
    state             TEXT NOT NULL CHECK (state IN ('applied', 'pending_invite', 'failed', 'queued')),
    error             TEXT,
    -- Failed attempts in a row.
    attempts          INTEGER NOT NULL DEFAULT 0,
    next_retry_at     INTEGER,
    applied_at        INTEGER,
    -- JSON array of PMS keys Plexward last made Plex share (NULL: never succeeded). Plex
    -- differing from it is drift: someone changed the share on Plex directly.
    applied_libraries TEXT,
    updated_at        INTEGER NOT NULL
) STRICT;
-- The retry worker finds due friends without a scan.
CREATE INDEX apply_states_next_retry_at ON apply_states (next_retry_at) WHERE next_retry_at IS NOT NULL;

-- A friend's history comes from the audit log.
CREATE INDEX audit_events_target ON audit_events (target_type, target_id, at);
