CREATE TABLE tasks (
    id               TEXT PRIMARY KEY,
    task_type        TEXT NOT NULL,
    payload          TEXT NOT NULL,
    priority         INTEGER NOT NULL,
    status           TEXT NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    max_attempts     INTEGER NOT NULL,
    fence            INTEGER NOT NULL DEFAULT 0,
    run_after        INTEGER NOT NULL,
    lease_owner      TEXT NULL,
    lease_expires_at INTEGER NULL,
    cancel_requested INTEGER NOT NULL DEFAULT 0,
    result           TEXT NULL,
    last_error       TEXT NULL,
    idempotency_key  TEXT NULL UNIQUE,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    completed_at     INTEGER NULL
);
CREATE INDEX tasks_claim ON tasks (priority DESC, created_at, id) WHERE status = 'queued';
CREATE INDEX tasks_lease ON tasks (lease_expires_at) WHERE status = 'running';
CREATE INDEX tasks_list ON tasks (created_at DESC, id DESC);

CREATE TABLE task_events (
    task_id    TEXT NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    seq        INTEGER NOT NULL,
    event_type TEXT NOT NULL,
    data       TEXT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (task_id, seq)
);
