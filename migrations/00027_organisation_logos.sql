-- Issue 15, finding 11: a training provider's logo, carried as the issuer
-- image of the credentials it issues from then on (docs/decisions.md,
-- "Provider logos"). PNG only, at most 256 KB (internal/org checks the
-- type, the size and the pixels; the database keeps the size bound too).
-- A separate table, so reading an organisation does not read its logo.
-- +goose Up
CREATE TABLE organisation_logos (
    org_id     uuid PRIMARY KEY REFERENCES organisations (id) ON DELETE CASCADE,
    png        bytea NOT NULL CHECK (octet_length(png) BETWEEN 1 AND 262144),
    updated_at timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE organisation_logos;
