-- Email and friends' own reminders (issue #20). A delivery can go to one friend's own address
-- (their reminder) instead of the channel's recipients; each friend can opt out and give the time
-- zone their emails are written in; a plan's reminder leads are kept with the friend it was given
-- to (editing the plan changes nobody already given it).
ALTER TABLE deliveries ADD COLUMN recipient TEXT;

CREATE TABLE friend_notifications (
    plex_user_id    INTEGER PRIMARY KEY NOT NULL REFERENCES plex_users (id) ON DELETE CASCADE,
    reminder_emails INTEGER NOT NULL DEFAULT 1 CHECK (reminder_emails IN (0, 1)),
    time_zone       TEXT
) STRICT;

-- JSON array of minutes; NULL: the notification settings' leads.
ALTER TABLE friend_plans ADD COLUMN reminder_leads TEXT;
