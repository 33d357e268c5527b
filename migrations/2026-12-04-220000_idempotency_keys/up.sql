-- `Idempotency-Key` on POSTs: the first answer to a key, per account, for 24 hours. `status`
-- NULL: the first request is still running (a second one with the key gets 409 meanwhile).
CREATE TABLE idempotency_keys (
    account_id INTEGER NOT NULL,
    key TEXT NOT NULL,
    method TEXT NOT NULL,
    path TEXT NOT NULL,
    status INTEGER,
    content_type TEXT,
    body BLOB,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (account_id, key)
) STRICT;
CREATE INDEX idempotency_keys_created_at ON idempotency_keys (created_at);
