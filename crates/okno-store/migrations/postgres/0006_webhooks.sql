-- Webhooks: per-tenant endpoints, what each subscribes to, and the transactional outbox of
-- deliveries. A delivery row is inserted in the transaction that writes the order event (one
-- per enabled endpoint subscribed to the event's type), so an event is never committed without
-- its deliveries and a rolled-back event has none. Every HTTP attempt is logged. Dispatchers
-- on several nodes claim due rows with FOR UPDATE SKIP LOCKED and a lease.
CREATE TABLE webhook_endpoints (
    id                          UUID PRIMARY KEY,
    tenant_id                   UUID NOT NULL REFERENCES tenants(id),
    url                         TEXT NOT NULL,
    description                 TEXT,
    event_types                 JSONB NOT NULL,
    format                      TEXT NOT NULL,
    secret                      TEXT NOT NULL,
    previous_secret             TEXT,
    previous_secret_expires_at  TIMESTAMPTZ,
    enabled                     BOOLEAN NOT NULL,
    disabled_reason             TEXT,
    disabled_at                 TIMESTAMPTZ,
    failing_since               TIMESTAMPTZ,
    created_at                  TIMESTAMPTZ NOT NULL,
    updated_at                  TIMESTAMPTZ NOT NULL
);
CREATE INDEX webhook_endpoints_tenant ON webhook_endpoints (tenant_id);

-- One row per subscribed event type ('*' for all), for the outbox's INSERT … SELECT.
CREATE TABLE webhook_subscriptions (
    endpoint_id  UUID NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
    event_type   TEXT NOT NULL,
    PRIMARY KEY (endpoint_id, event_type)
);

CREATE TABLE webhook_deliveries (
    id               TEXT PRIMARY KEY,
    tenant_id        UUID NOT NULL,
    endpoint_id      UUID NOT NULL REFERENCES webhook_endpoints(id) ON DELETE CASCADE,
    order_id         UUID NOT NULL,
    sequence         BIGINT NOT NULL,
    event_type       TEXT NOT NULL,
    status           TEXT NOT NULL,
    attempts         BIGINT NOT NULL DEFAULT 0,
    round_attempts   BIGINT NOT NULL DEFAULT 0,
    next_attempt_at  TIMESTAMPTZ NOT NULL,
    lease_until      TIMESTAMPTZ,
    claim_token      UUID,
    last_status      INTEGER,
    last_error       TEXT,
    created_at       TIMESTAMPTZ NOT NULL,
    updated_at       TIMESTAMPTZ NOT NULL,
    UNIQUE (endpoint_id, order_id, sequence)
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_order ON webhook_deliveries (order_id);

CREATE TABLE webhook_attempts (
    delivery_id       TEXT NOT NULL REFERENCES webhook_deliveries(id) ON DELETE CASCADE,
    attempt           BIGINT NOT NULL,
    at                TIMESTAMPTZ NOT NULL,
    duration_ms       BIGINT NOT NULL,
    http_status       INTEGER,
    error             TEXT,
    response_excerpt  TEXT,
    PRIMARY KEY (delivery_id, attempt)
);
