-- The Otpravka-compatible API: accounts (login + password hash per tenant), the numeric order
-- ids Otpravka clients expect, batches (партии), and two indexed lookups of orders: by batch
-- (an expression index over the order body) and by track number (a table kept by triggers in
-- the same transaction as the order row, so it can never disagree with the body).
CREATE TABLE otpravka_accounts (
    tenant_id      TEXT NOT NULL REFERENCES tenants(id),
    login          TEXT NOT NULL,
    password_hash  TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    PRIMARY KEY (tenant_id, login)
);

CREATE TABLE otpravka_orders (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id  TEXT NOT NULL REFERENCES tenants(id),
    order_id   TEXT NOT NULL UNIQUE REFERENCES orders(id)
);

CREATE TABLE otpravka_batches (
    tenant_id      TEXT NOT NULL REFERENCES tenants(id),
    name           INTEGER NOT NULL CHECK (name >= 1),
    mail_type      TEXT NOT NULL,
    mail_category  TEXT NOT NULL,
    status         TEXT NOT NULL CHECK (status IN ('CREATED', 'FROZEN', 'ACCEPTED', 'SENT', 'ARCHIVED')),
    status_at      TEXT NOT NULL,
    sending_date   TEXT NOT NULL,
    created_at     TEXT NOT NULL,
    PRIMARY KEY (tenant_id, name)
);

CREATE INDEX orders_by_batch ON orders (tenant_id, json_extract(body, '$.fulfilment.batch'))
    WHERE json_extract(body, '$.fulfilment.batch') IS NOT NULL;

CREATE TABLE order_track_numbers (
    track_number  TEXT NOT NULL,
    order_id      TEXT NOT NULL,
    tenant_id     TEXT NOT NULL,
    PRIMARY KEY (track_number, order_id)
) WITHOUT ROWID;
CREATE INDEX order_track_numbers_by_order ON order_track_numbers (order_id);

INSERT OR IGNORE INTO order_track_numbers (track_number, order_id, tenant_id)
    SELECT json_extract(parcel.value, '$.track_number'), orders.id, orders.tenant_id
    FROM orders, json_each(orders.body, '$.parcels') AS parcel
    WHERE json_extract(parcel.value, '$.track_number') IS NOT NULL;

CREATE TRIGGER orders_track_numbers_insert AFTER INSERT ON orders BEGIN
    INSERT OR IGNORE INTO order_track_numbers (track_number, order_id, tenant_id)
        SELECT json_extract(parcel.value, '$.track_number'), NEW.id, NEW.tenant_id
        FROM json_each(NEW.body, '$.parcels') AS parcel
        WHERE json_extract(parcel.value, '$.track_number') IS NOT NULL;
END;

CREATE TRIGGER orders_track_numbers_update AFTER UPDATE OF body ON orders BEGIN
    DELETE FROM order_track_numbers WHERE order_id = NEW.id;
    INSERT OR IGNORE INTO order_track_numbers (track_number, order_id, tenant_id)
        SELECT json_extract(parcel.value, '$.track_number'), NEW.id, NEW.tenant_id
        FROM json_each(NEW.body, '$.parcels') AS parcel
        WHERE json_extract(parcel.value, '$.track_number') IS NOT NULL;
END;
