-- Tracking operations reported for postal items, one row each. The unique key makes a repeated
-- report of the same operation (same item, time, type, attribute and place) a no-op, so an
-- executor may resend a batch safely. `operation_attr` is -1 and `office_index` '' when absent,
-- so that the key compares them (NULLs would never collide).
CREATE TABLE tracking_events (
    seq             INTEGER PRIMARY KEY,
    track_number    TEXT NOT NULL,
    operated_at     TEXT NOT NULL,
    operation_type  INTEGER NOT NULL,
    operation_attr  INTEGER NOT NULL,
    office_index    TEXT NOT NULL,
    status          TEXT NOT NULL,
    is_final        INTEGER NOT NULL,
    tenant_id       TEXT NOT NULL REFERENCES tenants(id),
    body            TEXT NOT NULL,
    received_at     TEXT NOT NULL
);
CREATE UNIQUE INDEX tracking_events_key
    ON tracking_events (track_number, operated_at, operation_type, operation_attr, office_index);

-- Batch tracking tickets (Russian Post's getTicket / getResponseByTicket): the numbers asked
-- for; the answer is built from the events when the ticket is redeemed.
CREATE TABLE tracking_tickets (
    id          TEXT PRIMARY KEY,
    tenant_id   TEXT NOT NULL REFERENCES tenants(id),
    barcodes    TEXT NOT NULL,
    created_at  TEXT NOT NULL
);
