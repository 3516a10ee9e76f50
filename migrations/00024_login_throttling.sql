-- Sign-in throttling instead of a hard lockout (issue 15 finding 6): each
-- attempt records the address it was for (as typed, normalised, whether or
-- not an account has it, so throttling tells nothing about who is
-- registered) and whether the password or code was wrong. The backoff per
-- address and per address-and-IP is computed from these rows
-- (internal/account, login.go). users.locked_until is no longer set.
-- +goose Up
ALTER TABLE login_attempts
    ADD COLUMN email text,
    ADD COLUMN failed boolean NOT NULL DEFAULT false;
CREATE INDEX login_attempts_email_idx ON login_attempts (email, attempted_at);

-- +goose Down
DROP INDEX login_attempts_email_idx;
ALTER TABLE login_attempts DROP COLUMN failed, DROP COLUMN email;
