-- Small read models for the ministry dashboard, recomputed by River periodic
-- jobs (internal/reporting/ministry.go) so that a dashboard request reads a
-- few hundred rows instead of scanning enrolments or users:
--   course_stats / provider_stats: enrolments, completions, median time to
--     complete and integrity flags per course and per provider (every 10
--     minutes), with the national totals in ministry_stats_state;
--   registration_rollup / active_learners: accounts registered per month and
--     learners active in the last 30 days, in total and by prefecture,
--     industry and segment (every minute);
--   activity_monthly: the first-time learner metrics of activity_rollup
--     summed by month (the funnel's ranges are whole months, so it reads a
--     thirtieth of the rows), every minute from the month of the earliest
--     event the engine applied since the last refresh.
-- +goose Up

CREATE TABLE course_stats (
    course_id      uuid PRIMARY KEY REFERENCES courses(id) ON DELETE CASCADE,
    provider_id    uuid NOT NULL,
    enrolments     bigint NOT NULL,           -- enrolments that started (not waitlisted)
    completions    bigint NOT NULL,
    median_seconds double precision,          -- enrolled_at to completed_at; NULL without completions
    flagged_fast   bigint NOT NULL,           -- enrolments flagged as suspiciously fast
    refreshed_at   timestamptz NOT NULL
);
CREATE INDEX course_stats_provider_idx ON course_stats (provider_id);

CREATE TABLE provider_stats (
    provider_id    uuid PRIMARY KEY,
    courses        bigint NOT NULL,
    enrolments     bigint NOT NULL,
    completions    bigint NOT NULL,
    median_seconds double precision,
    flagged_fast   bigint NOT NULL,
    refreshed_at   timestamptz NOT NULL
);

-- One row: when each read model was last recomputed (NULL: never, so the
-- first dashboard request computes it), and the national course totals.
CREATE TABLE ministry_stats_state (
    id                    integer PRIMARY KEY CHECK (id = 1),
    courses_refreshed_at  timestamptz,
    enrolments            bigint NOT NULL DEFAULT 0,
    completions           bigint NOT NULL DEFAULT 0,
    median_seconds        double precision,
    flagged_fast          bigint NOT NULL DEFAULT 0,
    learners_refreshed_at timestamptz,
    -- activity_monthly: the last full recomputation, and the engine's
    -- cursor (progress_engine_state) it was computed at.
    activity_full_at      timestamptz,
    activity_cursor_xact  xid8 NOT NULL DEFAULT '0'::xid8,
    activity_cursor_id    bigint NOT NULL DEFAULT 0
);
INSERT INTO ministry_stats_state (id) VALUES (1);

-- Accounts by the Asia/Tokyo month they were created: dim '' is the total,
-- otherwise 'prefecture', 'industry' or 'segment' with value '' for not stated.
CREATE TABLE registration_rollup (
    dim   text NOT NULL,
    month date NOT NULL,
    value text NOT NULL,
    n     bigint NOT NULL,
    PRIMARY KEY (dim, month, value)
);

-- Learners with any learning event in the 30 days before the refresh, by the
-- dimensions of their latest event (learner_activity), same keys.
CREATE TABLE active_learners (
    dim   text NOT NULL,
    value text NOT NULL,
    n     bigint NOT NULL,
    PRIMARY KEY (dim, value)
);

-- learners_enrolled, learners_completed and learners_credentialed by
-- Asia/Tokyo month and one dimension (activity_rollup rows with d2 = '').
CREATE TABLE activity_monthly (
    metric text NOT NULL,
    d1     text NOT NULL,
    month  date NOT NULL,
    v1     text NOT NULL,
    n      bigint NOT NULL,
    PRIMARY KEY (metric, d1, month, v1)
);

-- +goose Down
DROP TABLE activity_monthly;
DROP TABLE active_learners;
DROP TABLE registration_rollup;
DROP TABLE ministry_stats_state;
DROP TABLE provider_stats;
DROP TABLE course_stats;
