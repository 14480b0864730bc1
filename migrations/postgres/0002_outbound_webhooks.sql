-- Outbound webhooks: endpoints, one message per outbox change, one delivery per endpoint and message,
-- and every attempt. Ordering key of deliveries: the outbox seq (commit order within an entity).

ALTER TABLE outbox ADD COLUMN fanned_out BOOLEAN NOT NULL DEFAULT FALSE;
-- Changes made before outbound webhooks existed are history, not news: never sent.
UPDATE outbox SET fanned_out = TRUE;
CREATE INDEX outbox_unfanned ON outbox(seq) WHERE fanned_out = FALSE;

CREATE TABLE webhook_endpoints (
    id UUID PRIMARY KEY,
    name TEXT UNIQUE,
    url TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    event_types JSONB NOT NULL,
    secret TEXT NOT NULL,
    previous_secret TEXT,
    previous_secret_until_ms BIGINT,
    enabled BOOLEAN NOT NULL,
    disabled_reason TEXT,
    origin TEXT NOT NULL,
    failing_since_ms BIGINT,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);

CREATE TABLE webhook_messages (
    outbox_seq BIGINT PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    event_type TEXT NOT NULL,
    entity_key TEXT NOT NULL,
    body TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    created_at_ms BIGINT NOT NULL
);
CREATE INDEX webhook_messages_created ON webhook_messages(created_at_ms);

CREATE TABLE webhook_deliveries (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    endpoint_id UUID NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
    message_seq BIGINT NOT NULL REFERENCES webhook_messages(outbox_seq),
    entity_key TEXT NOT NULL,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at_ms BIGINT NOT NULL,
    lease_until_ms BIGINT,
    last_status BIGINT,
    last_error TEXT,
    created_at_ms BIGINT NOT NULL,
    delivered_at_ms BIGINT,
    UNIQUE (endpoint_id, message_seq)
);
CREATE INDEX webhook_deliveries_pending ON webhook_deliveries(endpoint_id, message_seq) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_entity ON webhook_deliveries(endpoint_id, entity_key, message_seq) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_message ON webhook_deliveries(message_seq);

CREATE TABLE webhook_attempts (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    delivery_id BIGINT NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
    endpoint_id UUID NOT NULL,
    message_id TEXT NOT NULL,
    attempt BIGINT NOT NULL,
    attempted_at TIMESTAMPTZ NOT NULL,
    ok BOOLEAN NOT NULL,
    status_code BIGINT,
    latency_ms BIGINT NOT NULL,
    response_excerpt TEXT,
    error TEXT
);
CREATE INDEX webhook_attempts_delivery ON webhook_attempts(delivery_id);
CREATE INDEX webhook_attempts_endpoint ON webhook_attempts(endpoint_id, id);
