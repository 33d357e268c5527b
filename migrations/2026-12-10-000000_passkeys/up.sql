-- Passkeys (WebAuthn).
-- The user handle an account's passkeys carry (random, never the account id or name): a
-- discoverable sign-in names the account by it, and one handle per account lets an
-- authenticator replace an old passkey for the same account instead of keeping two.
CREATE TABLE passkey_users (
    account_id  INTEGER PRIMARY KEY NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    user_handle TEXT    NOT NULL UNIQUE
) STRICT;

-- A registered passkey: its credential id (base64url) is unique across accounts; `passkey` is
-- webauthn-rs's record (public key, counter, flags) as JSON, rewritten when a sign-in moves its
-- counter on.
CREATE TABLE passkeys (
    id            INTEGER PRIMARY KEY NOT NULL,
    account_id    INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    credential_id TEXT    NOT NULL UNIQUE,
    name          TEXT    NOT NULL,
    rp_id         TEXT    NOT NULL,
    passkey       TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    last_used_at  INTEGER,
    UNIQUE (account_id, name)
) STRICT;

-- A ceremony between its two requests: named by a token (stored hashed), used once, 5 minutes.
-- `kind` says which finish may take it; `account_id` is whose it is (none for a passkey-alone
-- sign-in, where the browser names the account); `state` is webauthn-rs's (the challenge).
CREATE TABLE passkey_ceremonies (
    token_hash TEXT    PRIMARY KEY NOT NULL,
    kind       TEXT    NOT NULL CHECK (kind IN ('register', 'sign_in', 'second_factor')),
    account_id INTEGER REFERENCES accounts (id) ON DELETE CASCADE,
    rp_id      TEXT    NOT NULL,
    state      TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
) STRICT;
CREATE INDEX passkey_ceremonies_expiry ON passkey_ceremonies (expires_at);
