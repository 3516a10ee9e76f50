-- The integration API (issue 19): rate limit of the OAuth token endpoint,
-- per client id and per IP address, in fixed one-minute windows counted in
-- PostgreSQL (so it holds across app instances). subject is "client:<id>"
-- or "ip:<address>". Owner: internal/apiclient.
-- +goose Up
CREATE TABLE api_token_windows (
    subject      text NOT NULL CHECK (length(subject) <= 100),
    window_start timestamptz NOT NULL,
    calls        integer NOT NULL,
    PRIMARY KEY (subject, window_start)
);
CREATE INDEX api_token_windows_start_idx ON api_token_windows (window_start);

-- +goose Down
DROP TABLE api_token_windows;
