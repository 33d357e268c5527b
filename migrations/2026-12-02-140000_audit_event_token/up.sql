-- The API token an audited change was made with: its id (a revoked token's row is gone, and its
-- name may be reused) and its name at the time. NULL for sign-in sessions and the system.
ALTER TABLE audit_events ADD COLUMN token_id INTEGER;
ALTER TABLE audit_events ADD COLUMN token_name TEXT;
