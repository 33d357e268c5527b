-- Retention: the trail may lose old rows, within floors the database itself holds to whatever
-- the configuration says. Access changes (grants, sharing, what was sent to Plex, syncs and
-- reconciles) are never deleted. Refusals (`denied`: throttled sign-ins, 403s — the noise a
-- flood makes) may go after a day at the earliest, every other event after a year at the
-- earliest. Plexward prunes by `audit_noise_retention_days` and `audit_retention_days`.
DROP TRIGGER audit_events_append_only_delete;
CREATE TRIGGER audit_events_append_only_delete BEFORE DELETE ON audit_events
WHEN OLD.action LIKE 'grants.%' OR OLD.action LIKE 'sharing.%' OR OLD.action LIKE 'plex.%'
    OR OLD.action LIKE 'scheduler.%'
    OR OLD.at >= (CAST(strftime('%s', 'now') AS INTEGER)
        - CASE WHEN OLD.outcome = 'denied' THEN 86400 ELSE 365 * 86400 END) * 1000
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only: this event may not be deleted (yet)');
END;
