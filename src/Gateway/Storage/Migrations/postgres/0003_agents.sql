-- Agent definitions (POST /api/v1/agents): the definition is stored as its JSON document.
CREATE TABLE agents (
    id         text PRIMARY KEY,
    name       text NOT NULL UNIQUE,
    definition text NOT NULL,
    source     text NOT NULL,
    created_at bigint NOT NULL,
    updated_at bigint NOT NULL
);
CREATE INDEX agents_list ON agents (created_at DESC, id DESC);
