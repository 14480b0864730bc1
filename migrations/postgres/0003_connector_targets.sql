-- Connector targets: every canonical change a configured connector instance receives through
-- `Connector::write` (Odoo, Dokos, Mattermost…), one row per target and outbox change, planned
-- from the outbox in the same transaction that marks the change planned.

ALTER TABLE outbox ADD COLUMN pushes_planned BOOLEAN NOT NULL DEFAULT FALSE;
-- Changes made before targets existed are history: never pushed.
UPDATE outbox SET pushes_planned = TRUE;
CREATE INDEX outbox_unplanned ON outbox(seq) WHERE pushes_planned = FALSE;

CREATE TABLE target_pushes (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    target TEXT NOT NULL,
    outbox_seq BIGINT NOT NULL,
    entity_kind TEXT NOT NULL,
    entity_id UUID NOT NULL,
    status TEXT NOT NULL,
    attempts BIGINT NOT NULL DEFAULT 0,
    next_attempt_at_ms BIGINT NOT NULL,
    lease_until_ms BIGINT,
    last_error TEXT,
    external_id TEXT,
    created_at_ms BIGINT NOT NULL,
    done_at_ms BIGINT,
    UNIQUE (target, outbox_seq)
);
CREATE INDEX target_pushes_pending ON target_pushes(target, outbox_seq) WHERE status = 'pending';
CREATE INDEX target_pushes_entity ON target_pushes(target, entity_kind, entity_id, outbox_seq) WHERE status = 'pending';
