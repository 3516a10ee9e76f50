-- Webhooks of the integration API (issue 19): an organisation's endpoints
-- and the delivery log. Owner: internal/webhook.
-- SECURITY: an endpoint's secret is the HMAC key its payloads are signed
-- with (Standard Webhooks), so it is kept readable, unlike API client
-- secrets; it is shown to the admin once and never again.
-- +goose Up
CREATE TABLE webhook_endpoints (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id        uuid NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    url           text NOT NULL CHECK (length(url) BETWEEN 1 AND 2000),
    secret        text NOT NULL,
    events        text[] NOT NULL,
    created_by    uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    disabled_at   timestamptz,
    disabled_why  text
);
CREATE INDEX webhook_endpoints_org_idx ON webhook_endpoints (org_id) WHERE disabled_at IS NULL;

CREATE TABLE webhook_deliveries (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    endpoint_id     uuid NOT NULL REFERENCES webhook_endpoints (id) ON DELETE CASCADE,
    event_type      text NOT NULL,
    payload         text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    attempts        integer NOT NULL DEFAULT 0,
    last_attempt_at timestamptz,
    last_status     integer,
    last_error      text,
    delivered_at    timestamptz,
    failed_at       timestamptz
);
CREATE INDEX webhook_deliveries_endpoint_idx ON webhook_deliveries (endpoint_id, created_at DESC);

-- +goose Down
DROP TABLE webhook_deliveries;
DROP TABLE webhook_endpoints;
