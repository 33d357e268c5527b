-- What happens when a friend's access ends (issue #19), per friend: their own choice (NULL: the
-- default in Settings → Plex), and when Plexward removed them from the owner's Plex friends under
-- `remove_friend` (they are then expected to be missing from plex.tv's friend list: not departed,
-- and granting again re-invites them). A table of its own: a friend without a row has neither.
CREATE TABLE friend_end (
    plex_user_id INTEGER PRIMARY KEY NOT NULL REFERENCES plex_users (id) ON DELETE CASCADE,
    end_policy   TEXT
        CHECK (end_policy IS NULL OR end_policy IN ('keep_friend', 'remove_share', 'remove_friend')),
    removed_at   INTEGER
) STRICT;

-- An input of the friend's view: the read model recomputes them when it changes.
CREATE TRIGGER friend_end_changed_on_insert AFTER INSERT ON friend_end BEGIN
    INSERT INTO friend_changes (plex_user_id, seq)
    VALUES (NEW.plex_user_id, (SELECT COALESCE(MAX(seq), 0) + 1 FROM friend_changes))
    ON CONFLICT (plex_user_id) DO UPDATE SET seq = excluded.seq;
END;
CREATE TRIGGER friend_end_changed_on_update AFTER UPDATE ON friend_end BEGIN
    INSERT INTO friend_changes (plex_user_id, seq)
    VALUES (NEW.plex_user_id, (SELECT COALESCE(MAX(seq), 0) + 1 FROM friend_changes))
    ON CONFLICT (plex_user_id) DO UPDATE SET seq = excluded.seq;
END;
CREATE TRIGGER friend_end_changed_on_delete AFTER DELETE ON friend_end BEGIN
    INSERT INTO friend_changes (plex_user_id, seq)
    VALUES (OLD.plex_user_id, (SELECT COALESCE(MAX(seq), 0) + 1 FROM friend_changes))
    ON CONFLICT (plex_user_id) DO UPDATE SET seq = excluded.seq;
END;
