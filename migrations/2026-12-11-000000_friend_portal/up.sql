-- The friend portal: a friend's session, signed in with their own Plex account (no Plexward
-- account). Named by a token in an HttpOnly cookie, stored hashed; it reads only that friend's
-- access. Ends after 7 days, at sign-out, when the portal is switched off, or when the friend
-- leaves the server.
CREATE TABLE portal_sessions (
    token_hash   TEXT    PRIMARY KEY NOT NULL,
    plex_user_id INTEGER NOT NULL REFERENCES plex_users (id) ON DELETE CASCADE,
    ip           TEXT,
    user_agent   TEXT,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL
) STRICT;
CREATE INDEX portal_sessions_friend ON portal_sessions (plex_user_id);
