-- The addresses each API token was used from: a use from one not seen before is a security event
-- (`token.new_address`), logged and in the audit trail.
CREATE TABLE api_token_addresses (
    token_id      INTEGER NOT NULL REFERENCES api_tokens (id) ON DELETE CASCADE,
    ip            TEXT NOT NULL,
    first_seen_at INTEGER NOT NULL,
    PRIMARY KEY (token_id, ip)
) STRICT, WITHOUT ROWID;
