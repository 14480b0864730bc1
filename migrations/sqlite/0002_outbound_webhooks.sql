-- Outbound webhooks: endpoints, one message per outbox change, one delivery per endpoint and message,
-- and every attempt. Ordering key of deliveries: the outbox seq (commit order within an entity).

ALTER TABLE outbox ADD COLUMN fanned_out BOOLEAN NOT NULL DEFAULT FALSE;
-- Changes made before outbound webhooks existed are history, not news: never sent.
UPDATE outbox SET fanned_out = TRUE;
CREATE INDEX outbox_unfanned ON outbox(seq) WHERE fanned_out = FALSE;

CREATE TABLE webhook_endpoints (
    id BLOB PRIMARY KEY,
    name TEXT UNIQUE,
    url TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    event_types TEXT NOT NULL,
    secret TEXT NOT NULL,
    previous_secret TEXT,
    previous_secret_until_ms INTEGER,
    enabled BOOLEAN NOT NULL,
    disabled_reason TEXT,
    origin TEXT NOT NULL,
    failing_since_ms INTEGER,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

CREATE TABLE webhook_messages (
    outbox_seq INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    event_type TEXT NOT NULL,
    entity_key TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TEXT NOT NULL,
    created_at_ms INTEGER NOT NULL
);
CREATE INDEX webhook_messages_created ON webhook_messages(created_at_ms);

CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    endpoint_id BLOB NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
    message_seq INTEGER NOT NULL REFERENCES webhook_messages(outbox_seq),
    entity_key TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at_ms INTEGER NOT NULL,
    lease_until_ms INTEGER,
    last_status INTEGER,
    last_error TEXT,
    created_at_ms INTEGER NOT NULL,
    delivered_at_ms INTEGER,
    UNIQUE (endpoint_id, message_seq)
);
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries(endpoint_id, message_seq) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_entity ON webhook_deliveries(endpoint_id, entity_key, message_seq) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_message ON webhook_deliveries(message_seq);

CREATE TABLE webhook_attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    delivery_id INTEGER NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
    endpoint_id BLOB NOT NULL,
    message_id TEXT NOT NULL,
    attempt INTEGER NOT NULL,
    attempted_at TEXT NOT NULL,
    ok BOOLEAN NOT NULL,
    status_code INTEGER,
    latency_ms INTEGER NOT NULL,
    response_excerpt TEXT,
    error TEXT
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts(delivery_id);
CREATE INDEX webhook_attempts_endpoint ON webhook_attempts(endpoint_id, id);
