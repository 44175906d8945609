-- okno schema, SQLite. Times are RFC 3339 UTC text with microseconds ("...T12:00:00.000000Z"),
-- so text order is time order. Ids are lowercase hyphenated UUIDv7 text, so text order is
-- creation order.
CREATE TABLE tenants (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL UNIQUE,
    created_at  TEXT NOT NULL
);

CREATE TABLE api_keys (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT REFERENCES tenants(id),
    role        TEXT NOT NULL CHECK (role IN ('tenant', 'operator')),
    key_hash    BLOB NOT NULL UNIQUE,
    prefix      TEXT NOT NULL,
    label       TEXT,
    created_at  TEXT NOT NULL,
    revoked_at  TEXT,
    CHECK ((role = 'tenant') = (tenant_id IS NOT NULL))
);

CREATE TABLE orders (
    id                   TEXT PRIMARY KEY,
    tenant_id            TEXT NOT NULL REFERENCES tenants(id),
    client_order_number  TEXT NOT NULL,
    status               TEXT NOT NULL,
    priority             INTEGER NOT NULL,
    deadline_utc         TEXT,
    version              INTEGER NOT NULL CHECK (version >= 1),
    created_at           TEXT NOT NULL,
    updated_at           TEXT NOT NULL,
    body                 TEXT NOT NULL,
    UNIQUE (tenant_id, client_order_number)
);
CREATE INDEX orders_by_tenant ON orders (tenant_id, id);
CREATE INDEX orders_by_tenant_status ON orders (tenant_id, status, id);
CREATE INDEX orders_by_tenant_created ON orders (tenant_id, created_at);

CREATE TABLE order_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    order_id    TEXT NOT NULL REFERENCES orders(id),
    tenant_id   TEXT NOT NULL,
    sequence    INTEGER NOT NULL CHECK (sequence >= 1),
    kind        TEXT NOT NULL,
    actor       TEXT NOT NULL,
    at          TEXT NOT NULL,
    payload     TEXT NOT NULL,
    UNIQUE (order_id, sequence)
);

CREATE TABLE idempotency_keys (
    tenant_id     TEXT NOT NULL,
    key           TEXT NOT NULL,
    request_hash  TEXT NOT NULL,
    status        INTEGER NOT NULL,
    body          TEXT NOT NULL,
    created_at    TEXT NOT NULL,
    PRIMARY KEY (tenant_id, key)
);
CREATE INDEX idempotency_keys_by_age ON idempotency_keys (created_at);

CREATE TABLE participants (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    name        TEXT NOT NULL,
    created_at  TEXT NOT NULL,
    body        TEXT NOT NULL,
    UNIQUE (tenant_id, name)
);
