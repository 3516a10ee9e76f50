-- Renewal: a learner whose course credential has expired may take the course
-- again and earn a new credential. The completed enrolment stays (history,
-- statistics) but is marked superseded, so it no longer counts as the live
-- enrolment the one-per-course rule is about.
-- +goose Up
ALTER TABLE enrolments ADD COLUMN superseded_at timestamptz;
ALTER TABLE enrolments ADD CONSTRAINT enrolments_superseded_completed CHECK (superseded_at IS NULL OR status = 'completed');
DROP INDEX enrolments_one_live;
CREATE UNIQUE INDEX enrolments_one_live ON enrolments (user_id, course_id) WHERE status <> 'withdrawn' AND superseded_at IS NULL;

-- +goose Down
DROP INDEX enrolments_one_live;
CREATE UNIQUE INDEX enrolments_one_live ON enrolments (user_id, course_id) WHERE status <> 'withdrawn';
ALTER TABLE enrolments DROP CONSTRAINT enrolments_superseded_completed;
ALTER TABLE enrolments DROP COLUMN superseded_at;
