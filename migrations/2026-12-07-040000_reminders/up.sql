-- Reminders before access ends (issue #20): one per (friend, window end, lead) ever, whatever
-- restarts, reconciles, clock jumps and edits happen; a window extended past the lead has a new
-- end, so a new key.
CREATE TABLE reminders_sent (
    plex_user_id INTEGER NOT NULL REFERENCES plex_users (id) ON DELETE CASCADE,
    ends_at      INTEGER NOT NULL,
    lead_minutes INTEGER NOT NULL,
    sent_at      INTEGER NOT NULL,
    PRIMARY KEY (plex_user_id, ends_at, lead_minutes)
) STRICT, WITHOUT ROWID;
