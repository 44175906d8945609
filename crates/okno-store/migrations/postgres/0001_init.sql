-- okno schema, PostgreSQL.
CREATE TABLE tenants (
    id          UUID PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE api_keys (
    id          UUID PRIMARY KEY,
    tenant_id   UUID REFERENCES tenants(id),
    role        TEXT NOT NULL CHECK (role IN ('tenant', 'operator')),
    key_hash    BYTEA NOT NULL UNIQUE,
    prefix      TEXT NOT NULL,
    label       TEXT,
    created_at  TIMESTAMPTZ NOT NULL,
    revoked_at  TIMESTAMPTZ,
    CHECK ((role = 'tenant') = (tenant_id IS NOT NULL))
);

CREATE TABLE orders (
    id                   UUID PRIMARY KEY,
    tenant_id            UUID NOT NULL REFERENCES tenants(id),
    client_order_number  TEXT NOT NULL,
    status               TEXT NOT NULL,
    priority             SMALLINT NOT NULL,
    deadline_utc         TIMESTAMPTZ,
    version              BIGINT NOT NULL CHECK (version >= 1),
    created_at           TIMESTAMPTZ NOT NULL,
    updated_at           TIMESTAMPTZ NOT NULL,
    body                 JSONB NOT NULL,
    CONSTRAINT orders_client_order_number_key UNIQUE (tenant_id, client_order_number)
);
CREATE INDEX orders_by_tenant ON orders (tenant_id, id);
CREATE INDEX orders_by_tenant_status ON orders (tenant_id, status, id);
CREATE INDEX orders_by_tenant_created ON orders (tenant_id, created_at);

CREATE TABLE order_events (
    id          BIGSERIAL PRIMARY KEY,
    order_id    UUID NOT NULL REFERENCES orders(id),
    tenant_id   UUID NOT NULL,
    sequence    BIGINT NOT NULL CHECK (sequence >= 1),
    kind        TEXT NOT NULL,
    actor       TEXT NOT NULL,
    at          TIMESTAMPTZ NOT NULL,
    payload     JSONB NOT NULL,
    UNIQUE (order_id, sequence)
);

CREATE TABLE idempotency_keys (
    tenant_id     UUID NOT NULL,
    key           TEXT NOT NULL,
    request_hash  TEXT NOT NULL,
    status        INTEGER NOT NULL,
    body          TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL,
    CONSTRAINT idempotency_keys_pkey PRIMARY KEY (tenant_id, key)
);
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);

CREATE TABLE participants (
    id          UUID PRIMARY KEY,
    tenant_id   UUID NOT NULL REFERENCES tenants(id),
    name        TEXT NOT NULL,
    created_at  TIMESTAMPTZ NOT NULL,
    body        JSONB NOT NULL,
    UNIQUE (tenant_id, name)
);
