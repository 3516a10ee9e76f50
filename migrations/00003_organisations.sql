-- Organisations (employers, training providers, ministries), who belongs to
-- them with which role, and pending invitations sent by email.
-- +goose Up
CREATE TABLE organisations (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name_ja         text NOT NULL CHECK (length(name_ja) BETWEEN 1 AND 200),
    name_en         text NOT NULL DEFAULT '' CHECK (length(name_en) <= 200),
    kind            text NOT NULL CHECK (kind IN ('employer', 'provider', 'ministry')),
    prefecture_code char(2) REFERENCES prefectures(code),
    industry_code   char(1) REFERENCES industries(code),
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE UNIQUE INDEX organisations_name_ja_key ON organisations (name_ja);

CREATE TABLE memberships (
    org_id     uuid NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    user_id    uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    role       text NOT NULL CHECK (role IN ('member', 'instructor', 'admin')),
    -- analyst is granted only to members of ministry organisations (checked
    -- by the org domain); it opens the ministry dashboard.
    analyst    boolean NOT NULL DEFAULT false,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, user_id)
);
CREATE INDEX memberships_user_idx ON memberships (user_id);

CREATE TABLE invitations (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id      uuid NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    email       text NOT NULL CHECK (email = lower(email)),
    role        text NOT NULL CHECK (role IN ('member', 'instructor', 'admin')),
    analyst     boolean NOT NULL DEFAULT false,
    token_hash  bytea NOT NULL UNIQUE,
    invited_by  uuid REFERENCES users(id) ON DELETE SET NULL,
    expires_at  timestamptz NOT NULL,
    accepted_at timestamptz,
    revoked_at  timestamptz,
    created_at  timestamptz NOT NULL DEFAULT now()
);
-- At most one open invitation per person and organisation.
CREATE UNIQUE INDEX invitations_open_key ON invitations (org_id, email)
    WHERE accepted_at IS NULL AND revoked_at IS NULL;

-- +goose Down
DROP TABLE invitations;
DROP TABLE memberships;
DROP TABLE organisations;
