-- API keys (POST /api/v1/auth/keys). Only the SHA-256 of the secret is stored; the key is shown once, at creation.
CREATE TABLE api_keys (
    id                     TEXT PRIMARY KEY,
    name                   TEXT NOT NULL,
    secret_hash            BLOB NOT NULL,
    role                   TEXT NOT NULL,
    rpm                    INTEGER NULL,
    tpm                    INTEGER NULL,
    max_concurrent_streams INTEGER NULL,
    token_budget           INTEGER NULL,
    budget_period          TEXT NULL,
    models                 TEXT NULL,
    trusted                INTEGER NOT NULL,
    expires_at             INTEGER NULL,
    revoked_at             INTEGER NULL,
    created_at             INTEGER NOT NULL
);
CREATE INDEX api_keys_list ON api_keys (created_at DESC, id DESC);
