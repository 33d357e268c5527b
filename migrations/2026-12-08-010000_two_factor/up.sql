-- Two-factor sign-in (issue #21). An account's TOTP secret (sealed like the Plex token), on once
-- confirmed; the last step accepted, so a code never works twice. Recovery codes as SHA-256
-- hashes, each used once. A sign-in waiting for its second factor, named by a token stored
-- hashed, short-lived, ended after a few wrong codes.
CREATE TABLE account_totp (
    account_id    INTEGER PRIMARY KEY NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    secret_sealed TEXT NOT NULL,
    confirmed_at  INTEGER,
    last_step     INTEGER,
    created_at    INTEGER NOT NULL
) STRICT;

CREATE TABLE recovery_codes (
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    code_hash  TEXT NOT NULL,
    used_at    INTEGER,
    PRIMARY KEY (account_id, code_hash)
) STRICT, WITHOUT ROWID;

CREATE TABLE mfa_challenges (
    token_hash TEXT PRIMARY KEY NOT NULL,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    expires_at INTEGER NOT NULL,
    failures   INTEGER NOT NULL DEFAULT 0
) STRICT;
