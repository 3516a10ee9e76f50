-- Every running `takumi serve` writes its River client id here every few
-- seconds (internal/jobs). A job still "running" for an instance that has
-- stopped writing (killed with -9, host lost) is rescued within about 30 s,
-- instead of after River's rescue horizon; see docs/operations.md, "Stuck
-- work".
-- +goose Up
CREATE TABLE job_instances (
    client_id    text PRIMARY KEY,
    started_at   timestamptz NOT NULL DEFAULT now(),
    heartbeat_at timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE job_instances;
