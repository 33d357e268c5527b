DROP INDEX audit_events_target;
DROP TABLE apply_states;
