-- Issue 18: SCIM 2.0 provisioning per organisation (docs/sso.md).
-- scim_tokens: bearer tokens an organisation's admins create (shown once,
-- only the SHA-256 kept) and revoke. scim_users: the people an
-- organisation's provisioning client manages, with its externalId.
-- +goose Up
CREATE TABLE scim_tokens (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id       uuid NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    token_hash   bytea NOT NULL UNIQUE,
    created_by   uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz
);
CREATE INDEX scim_tokens_org ON scim_tokens (org_id);

CREATE TABLE scim_users (
    org_id      uuid NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    user_id     uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    external_id text NOT NULL DEFAULT '',
    active      boolean NOT NULL DEFAULT true,
    created_at  timestamptz NOT NULL DEFAULT now(),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, user_id)
);
CREATE INDEX scim_users_external ON scim_users (org_id, external_id);

-- +goose Down
DROP TABLE scim_users;
DROP TABLE scim_tokens;
