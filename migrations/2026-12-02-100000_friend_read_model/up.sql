-- The friend read model's inputs, made cheap to read and to watch.
--
-- 1. What Plex shares with each friend, one row per library (PMS key) instead of a JSON array in
--    `plex_users.actual_libraries` parsed on every read. Keys, not library ids: Plex may share a
--    key Plexward has not imported (yet), and the planner compares keys.
CREATE TABLE actual_libraries (
    plex_user_id INTEGER NOT NULL REFERENCES plex_users (id) ON DELETE CASCADE,
    pms_key      INTEGER NOT NULL,
    PRIMARY KEY (plex_user_id, pms_key)
) STRICT, WITHOUT ROWID;

INSERT OR IGNORE INTO actual_libraries (plex_user_id, pms_key)
SELECT p.id, j.value
FROM plex_users AS p,
     json_each(CASE WHEN json_valid(p.actual_libraries) THEN p.actual_libraries ELSE '[]' END) AS j
WHERE j.type = 'integer';

ALTER TABLE plex_users DROP COLUMN actual_libraries;

-- 2. The change feed. Every write to an input of a friend's view (whatever code path makes it)
--    moves that friend's row to a new, higher `seq`; the read model asks for the rows above the
--    last `seq` it saw (one indexed range scan) and recomputes just those friends.
--    `plex_user_id` 0 means everyone: the libraries and the anchor feed every friend's view.
--    `seq` is MAX + 1 inside the writing statement, which holds SQLite's write lock, so it grows
--    in commit order and a reader never skips a change.
CREATE TABLE friend_changes (
    plex_user_id INTEGER PRIMARY KEY NOT NULL,
    seq          INTEGER NOT NULL
) STRICT;
CREATE INDEX friend_changes_seq ON friend_changes (seq);

CREATE TRIGGER grants_changed_on_insert AFTER INSERT ON grants BEGIN
    INSERT INTO friend_changes (plex_user_id, seq)
    VALUES (NEW.plex_user_id, (SELECT COALESCE(MAX(seq), 0) + 1 FROM friend_changes))
    ON CONFLICT (plex_user_id) DO UPDATE SET seq = excluded.seq;
END;
CREATE TRIGGER grants_changed_on_update AFTER UPDATE ON grants BEGIN
    INSERT INTO friend_changes (plex_user_id, seq)
    VALUES (NEW.plex_user_id, (SELECT COALESCE(MAX(seq), 0) + 1 FROM friend_changes))
    ON CONFLICT (plex_user_id) DO UPDATE SET seq = excluded.seq;
    INSERT INTO friend_changes (plex_user_id, seq)
    VALUES (OLD.plex_user_id, (SELECT COALESCE(MAX(seq), 0) + 1 FROM friend_changes))
    ON CONFLICT (plex_user_id) DO UPDATE SET seq = excluded.seq;
END;
CREATE TRIGGER grants_changed_on_delete AFTER DELETE ON grants BEGIN
    INSERT INTO friend_changes (plex_user_id, seq)
    VALUES (OLD.plex_user_id, (SELECT COALESCE(MAX(seq), 0) + 1 FROM friend_changes))
    ON CONFLICT (plex_user_id) DO UPDATE SET seq = excluded.seq;
END;

CREATE TRIGGER plex_users_changed_on_insert AFTER INSERT ON plex_users BEGIN
    INSERT INTO friend_changes (plex_user_id, seq)
    VALUES (NEW.id, (SELECT COALESCE(MAX(seq), 0) + 1 FROM friend_changes))
    ON CONFLICT (plex_user_id) DO UPDATE SET seq = excluded.seq;
END;
-- A sync rewrites every friend; only a change to something the view shows counts
-- (`last_synced_at` alone does not).
CREATE TRIGGER plex_users_changed_on_update AFTER UPDATE ON plex_users
WHEN OLD.plex_user_id IS NOT NEW.plex_user_id
  OR OLD.title IS NOT NEW.title
  OR OLD.username IS NOT NEW.username
  OR OLD.email IS NOT NEW.email
  OR OLD.thumb IS NOT NEW.thumb
  OR OLD.home IS NOT NEW.home
  OR OLD.share_id IS NOT NEW.share_id
  OR OLD.share_pending IS NOT NEW.share_pending
  OR OLD.departed_at IS NOT NEW.departed_at
  OR OLD.first_seen_at IS NOT NEW.first_seen_at
BEGIN
    INSERT INTO friend_changes (plex_user_id, seq)
    VALUES (NEW.id, (SELECT COALESCE(MAX(seq), 0) + 1 FROM friend_changes))
    ON CONFLICT (plex_user_id) DO UPDATE SET seq = excluded.seq;
END;
CREATE TRIGGER plex_users_changed_on_delete AFTER DELETE ON plex_users BEGIN
    INSERT INTO friend_changes (plex_user_id, seq)
    VALUES (OLD.id, (SELECT COALESCE(MAX(seq), 0) + 1 FROM friend_changes))
    ON CONFLICT (plex_user_id) DO UPDATE SET seq = excluded.seq;
END;

