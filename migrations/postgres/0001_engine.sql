-- The canonical store and the engine's own tables (PostgreSQL dialect; same version as sqlite/).
-- Every canonical entity table has the same shape: typed id and timestamps, the canonical fields as
-- JSON, which system last set each field (sources), the content hash, and the normalised email used
-- as an identity key (people, organizations).

CREATE TABLE people (
    id UUID PRIMARY KEY,
    fields JSONB NOT NULL,
    sources JSONB NOT NULL DEFAULT '{}',
    content_hash TEXT NOT NULL,
    email TEXT,
    merged_into UUID,
    deleted_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
-- One live record per normalised email: a concurrent duplicate insert fails and its job retries.
CREATE UNIQUE INDEX people_email ON people(email) WHERE email IS NOT NULL AND merged_into IS NULL;
CREATE INDEX people_updated ON people(updated_at);

CREATE TABLE organizations (
    id UUID PRIMARY KEY,
    fields JSONB NOT NULL,
    sources JSONB NOT NULL DEFAULT '{}',
    content_hash TEXT NOT NULL,
    email TEXT,
    merged_into UUID,
    deleted_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
-- One live record per normalised email: a concurrent duplicate insert fails and its job retries.
CREATE UNIQUE INDEX organizations_email ON organizations(email) WHERE email IS NOT NULL AND merged_into IS NULL;
CREATE INDEX organizations_updated ON organizations(updated_at);

CREATE TABLE memberships (
    id UUID PRIMARY KEY,
    fields JSONB NOT NULL,
    sources JSONB NOT NULL DEFAULT '{}',
    content_hash TEXT NOT NULL,
    email TEXT,
    merged_into UUID,
    deleted_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX memberships_email ON memberships(email) WHERE email IS NOT NULL;
CREATE INDEX memberships_updated ON memberships(updated_at);

CREATE TABLE payments (
    id UUID PRIMARY KEY,
    fields JSONB NOT NULL,
    sources JSONB NOT NULL DEFAULT '{}',
    content_hash TEXT NOT NULL,
    email TEXT,
    merged_into UUID,
    deleted_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX payments_email ON payments(email) WHERE email IS NOT NULL;
CREATE INDEX payments_updated ON payments(updated_at);

CREATE TABLE bookings (
    id UUID PRIMARY KEY,
    fields JSONB NOT NULL,
    sources JSONB NOT NULL DEFAULT '{}',
    content_hash TEXT NOT NULL,
    email TEXT,
    merged_into UUID,
    deleted_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX bookings_email ON bookings(email) WHERE email IS NOT NULL;
CREATE INDEX bookings_updated ON bookings(updated_at);

CREATE TABLE resources (
    id UUID PRIMARY KEY,
    fields JSONB NOT NULL,
    sources JSONB NOT NULL DEFAULT '{}',
    content_hash TEXT NOT NULL,
    email TEXT,
    merged_into UUID,
    deleted_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX resources_email ON resources(email) WHERE email IS NOT NULL;
CREATE INDEX resources_updated ON resources(updated_at);

CREATE TABLE assets (
    id UUID PRIMARY KEY,
    fields JSONB NOT NULL,
    sources JSONB NOT NULL DEFAULT '{}',
    content_hash TEXT NOT NULL,
    email TEXT,
    merged_into UUID,
    deleted_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX assets_email ON assets(email) WHERE email IS NOT NULL;
CREATE INDEX assets_updated ON assets(updated_at);

CREATE TABLE events (
    id UUID PRIMARY KEY,
    fields JSONB NOT NULL,
    sources JSONB NOT NULL DEFAULT '{}',
    content_hash TEXT NOT NULL,
    email TEXT,
    merged_into UUID,
    deleted_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX events_email ON events(email) WHERE email IS NOT NULL;
CREATE INDEX events_updated ON events(updated_at);

CREATE TABLE tasks (
    id UUID PRIMARY KEY,
    fields JSONB NOT NULL,
    sources JSONB NOT NULL DEFAULT '{}',
    content_hash TEXT NOT NULL,
    email TEXT,
    merged_into UUID,
    deleted_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX tasks_email ON tasks(email) WHERE email IS NOT NULL;
CREATE INDEX tasks_updated ON tasks(updated_at);

CREATE TABLE registrations (
    id UUID PRIMARY KEY,
    fields JSONB NOT NULL,
    sources JSONB NOT NULL DEFAULT '{}',
    content_hash TEXT NOT NULL,
    email TEXT,
    merged_into UUID,
    deleted_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX registrations_email ON registrations(email) WHERE email IS NOT NULL;
CREATE INDEX registrations_updated ON registrations(updated_at);

CREATE TABLE external_links (
    id UUID PRIMARY KEY,
    system TEXT NOT NULL,
    instance TEXT NOT NULL,
    external_id TEXT NOT NULL,
    entity_kind TEXT NOT NULL,
    entity_id UUID NOT NULL,
    last_read_hash TEXT,
    last_pushed_hash TEXT,
    remote_updated_at TIMESTAMPTZ,
    created_at TIMESTAMPTZ NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    UNIQUE (system, instance, external_id)
);
CREATE INDEX external_links_entity ON external_links(entity_kind, entity_id);

CREATE TABLE sync_cursors (
    instance TEXT NOT NULL,
    stream TEXT NOT NULL,
    cursor JSONB NOT NULL,
    updated_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (instance, stream)
);

CREATE TABLE inbox (
    id UUID PRIMARY KEY,
    instance TEXT NOT NULL,
    event_id TEXT NOT NULL,
    event_type TEXT NOT NULL,
    body BYTEA NOT NULL,
    event JSONB NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    error TEXT,
    received_at TIMESTAMPTZ NOT NULL,
    received_at_ms BIGINT NOT NULL,
    processed_at TIMESTAMPTZ,
    processed_at_ms BIGINT,
    UNIQUE (instance, event_id)
);
CREATE INDEX inbox_pending ON inbox(received_at_ms) WHERE status = 'pending';

CREATE TABLE outbox (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    id UUID NOT NULL UNIQUE,
    event_type TEXT NOT NULL,
    entity_kind TEXT NOT NULL,
    entity_id UUID NOT NULL,
    op TEXT NOT NULL,
    source_system TEXT NOT NULL,
    source_instance TEXT NOT NULL,
    payload JSONB NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX outbox_entity ON outbox(entity_kind, entity_id);

CREATE TABLE audit (
    seq BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    entity_kind TEXT NOT NULL,
    entity_id UUID NOT NULL,
    field TEXT NOT NULL,
    old_value JSONB,
    new_value JSONB,
    source_system TEXT NOT NULL,
    source_instance TEXT NOT NULL,
    changed_at TIMESTAMPTZ NOT NULL
);
CREATE INDEX audit_entity ON audit(entity_kind, entity_id);

CREATE TABLE jobs (
    id UUID PRIMARY KEY,
    kind TEXT NOT NULL,
    payload JSONB NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending',
    attempts BIGINT NOT NULL DEFAULT 0,
    max_attempts BIGINT NOT NULL,
    run_at_ms BIGINT NOT NULL,
    locked_by TEXT,
    locked_until_ms BIGINT,
    last_error TEXT,
    last_error_class TEXT,
    unique_key TEXT UNIQUE,
    created_at_ms BIGINT NOT NULL,
    updated_at_ms BIGINT NOT NULL,
    finished_at_ms BIGINT
);
-- Each index leads with status so that a claim (status = 'pending' ORDER BY run_at_ms LIMIT n)
-- reads n entries and never sorts the backlog: its cost does not grow with the queue.
CREATE INDEX jobs_claim ON jobs(status, run_at_ms);
CREATE INDEX jobs_lease ON jobs(status, locked_until_ms);
CREATE INDEX jobs_status_updated ON jobs(status, updated_at_ms);
