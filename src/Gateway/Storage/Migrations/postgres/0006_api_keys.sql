-- API keys (POST /api/v1/auth/keys). Only the SHA-256 of the secret is stored; the key is shown once, at creation.
CREATE TABLE api_keys (
    id                     text PRIMARY KEY,
    name                   text NOT NULL,
    secret_hash            bytea NOT NULL,
    role                   text NOT NULL,
    rpm                    integer NULL,
    tpm                    integer NULL,
    max_concurrent_streams integer NULL,
    token_budget           bigint NULL,
    budget_period          text NULL,
    models                 text NULL,
    trusted                integer NOT NULL,
    expires_at             bigint NULL,
    revoked_at             bigint NULL,
    created_at             bigint NOT NULL
);
CREATE INDEX api_keys_list ON api_keys (created_at DESC, id DESC);
