-- Every email the platform sends, kept in development so it can be read at
-- /dev/mailbox. In production nothing is written here.
-- +goose Up
CREATE TABLE dev_mail (
    id         bigserial PRIMARY KEY,
    to_addr    text NOT NULL,
    subject    text NOT NULL,
    body       text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE dev_mail;
