-- One row per email job whose SMTP transaction completed (the server
-- accepted the message), written right after the server's answer. A retried
-- job (its instance died, or the database went away before River recorded
-- the job as completed) finds the row and does not send again. See
-- docs/operations.md, "Email": the window left is between the server's
-- acceptance and this row's commit.
-- +goose Up
CREATE TABLE mail_deliveries (
    job_id  bigint PRIMARY KEY,
    sent_at timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX mail_deliveries_sent_at ON mail_deliveries (sent_at);

-- +goose Down
DROP TABLE mail_deliveries;
