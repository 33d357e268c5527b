-- Optimistic concurrency: every edit of a friend's grants or sharing settings adds one to
-- `version` in the transaction that saves it. The friend's ETag names it; a write sent with an
-- `If-Match` naming an older one is refused (412) and changes nothing.
ALTER TABLE plex_users ADD COLUMN version INTEGER NOT NULL DEFAULT 1;

-- The read model watches the new column too (the friend's view shows it).
DROP TRIGGER plex_users_changed_on_update;
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
  OR OLD.actual_sharing IS NOT NEW.actual_sharing
  OR OLD.sharing IS NOT NEW.sharing
  OR OLD.version IS NOT NEW.version
BEGIN
    INSERT INTO friend_changes (plex_user_id, seq)
    VALUES (NEW.id, (SELECT COALESCE(MAX(seq), 0) + 1 FROM friend_changes))
    ON CONFLICT (plex_user_id) DO UPDATE SET seq = excluded.seq;
END;
