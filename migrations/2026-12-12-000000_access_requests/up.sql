-- Friends' requests for more access, made in the portal and decided by a moderator or admin.
-- A request is never deleted by its friend (cancelling marks it), so the trail of who asked
-- for what, and what was decided, stays; it goes when the friend row goes.
CREATE TABLE access_requests (
    id           INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    plex_user_id INTEGER NOT NULL REFERENCES plex_users (id) ON DELETE CASCADE,
    kind         TEXT    NOT NULL CHECK (kind IN ('extension', 'library')),
    -- The library asked for or about; a library Plex removed later leaves the request naming none.
    library_id   INTEGER REFERENCES libraries (id) ON DELETE SET NULL,
    -- An extension's wished period, as `ExtendPeriod` writes it (`month`, `P10D`).
    period       TEXT,
    message      TEXT,
    state        TEXT    NOT NULL DEFAULT 'open'
                         CHECK (state IN ('open', 'approved', 'declined', 'cancelled')),
    created_at   INTEGER NOT NULL,
    decided_at   INTEGER,
    -- The moderator's username (or "friend" for a cancel), kept as text like the audit trail.
    decided_by   TEXT,
    reason       TEXT
) STRICT;
CREATE INDEX access_requests_friend ON access_requests (plex_user_id, created_at);
CREATE INDEX access_requests_state ON access_requests (state, created_at);
