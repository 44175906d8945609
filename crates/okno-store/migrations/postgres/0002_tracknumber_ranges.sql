-- Track number ranges a tenant may issue from, per mail type. `next_serial` only grows: a
-- reservation moves it forward in one statement, so no serial is handed out twice.
CREATE TABLE tracknumber_ranges (
    id              UUID PRIMARY KEY,
    tenant_id       UUID NOT NULL REFERENCES tenants(id),
    mail_type       TEXT NOT NULL,
    kind            TEXT NOT NULL CHECK (kind IN ('s10', 'russian14')),
    prefix          TEXT NOT NULL,
    country         TEXT,
    first_serial    BIGINT NOT NULL CHECK (first_serial >= 0),
    last_serial     BIGINT NOT NULL,
    next_serial     BIGINT NOT NULL,
    warn_remaining  BIGINT NOT NULL CHECK (warn_remaining >= 0),
    created_at      TIMESTAMPTZ NOT NULL,
    CHECK (last_serial >= first_serial),
    CHECK (next_serial >= first_serial)
);
CREATE INDEX tracknumber_ranges_by_tenant ON tracknumber_ranges (tenant_id, mail_type, created_at);
