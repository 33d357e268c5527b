-- Bounded growth: repeated refusals (throttled sign-ins, 403s) from one address fold into one
-- row per action, address and minute, counted in `count`. The trail stays append-only: the one
-- change allowed to a row is a larger `count`, everything else about it is as it was written.
ALTER TABLE audit_events ADD COLUMN count INTEGER NOT NULL DEFAULT 1;
CREATE INDEX audit_events_fold ON audit_events (action, ip, at) WHERE outcome = 'denied';

DROP TRIGGER audit_events_append_only_update;
CREATE TRIGGER audit_events_append_only_update BEFORE UPDATE ON audit_events
WHEN NOT (
    NEW.count > OLD.count
    AND NEW.id IS OLD.id AND NEW.at IS OLD.at AND NEW.actor_id IS OLD.actor_id
    AND NEW.actor IS OLD.actor AND NEW.action IS OLD.action AND NEW.outcome IS OLD.outcome
    AND NEW.target_type IS OLD.target_type AND NEW.target_id IS OLD.target_id
    AND NEW.ip IS OLD.ip AND NEW.details IS OLD.details AND NEW.token_id IS OLD.token_id
    AND NEW.token_name IS OLD.token_name
)
BEGIN
    SELECT RAISE(ABORT, 'the audit log is append-only');
END;
