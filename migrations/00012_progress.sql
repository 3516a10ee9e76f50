-- The progress engine: programmes and their targets, programme achievements,
-- and the rollup tables the national pages read (never the event log).
-- +goose Up

-- A programme counts unique learners toward a target: a learner counts once,
-- from the first credential they earn within the programme's dates that
-- qualifies (issued for one of course_ids, or for a course in one of
-- skill_areas) and that has not been revoked.
CREATE TABLE programmes (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    code           text NOT NULL UNIQUE CHECK (code ~ '^[a-z0-9][a-z0-9-]{1,39}$'),
    name_ja        text NOT NULL CHECK (length(name_ja) BETWEEN 1 AND 200),
    name_en        text NOT NULL CHECK (length(name_en) BETWEEN 1 AND 200),
    description_ja text NOT NULL DEFAULT '' CHECK (length(description_ja) <= 2000),
    description_en text NOT NULL DEFAULT '' CHECK (length(description_en) <= 2000),
    target         integer NOT NULL CHECK (target > 0),
    starts_on      date NOT NULL,
    ends_on        date NOT NULL,
    flagship       boolean NOT NULL DEFAULT false,
    skill_areas    text[] NOT NULL DEFAULT '{}',
    course_ids     uuid[] NOT NULL DEFAULT '{}',
    created_at     timestamptz NOT NULL DEFAULT now(),
    updated_at     timestamptz NOT NULL DEFAULT now(),
    CHECK (ends_on > starts_on),
    CHECK (cardinality(skill_areas) + cardinality(course_ids) > 0)
);
CREATE UNIQUE INDEX programmes_one_flagship ON programmes ((true)) WHERE flagship;

-- The engine's current answer for each learner who counts toward a
-- programme, with the dimensions of the credential event that counted
-- ('' when unknown).
CREATE TABLE programme_achievements (
    programme_id  uuid NOT NULL REFERENCES programmes(id) ON DELETE CASCADE,
    user_id       uuid NOT NULL,
    credential_id uuid NOT NULL,
    achieved_at   timestamptz NOT NULL,
    prefecture    text NOT NULL,
    industry      text NOT NULL,
    skill_area    text NOT NULL,
    segment       text NOT NULL,
    provider      text NOT NULL,
    PRIMARY KEY (programme_id, user_id)
);

-- Rollups keyed by day and by zero, one or two dimensions (d1 < d2; '' for
-- none): ('','','','') is the total, (d1,v1,'','') one breakdown,
-- (d1,v1,d2,v2) one cross-tabulation. Dimensions: industry, prefecture,
-- provider, segment, skill_area. Days are Asia/Tokyo calendar days.
CREATE TABLE progress_rollup (
    programme_id uuid NOT NULL REFERENCES programmes(id) ON DELETE CASCADE,
    d1 text NOT NULL, d2 text NOT NULL,
    day date NOT NULL,
    v1 text NOT NULL, v2 text NOT NULL,
    learners bigint NOT NULL,
    PRIMARY KEY (programme_id, d1, d2, day, v1, v2)
);

-- Activity counts by metric (enrolments, completions, credentials,
-- revocations, withdrawals, and first-time learners: learners_enrolled,
-- learners_completed, learners_credentialed), same keys as progress_rollup.
CREATE TABLE activity_rollup (
    metric text NOT NULL,
    d1 text NOT NULL, d2 text NOT NULL,
    day date NOT NULL,
    v1 text NOT NULL, v2 text NOT NULL,
    n bigint NOT NULL,
    PRIMARY KEY (metric, d1, d2, day, v1, v2)
);

-- Per learner: when they first enrolled, completed and earned a credential
-- (for the first-time learner metrics) and when they were last active.
CREATE TABLE learner_activity (
    user_id                uuid PRIMARY KEY,
    prefecture             text NOT NULL,
    industry               text NOT NULL,
    segment                text NOT NULL,
    first_enrolled_at      timestamptz,
    first_completed_at     timestamptz,
    first_credentialed_at  timestamptz,
    last_active_at         timestamptz NOT NULL
);
CREATE INDEX learner_activity_last_active ON learner_activity (last_active_at);

-- The engine's position in the event log: every event whose (xact_id, id)
-- is at or below (cursor_xact, cursor_id) has been applied, and only events
-- of transactions older than every running one (xact_id below the
-- snapshot's xmin) are ever read, so none can appear behind the cursor.
CREATE TABLE progress_engine_state (
    id          integer PRIMARY KEY CHECK (id = 1),
    cursor_xact xid8 NOT NULL DEFAULT '0'::xid8,
    cursor_id   bigint NOT NULL DEFAULT 0,
    applied     bigint NOT NULL DEFAULT 0,
    updated_at  timestamptz NOT NULL DEFAULT now()
);
INSERT INTO progress_engine_state (id) VALUES (1);

CREATE INDEX learning_events_xact_id_idx ON learning_events (xact_id, id);
DROP INDEX learning_events_xact_idx;

-- +goose Down
CREATE INDEX learning_events_xact_idx ON learning_events (xact_id);
DROP INDEX learning_events_xact_id_idx;
DROP TABLE progress_engine_state;
DROP TABLE learner_activity;
DROP TABLE activity_rollup;
DROP TABLE progress_rollup;
DROP TABLE programme_achievements;
DROP TABLE programmes;
