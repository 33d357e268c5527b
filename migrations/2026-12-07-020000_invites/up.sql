-- Invites (issue #19): a new friend brought in with a plan. `body` is what the invite gives as
-- asked (grants with windows relative to acceptance, sharing, the plan it came from and which
-- version); `sent_library_ids` what Plex's invite carried (JSON array of library ids).
-- `plex_user_id` is the friend row the invite made (shown as "Invited" until they accept).
CREATE TABLE invites (
    id               INTEGER PRIMARY KEY NOT NULL,
    identifier       TEXT NOT NULL,
    state            TEXT NOT NULL
        CHECK (state IN ('pending', 'accepted', 'expired', 'cancelled')),
    plex_user_id     INTEGER REFERENCES plex_users (id) ON DELETE SET NULL,
    plex_account_id  INTEGER,
    body             TEXT NOT NULL,
    sent_library_ids TEXT NOT NULL,
    note             TEXT,
    created_by       TEXT NOT NULL,
    created_at       INTEGER NOT NULL,
    sent_at          INTEGER NOT NULL,
    expires_at       INTEGER NOT NULL,
    accepted_at      INTEGER,
    ended_at         INTEGER
) STRICT;
CREATE INDEX invites_state ON invites (state, expires_at);
CREATE INDEX invites_friend ON invites (plex_user_id);
-- One pending invite per friend.
CREATE UNIQUE INDEX invites_one_pending ON invites (plex_user_id) WHERE state = 'pending';
