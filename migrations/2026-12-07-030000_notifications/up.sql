-- Notifications (issue #20). Channels to send to; an outbox of events, each written in the same
-- transaction as the change that caused it (its id is the delivery id receivers dedupe on, the
-- same on every retry); one delivery per (event, channel), worked by the delivery worker.
CREATE TABLE notification_channels (
    id            INTEGER PRIMARY KEY NOT NULL,
    kind          TEXT NOT NULL CHECK (kind IN ('webhook', 'discord', 'ntfy', 'email')),
    name          TEXT NOT NULL COLLATE NOCASE UNIQUE,
    -- Everything but the secret, as JSON (URL, topic, SMTP host…).
    config        TEXT NOT NULL,
    -- The webhook signing secret, ntfy token or SMTP password, sealed like the Plex token.
    secret_sealed TEXT,
    -- The events it gets, a JSON array of names.
    events        TEXT NOT NULL,
    enabled       INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
) STRICT;

CREATE TABLE outbox_events (
    id          TEXT PRIMARY KEY NOT NULL,
    event       TEXT NOT NULL,
    occurred_at INTEGER NOT NULL,
    -- The JSON body a webhook receives, exactly (what its signature covers).
    payload     TEXT NOT NULL
) STRICT;

CREATE TABLE deliveries (
    id              INTEGER PRIMARY KEY NOT NULL,
    event_id        TEXT NOT NULL REFERENCES outbox_events (id) ON DELETE CASCADE,
    channel_id      INTEGER NOT NULL REFERENCES notification_channels (id) ON DELETE CASCADE,
    state           TEXT NOT NULL CHECK (state IN ('pending', 'delivered', 'dead')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    last_error      TEXT,
    last_status     INTEGER,
    delivered_at    INTEGER,
    created_at      INTEGER NOT NULL,
    UNIQUE (event_id, channel_id)
) STRICT;
CREATE INDEX deliveries_due ON deliveries (state, next_attempt_at);
