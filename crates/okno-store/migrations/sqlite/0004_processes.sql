-- BPMN processes. The store keeps the engine's state as opaque JSON and knows only the columns
-- it must find work by; okno-process decides what they mean. Times the engine reasons about
-- (timer due, job not-before and lock, message expiry) are epoch milliseconds.

-- Every deployed version of a process; a changed file gives the next version.
CREATE TABLE process_versions (
    tenant_id    TEXT NOT NULL REFERENCES tenants(id),
    process_id   TEXT NOT NULL,
    version      INTEGER NOT NULL,
    checksum     TEXT NOT NULL,
    bpmn         TEXT NOT NULL,
    deployed_at  TEXT NOT NULL,
    PRIMARY KEY (tenant_id, process_id, version)
);

-- One row per process instance; `revision` is the optimistic-concurrency counter every step
-- compares and increments.
CREATE TABLE process_instances (
    id              TEXT PRIMARY KEY,
    tenant_id       TEXT NOT NULL REFERENCES tenants(id),
    process_id      TEXT NOT NULL,
    version         INTEGER NOT NULL,
    status          TEXT NOT NULL,
    state           TEXT NOT NULL,
    revision        INTEGER NOT NULL,
    parent_id       TEXT,
    parent_element  INTEGER,
    business_key    TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL
);
CREATE INDEX process_instances_tenant ON process_instances (tenant_id, id);

-- What happened in each step: the engine's events as one JSON array per revision.
CREATE TABLE process_history (
    instance_id  TEXT NOT NULL,
    revision     INTEGER NOT NULL,
    at           TEXT NOT NULL,
    events       TEXT NOT NULL,
    PRIMARY KEY (instance_id, revision)
);

-- Jobs that can be offered to workers (an answered job's row is gone).
CREATE TABLE process_jobs (
    instance_id      TEXT NOT NULL,
    job_key          INTEGER NOT NULL,
    tenant_id        TEXT NOT NULL,
    job_type         TEXT NOT NULL,
    retries          INTEGER NOT NULL,
    not_before_ms    INTEGER NOT NULL,
    locked_until_ms  INTEGER NOT NULL,
    worker           TEXT,
    body             TEXT NOT NULL,
    PRIMARY KEY (instance_id, job_key)
);
CREATE INDEX process_jobs_offer ON process_jobs (tenant_id, job_type, not_before_ms);

CREATE TABLE process_timers (
    instance_id  TEXT NOT NULL,
    timer_key    INTEGER NOT NULL,
    tenant_id    TEXT NOT NULL,
    due_ms       INTEGER NOT NULL,
    PRIMARY KEY (instance_id, timer_key)
);
CREATE INDEX process_timers_due ON process_timers (due_ms);

-- Open message and signal subscriptions; correlation_key NULL takes any key.
CREATE TABLE process_subscriptions (
    instance_id      TEXT NOT NULL,
    subscription_key INTEGER NOT NULL,
    tenant_id        TEXT NOT NULL,
    name             TEXT NOT NULL,
    correlation_key  TEXT,
    signal           INTEGER NOT NULL,
    PRIMARY KEY (instance_id, subscription_key)
);
CREATE INDEX process_subscriptions_name ON process_subscriptions (tenant_id, name, correlation_key);

-- Published messages: kept for deduplication by message id, and buffered until a subscription
-- takes them or they expire. `correlated_to` is the instance that took one.
CREATE TABLE process_messages (
    id               TEXT PRIMARY KEY,
    tenant_id        TEXT NOT NULL,
    name             TEXT NOT NULL,
    correlation_key  TEXT NOT NULL,
    message_id       TEXT,
    variables        TEXT NOT NULL,
    published_at     TEXT NOT NULL,
    expires_ms       INTEGER NOT NULL,
    correlated_to    TEXT
);
CREATE UNIQUE INDEX process_messages_id ON process_messages (tenant_id, message_id);
CREATE INDEX process_messages_buffered ON process_messages (tenant_id, name, correlation_key, expires_ms);

-- Commands for instances written by another instance's step (a called process to start, a
-- child's completion for its parent, a signal): the consuming step deletes the row.
CREATE TABLE process_inbox (
    id           TEXT PRIMARY KEY,
    tenant_id    TEXT NOT NULL,
    instance_id  TEXT NOT NULL,
    kind         TEXT NOT NULL,
    body         TEXT NOT NULL,
    created_at   TEXT NOT NULL
);
