-- Learning: cohorts with seats, enrolments (with the waitlist), per-lesson
-- progress with server-measured time on task, quiz attempts, bulk enrolment
-- imports, and the append-only learning-event log that national reporting
-- consumes.
-- +goose Up

-- Scheduled sessions of a cohort-based course. seats_taken is kept in step
-- with the enrolments holding a seat, so taking a seat is one conditional
-- UPDATE (no overbooking under any concurrency).
CREATE TABLE cohorts (
    id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    course_id      uuid NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    name_ja        text NOT NULL CHECK (length(name_ja) BETWEEN 1 AND 200),
    name_en        text NOT NULL DEFAULT '',
    starts_on      date NOT NULL,
    ends_on        date NOT NULL CHECK (ends_on >= starts_on),
    enrol_deadline timestamptz NOT NULL,
    capacity       integer NOT NULL CHECK (capacity BETWEEN 1 AND 100000),
    seats_taken    integer NOT NULL DEFAULT 0 CHECK (seats_taken >= 0 AND seats_taken <= capacity),
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX cohorts_course_idx ON cohorts (course_id, starts_on);

CREATE SEQUENCE waitlist_order;

CREATE TABLE enrolments (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id          uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    course_id        uuid NOT NULL REFERENCES courses(id),
    cohort_id        uuid REFERENCES cohorts(id),
    -- The organisation that enrolled the person (bulk enrolment), if any.
    org_id           uuid REFERENCES organisations(id) ON DELETE SET NULL,
    status           text NOT NULL CHECK (status IN ('active', 'waitlisted', 'completed', 'withdrawn')),
    -- Arrival order on a cohort's waitlist (from waitlist_order).
    waitlist_pos     bigint,
    enrolled_at      timestamptz NOT NULL DEFAULT now(),
    completed_at     timestamptz,
    withdrawn_at     timestamptz,
    last_activity_at timestamptz,
    -- Derived from lesson progress by the learning domain.
    progress_percent integer NOT NULL DEFAULT 0 CHECK (progress_percent BETWEEN 0 AND 100),
    next_lesson_id   text,
    flagged_fast     boolean NOT NULL DEFAULT false
);
-- Enrolling twice is impossible: one live enrolment per person and course.
CREATE UNIQUE INDEX enrolments_one_live ON enrolments (user_id, course_id) WHERE status <> 'withdrawn';
CREATE INDEX enrolments_user_idx ON enrolments (user_id, status, last_activity_at DESC);
CREATE INDEX enrolments_course_idx ON enrolments (course_id, status);
CREATE INDEX enrolments_waitlist_idx ON enrolments (cohort_id, waitlist_pos) WHERE status = 'waitlisted';
CREATE INDEX enrolments_org_idx ON enrolments (org_id) WHERE org_id IS NOT NULL;

CREATE TABLE lesson_progress (
    enrolment_id    uuid NOT NULL REFERENCES enrolments(id) ON DELETE CASCADE,
    lesson_id       text NOT NULL,
    first_seen_at   timestamptz NOT NULL DEFAULT now(),
    last_seen_at    timestamptz NOT NULL DEFAULT now(),
    -- Time on task, measured on the server from the learner's requests.
    seconds_on_task integer NOT NULL DEFAULT 0 CHECK (seconds_on_task >= 0),
    completed_at    timestamptz,
    PRIMARY KEY (enrolment_id, lesson_id)
);

CREATE TABLE quiz_attempts (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    enrolment_id uuid NOT NULL REFERENCES enrolments(id) ON DELETE CASCADE,
    lesson_id    text NOT NULL,
    revision     integer NOT NULL,
    started_at   timestamptz NOT NULL,
    submitted_at timestamptz,
    seed         bigint NOT NULL,
    score        integer,
    max_score    integer,
    passed       boolean,
    answers      jsonb,
    -- Per question: {question id: correct?}, for per-question statistics.
    results      jsonb
);
CREATE INDEX quiz_attempts_enrolment_idx ON quiz_attempts (enrolment_id, lesson_id, started_at);

-- The learning-event log: append-only, partitioned by month. Each row
-- carries the dimensions national reporting slices by, as they were at the
-- moment of the event. xact_id lets the progress engine consume only events
-- of transactions that have committed (see DESIGN.md).
CREATE TABLE learning_events (
    id            bigint GENERATED ALWAYS AS IDENTITY,
    occurred_at   timestamptz NOT NULL DEFAULT now(),
    xact_id       xid8 NOT NULL DEFAULT pg_current_xact_id(),
    event_type    text NOT NULL CHECK (event_type IN ('enrolled', 'withdrawn', 'seat_taken', 'waitlisted',
                      'lesson_completed', 'quiz_attempted', 'course_completed')),
    user_id       uuid NOT NULL,
    enrolment_id  uuid,
    course_id     uuid NOT NULL,
    provider_id   uuid NOT NULL,
    skill_area    text,
    cohort_id     uuid,
    org_id        uuid,
    prefecture    char(2),
    industry      char(1),
    segment       text,
    lesson_id     text,
    details       jsonb NOT NULL DEFAULT '{}',
    PRIMARY KEY (occurred_at, id)
) PARTITION BY RANGE (occurred_at);
CREATE INDEX learning_events_xact_idx ON learning_events (xact_id);
CREATE INDEX learning_events_user_idx ON learning_events (user_id, occurred_at DESC);

-- Rows outside every monthly partition land here rather than failing.
CREATE TABLE learning_events_default PARTITION OF learning_events DEFAULT;

-- +goose StatementBegin
-- ensure_learning_event_partitions creates the monthly partitions from
-- months_back months ago to months_ahead months ahead (idempotent). Called
-- by this migration, at every start of `takumi serve`, and by `takumi seed`.
CREATE FUNCTION ensure_learning_event_partitions(months_back integer, months_ahead integer) RETURNS void AS $$
DECLARE
    m date;
    name text;
BEGIN
    FOR i IN -months_back..months_ahead LOOP
        m := date_trunc('month', now())::date + make_interval(months => i);
        name := 'learning_events_' || to_char(m, 'YYYYMM');
        IF to_regclass(name) IS NULL THEN
            EXECUTE format('CREATE TABLE %I PARTITION OF learning_events FOR VALUES FROM (%L) TO (%L)',
                name, m, (m + interval '1 month')::date);
        END IF;
    END LOOP;
END;
$$ LANGUAGE plpgsql;

CREATE FUNCTION learning_events_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'learning_events is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd

SELECT ensure_learning_event_partitions(24, 3);

CREATE TRIGGER learning_events_append_only
    BEFORE UPDATE OR DELETE ON learning_events
    FOR EACH ROW EXECUTE FUNCTION learning_events_refuse_change();

-- Bulk enrolment imports by employers (CSV), processed by a background job.
CREATE TABLE enrolment_imports (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id        uuid NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    created_by    uuid REFERENCES users(id) ON DELETE SET NULL,
    filename      text NOT NULL,
    sha256        bytea NOT NULL,
    status        text NOT NULL CHECK (status IN ('queued', 'running', 'done', 'failed')),
    total_rows    integer NOT NULL DEFAULT 0,
    processed     integer NOT NULL DEFAULT 0,
    enrolled      integer NOT NULL DEFAULT 0,
    invited       integer NOT NULL DEFAULT 0,
    unchanged     integer NOT NULL DEFAULT 0,
    error         text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    finished_at   timestamptz
);
CREATE INDEX enrolment_imports_org_idx ON enrolment_imports (org_id, created_at DESC);

-- +goose Down
DROP TABLE enrolment_imports;
DROP TABLE learning_events;
DROP FUNCTION learning_events_refuse_change();
DROP FUNCTION ensure_learning_event_partitions(integer, integer);
DROP TABLE quiz_attempts;
DROP TABLE lesson_progress;
DROP TABLE enrolments;
DROP SEQUENCE waitlist_order;
DROP TABLE cohorts;
