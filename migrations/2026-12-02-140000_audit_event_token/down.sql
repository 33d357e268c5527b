ALTER TABLE audit_events DROP COLUMN token_name;
ALTER TABLE audit_events DROP COLUMN token_id;
