-- Sharing settings per friend (downloads, Live TV, camera upload, content restrictions), as
-- JSON objects of `plex::SharingSettings`:
-- - `plex_users.actual_sharing`: what Plex has, read by every sync and kept after each apply
--   (NULL: not known yet);
-- - `plex_users.sharing`: what Plexward makes Plex have (NULL: not managed, Plex's own stay);
-- - `apply_states.applied_sharing`: what was last applied, the baseline for drift.
ALTER TABLE plex_users ADD COLUMN actual_sharing TEXT;
ALTER TABLE plex_users ADD COLUMN sharing TEXT;
ALTER TABLE apply_states ADD COLUMN applied_sharing TEXT;

-- The read model watches the two new columns too (the friend's view shows them).
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
BEGIN
    INSERT INTO friend_changes (plex_user_id, seq)
    VALUES (NEW.id, (SELECT COALESCE(MAX(seq), 0) + 1 FROM friend_changes))
    ON CONFLICT (plex_user_id) DO UPDATE SET seq = excluded.seq;
END;
