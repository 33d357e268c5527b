-- Single sign-on (OpenID Connect).
-- A sign-in on its way through the provider: named by a token (stored hashed) in a short-lived
-- cookie; its state, nonce and PKCE verifier are checked at the callback, then the row is gone.
CREATE TABLE sso_logins (
    token_hash    TEXT    PRIMARY KEY NOT NULL,
    csrf_state    TEXT    NOT NULL,
    nonce         TEXT    NOT NULL,
    pkce_verifier TEXT    NOT NULL,
    redirect_uri  TEXT    NOT NULL,
    created_at    INTEGER NOT NULL,
    expires_at    INTEGER NOT NULL
) STRICT;

-- Which provider account is which Plexward account: (issuer, subject), never the email.
CREATE TABLE account_identities (
    issuer     TEXT    NOT NULL,
    subject    TEXT    NOT NULL,
    account_id INTEGER NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (issuer, subject)
) STRICT;
CREATE INDEX account_identities_account ON account_identities (account_id);