CREATE TRIGGER apply_states_changed_on_insert AFTER INSERT ON apply_states BEGIN
    INSERT INTO friend_changes (plex_user_id, seq)
    VALUES (NEW.plex_user_id, (SELECT COALESCE(MAX(seq), 0) + 1 FROM friend_changes))
    ON CONFLICT (plex_user_id) DO UPDATE SET seq = excluded.seq;
END;
CREATE TRIGGER apply_states_changed_on_update AFTER UPDATE ON apply_states BEGIN
    INSERT INTO friend_changes (plex_user_id, seq)
    VALUES (NEW.plex_user_id, (SELECT COALESCE(MAX(seq), 0) + 1 FROM friend_changes))
    ON CONFLICT (plex_user_id) DO UPDATE SET seq = excluded.seq;
END;
CREATE TRIGGER apply_states_changed_on_delete AFTER DELETE ON apply_states BEGIN
    INSERT INTO friend_changes (plex_user_id, seq)
    VALUES (OLD.plex_user_id, (SELECT COALESCE(MAX(seq), 0) + 1 FROM friend_changes))
    ON CONFLICT (plex_user_id) DO UPDATE SET seq = excluded.seq;
END;

CREATE TRIGGER actual_libraries_changed_on_insert AFTER INSERT ON actual_libraries BEGIN
    INSERT INTO friend_changes (plex_user_id, seq)
    VALUES (NEW.plex_user_id, (SELECT COALESCE(MAX(seq), 0) + 1 FROM friend_changes))
    ON CONFLICT (plex_user_id) DO UPDATE SET seq = excluded.seq;
END;
CREATE TRIGGER actual_libraries_changed_on_update AFTER UPDATE ON actual_libraries BEGIN
    INSERT INTO friend_changes (plex_user_id, seq)
    VALUES (NEW.plex_user_id, (SELECT COALESCE(MAX(seq), 0) + 1 FROM friend_changes))
    ON CONFLICT (plex_user_id) DO UPDATE SET seq = excluded.seq;
    INSERT INTO friend_changes (plex_user_id, seq)
    VALUES (OLD.plex_user_id, (SELECT COALESCE(MAX(seq), 0) + 1 FROM friend_changes))
    ON CONFLICT (plex_user_id) DO UPDATE SET seq = excluded.seq;
END;
CREATE TRIGGER actual_libraries_changed_on_delete AFTER DELETE ON actual_libraries BEGIN
    INSERT INTO friend_changes (plex_user_id, seq)
    VALUES (OLD.plex_user_id, (SELECT COALESCE(MAX(seq), 0) + 1 FROM friend_changes))
    ON CONFLICT (plex_user_id) DO UPDATE SET seq = excluded.seq;
END;

-- Libraries feed every view (which keys exist, titles order the grants).
CREATE TRIGGER libraries_changed_on_insert AFTER INSERT ON libraries BEGIN
    INSERT INTO friend_changes (plex_user_id, seq)
    VALUES (0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM friend_changes))
    ON CONFLICT (plex_user_id) DO UPDATE SET seq = excluded.seq;
END;
CREATE TRIGGER libraries_changed_on_update AFTER UPDATE ON libraries
WHEN OLD.id IS NOT NEW.id
  OR OLD.pms_key IS NOT NEW.pms_key
  OR OLD.title IS NOT NEW.title
  OR OLD.kind IS NOT NEW.kind
  OR OLD.removed_at IS NOT NEW.removed_at
BEGIN
    INSERT INTO friend_changes (plex_user_id, seq)
    VALUES (0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM friend_changes))
    ON CONFLICT (plex_user_id) DO UPDATE SET seq = excluded.seq;
END;
CREATE TRIGGER libraries_changed_on_delete AFTER DELETE ON libraries BEGIN
    INSERT INTO friend_changes (plex_user_id, seq)
    VALUES (0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM friend_changes))
    ON CONFLICT (plex_user_id) DO UPDATE SET seq = excluded.seq;
END;

-- The Plex preferences (anchor library, time zone) feed every view too.
CREATE TRIGGER plex_preferences_changed_on_insert AFTER INSERT ON settings
WHEN NEW.key = 'plex.preferences'
BEGIN
    INSERT INTO friend_changes (plex_user_id, seq)
    VALUES (0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM friend_changes))
    ON CONFLICT (plex_user_id) DO UPDATE SET seq = excluded.seq;
END;
CREATE TRIGGER plex_preferences_changed_on_update AFTER UPDATE ON settings
WHEN (NEW.key = 'plex.preferences' OR OLD.key = 'plex.preferences') AND OLD.value IS NOT NEW.value
BEGIN
    INSERT INTO friend_changes (plex_user_id, seq)
    VALUES (0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM friend_changes))
    ON CONFLICT (plex_user_id) DO UPDATE SET seq = excluded.seq;
END;
CREATE TRIGGER plex_preferences_changed_on_delete AFTER DELETE ON settings
WHEN OLD.key = 'plex.preferences'
BEGIN
    INSERT INTO friend_changes (plex_user_id, seq)
    VALUES (0, (SELECT COALESCE(MAX(seq), 0) + 1 FROM friend_changes))
    ON CONFLICT (plex_user_id) DO UPDATE SET seq = excluded.seq;
END;
