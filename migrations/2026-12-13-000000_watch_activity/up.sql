-- Who watches: plays read from the PMS's watch history on each sync, by friend and library,
-- kept a year (counts look back 90 days), and per friend when they last watched (a play or a
-- session seen playing). A friend's last watched time is part of the read model (the friends
-- list sorts and filters by it), so changing it records a friend change like the other inputs.
CREATE TABLE plays (
    -- The PMS's own key of the row (`/status/sessions/history/123`): read twice, counted once.
    history_key  TEXT    PRIMARY KEY NOT NULL,
    plex_user_id INTEGER NOT NULL REFERENCES plex_users (id) ON DELETE CASCADE,
    -- None: a library the server no longer has.
    library_id   INTEGER REFERENCES libraries (id) ON DELETE SET NULL,
    viewed_at    INTEGER NOT NULL,
    title        TEXT    NOT NULL,
    kind         TEXT    NOT NULL
) STRICT;
CREATE INDEX plays_friend ON plays (plex_user_id, viewed_at);
CREATE INDEX plays_viewed ON plays (viewed_at);

CREATE TABLE friend_activity (
    plex_user_id    INTEGER PRIMARY KEY NOT NULL REFERENCES plex_users (id) ON DELETE CASCADE,
    last_watched_at INTEGER NOT NULL,
    last_title      TEXT,
    -- What they were playing at the last sync (none: nothing).
    watching_now    TEXT
) STRICT;

CREATE TRIGGER friend_activity_changed_on_insert AFTER INSERT ON friend_activity BEGIN
    INSERT INTO friend_changes (plex_user_id, seq)
    VALUES (NEW.plex_user_id, (SELECT COALESCE(MAX(seq), 0) + 1 FROM friend_changes))
    ON CONFLICT (plex_user_id) DO UPDATE SET seq = excluded.seq;
END;
CREATE TRIGGER friend_activity_changed_on_update AFTER UPDATE ON friend_activity
WHEN OLD.last_watched_at IS NOT NEW.last_watched_at
BEGIN
    INSERT INTO friend_changes (plex_user_id, seq)
    VALUES (NEW.plex_user_id, (SELECT COALESCE(MAX(seq), 0) + 1 FROM friend_changes))
    ON CONFLICT (plex_user_id) DO UPDATE SET seq = excluded.seq;
END;

-- The inactivity policy's notices: per friend, the stretch of inactivity (`since`, when they
-- last watched or could first be seen) they were reminded of, and when the owner was told it is
-- due. A friend who watches again starts a new stretch: new notices.
CREATE TABLE inactivity_notices (
    plex_user_id INTEGER PRIMARY KEY NOT NULL REFERENCES plex_users (id) ON DELETE CASCADE,
    since        INTEGER NOT NULL,
    reminded_at  INTEGER,
    due_told_at  INTEGER
) STRICT;
