-- Issue 16: a learner's SCORM run-time data, one attempt per enrolment and
-- SCO lesson, kept across sessions so the learner resumes where they left.
-- launch_token_hash is internal/token's hash of the short-lived launch
-- token that the content origin and the commit endpoint accept for this
-- attempt (never the token itself). Written by internal/learning.
-- +goose Up
CREATE TABLE scorm_attempts (
    enrolment_id      uuid NOT NULL REFERENCES enrolments(id) ON DELETE CASCADE,
    lesson_id         text NOT NULL,
    package_id        uuid NOT NULL,
    version           text NOT NULL CHECK (version IN ('1.2', '2004')),
    launch_path       text NOT NULL,
    launch_token_hash bytea UNIQUE,
    launch_expires_at timestamptz,
    cmi               jsonb NOT NULL DEFAULT '{}',
    suspend_data      text NOT NULL DEFAULT '' CHECK (length(suspend_data) <= 64000),
    location          text NOT NULL DEFAULT '',
    lesson_status     text NOT NULL DEFAULT '',
    completion_status text NOT NULL DEFAULT '',
    success_status    text NOT NULL DEFAULT '',
    exit_mode         text NOT NULL DEFAULT '',
    score_raw         double precision,
    score_min         double precision,
    score_max         double precision,
    score_scaled      double precision,
    session_time      text NOT NULL DEFAULT '',
    total_seconds     double precision NOT NULL DEFAULT 0 CHECK (total_seconds >= 0),
    commits           integer NOT NULL DEFAULT 0,
    created_at        timestamptz NOT NULL DEFAULT now(),
    updated_at        timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (enrolment_id, lesson_id)
);

-- +goose Down
DROP TABLE scorm_attempts;
