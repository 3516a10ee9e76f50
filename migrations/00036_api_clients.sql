-- The integration API (issue 19): OAuth 2.0 client-credentials clients of an
-- organisation, their short-lived access tokens, Idempotency-Key replies
-- and per-client rate-limit windows. Owner: internal/apiclient.
-- SECURITY: secrets and access tokens are stored only as SHA-256 hashes
-- (internal/token); a copy of the database cannot call the API.
-- +goose Up
CREATE TABLE api_clients (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id          uuid NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    scopes          text[] NOT NULL,
    secret_hash     bytea NOT NULL,
    rate_per_minute integer NOT NULL DEFAULT 600 CHECK (rate_per_minute > 0),
    created_by      uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    rotated_at      timestamptz,
    revoked_at      timestamptz,
    last_used_at    timestamptz
);
CREATE INDEX api_clients_org_idx ON api_clients (org_id, created_at DESC);

CREATE TABLE api_access_tokens (
    token_hash bytea PRIMARY KEY,
    client_id  uuid NOT NULL REFERENCES api_clients (id) ON DELETE CASCADE,
    scopes     text[] NOT NULL,
    issued_at  timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz NOT NULL
);
CREATE INDEX api_access_tokens_client_idx ON api_access_tokens (client_id);
CREATE INDEX api_access_tokens_expiry_idx ON api_access_tokens (expires_at);

-- One row per (client, Idempotency-Key): the request's hash and, once
-- answered, the reply to replay.
CREATE TABLE api_idempotency (
    client_id    uuid NOT NULL REFERENCES api_clients (id) ON DELETE CASCADE,
    key          text NOT NULL CHECK (length(key) BETWEEN 1 AND 255),
    request_hash bytea NOT NULL,
    status       integer,
    content_type text,
    body         bytea,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (client_id, key)
);
CREATE INDEX api_idempotency_created_idx ON api_idempotency (created_at);

-- Fixed one-minute windows: calls per client per window.
CREATE TABLE api_rate_windows (
    client_id    uuid NOT NULL REFERENCES api_clients (id) ON DELETE CASCADE,
    window_start timestamptz NOT NULL,
    calls        integer NOT NULL,
    PRIMARY KEY (client_id, window_start)
);

-- The API lists an organisation's enrolments by when they last changed
-- (updated_since, cursor paging); no column holds that, the greatest of the
-- enrolment's own timestamps does (GREATEST ignores NULLs).
CREATE INDEX enrolments_org_changed_idx ON enrolments
    (org_id, (GREATEST(enrolled_at, completed_at, withdrawn_at, last_activity_at)), id)
    WHERE org_id IS NOT NULL;

-- +goose Down
DROP INDEX enrolments_org_changed_idx;
DROP TABLE api_rate_windows;
DROP TABLE api_idempotency;
DROP TABLE api_access_tokens;
DROP TABLE api_clients;
