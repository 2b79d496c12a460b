-- Which agent each execution (an agent_run task) belongs to, for GET /api/v1/agents/{id}/state. Written right after
-- the task; a crash in between leaves an execution that still runs and is readable by id, only not counted here.
CREATE TABLE agent_executions (
    agent_id     text NOT NULL,
    execution_id text NOT NULL REFERENCES tasks (id) ON DELETE CASCADE,
    created_at   bigint NOT NULL,
    PRIMARY KEY (agent_id, execution_id)
);
CREATE INDEX agent_executions_recent ON agent_executions (agent_id, created_at DESC);
