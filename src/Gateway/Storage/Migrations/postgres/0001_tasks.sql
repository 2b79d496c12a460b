CREATE TABLE tasks (
    id               text PRIMARY KEY,
    task_type        text NOT NULL,
    payload          text NOT NULL,
    priority         integer NOT NULL,
    status           text NOT NULL,
    attempts         integer NOT NULL DEFAULT 0,
    max_attempts     integer NOT NULL,
    fence            bigint NOT NULL DEFAULT 0,
    run_after        bigint NOT NULL,
    lease_owner      text NULL,
    lease_expires_at bigint NULL,
    cancel_requested boolean NOT NULL DEFAULT false,
    result           text NULL,
    last_error       text NULL,
    idempotency_key  text NULL UNIQUE,
    created_at       bigint NOT NULL,
    updated_at       bigint NOT NULL,
    completed_at     bigint NULL
);
CREATE INDEX tasks_claim ON tasks (priority DESC, created_at, id) WHERE status = 'queued';
CREATE INDEX tasks_lease ON tasks (lease_expires_at) WHERE status = 'running';
CREATE INDEX tasks_list ON tasks (created_at DESC, id DESC);

CREATE TABLE task_events (
    task_id    text NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    seq        integer NOT NULL,
    event_type text NOT NULL,
    data       text NULL,
    created_at bigint NOT NULL,
    PRIMARY KEY (task_id, seq)
);
