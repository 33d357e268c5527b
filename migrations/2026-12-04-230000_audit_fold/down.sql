DROP TRIGGER audit_events_append_only_update;
CREATE TRIGGER audit_events_append_only_update BEFORE UPDATE ON audit_events
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
DROP INDEX audit_events_fold;
ALTER TABLE audit_events DROP COLUMN count;
