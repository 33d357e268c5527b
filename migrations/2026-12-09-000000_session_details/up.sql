-- How each session signed in (shown in the sessions list), and whether it must set up
-- two-factor sign-in before anything else (its role requires it and it had none at sign-in).
ALTER TABLE sessions ADD COLUMN method TEXT NOT NULL DEFAULT 'password';
ALTER TABLE sessions ADD COLUMN mfa_enrolment_pending INTEGER NOT NULL DEFAULT 0
  CHECK (mfa_enrolment_pending IN (0, 1));
-- Whether the account has a second factor (TOTP on, or a passkey), kept by auth/mfa.rs in the
-- transaction that changes one: read on every sign-in and in every account answer.
ALTER TABLE accounts ADD COLUMN mfa_enabled INTEGER NOT NULL DEFAULT 0 CHECK (mfa_enabled IN (0, 1));
UPDATE accounts SET mfa_enabled = 1
  WHERE id IN (SELECT account_id FROM account_totp WHERE confirmed_at IS NOT NULL);
