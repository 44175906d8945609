-- The Otpravka-compatible API: accounts (login + password hash per tenant), the numeric order
-- ids Otpravka clients expect, batches (партии), and two indexed lookups of orders: by batch
-- (an expression index over the order body) and by track number (a GIN index over the parcels,
-- queried with containment), both always in step with the body.
CREATE TABLE otpravka_accounts (
    tenant_id      UUID NOT NULL REFERENCES tenants(id),
    login          TEXT NOT NULL,
    password_hash  TEXT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, login)
);

CREATE TABLE otpravka_orders (
    id         BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    tenant_id  UUID NOT NULL REFERENCES tenants(id),
    order_id   UUID NOT NULL UNIQUE REFERENCES orders(id)
);

CREATE TABLE otpravka_batches (
    tenant_id      UUID NOT NULL REFERENCES tenants(id),
    name           BIGINT NOT NULL CHECK (name >= 1),
    mail_type      TEXT NOT NULL,
    mail_category  TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('CREATED', 'FROZEN', 'ACCEPTED', 'SENT', 'ARCHIVED')),
    status_at      TIMESTAMPTZ NOT NULL,
    sending_date   DATE NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (tenant_id, name)
);

CREATE INDEX orders_by_batch ON orders (tenant_id, (body -> 'fulfilment' ->> 'batch'))
    WHERE (body -> 'fulfilment' ->> 'batch') IS NOT NULL;

CREATE INDEX orders_by_parcels ON orders USING GIN ((body -> 'parcels') jsonb_path_ops);
