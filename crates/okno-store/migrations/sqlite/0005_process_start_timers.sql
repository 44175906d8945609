-- Timer start events: a process version with a timer start event starts instances when the
-- timer is due. Deploying a new version of the process replaces the rows of the old one; firing
-- moves `due_ms` to the next repetition (or deletes the row) in the transaction that creates
-- the instance, comparing the old `due_ms`, so a start fires once on one node or many.
CREATE TABLE process_start_timers (
    id                TEXT PRIMARY KEY,
    tenant_id         TEXT NOT NULL REFERENCES tenants(id),
    process_id        TEXT NOT NULL,
    version           INTEGER NOT NULL,
    start_event       TEXT NOT NULL,
    due_ms            INTEGER NOT NULL,
    repetitions_left  INTEGER,
    interval_ms       INTEGER NOT NULL
);
CREATE INDEX process_start_timers_due ON process_start_timers (due_ms);
CREATE INDEX process_start_timers_process ON process_start_timers (tenant_id, process_id);
