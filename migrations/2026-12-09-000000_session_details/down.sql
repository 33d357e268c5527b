ALTER TABLE accounts DROP COLUMN mfa_enabled;
ALTER TABLE sessions DROP COLUMN mfa_enrolment_pending;
ALTER TABLE sessions DROP COLUMN method;
