-- Issue 20: pages that do not grow with the organisation or course, and
-- audit entries that do not serialise the requests writing them.
--
-- Roster: a quiz attempt's pace (seconds per question) as an immutable
-- function, indexed, so the "flagged only" filter finds machine-speed
-- attempts through the index instead of unpacking every attempt's results,
-- and the other roster views count them only for the 50 rows shown.
-- +goose Up

-- +goose StatementBegin
CREATE FUNCTION quiz_seconds_per_question(started timestamptz, submitted timestamptz, results jsonb)
RETURNS float8 LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT CASE WHEN jsonb_typeof(results) = 'object' AND results <> '{}'::jsonb
                THEN extract(epoch FROM submitted - started)::float8 / (SELECT count(*) FROM jsonb_object_keys(results))
           END
$$;
-- +goose StatementEnd
CREATE INDEX quiz_attempts_pace_idx ON quiz_attempts (quiz_seconds_per_question(started_at, submitted_at, results))
    WHERE submitted_at IS NOT NULL;
-- Statistics of the new expression, so the planner knows machine-speed
-- attempts are few (a sample: quick at any size).
ANALYZE quiz_attempts;
-- The roster's course filter: the courses an organisation enrolled people in.
CREATE INDEX enrolments_org_course_idx ON enrolments (org_id, course_id) WHERE org_id IS NOT NULL;

-- Audit log: entries are appended unsealed (prev_hash and hash NULL), with
-- no lock, and internal/audit.Seal links them into the hash chain in id
-- order once every transaction that could still commit a smaller id has
-- ended. SECURITY: the only change the database allows is that seal — a
-- row whose hashes are NULL gets both, every other column unchanged;
-- anything else (an edit, re-sealing, removing a seal, DELETE, TRUNCATE)
-- is still refused.
ALTER TABLE audit_events ALTER COLUMN prev_hash DROP NOT NULL, ALTER COLUMN hash DROP NOT NULL;
ALTER TABLE audit_events ADD CONSTRAINT audit_events_sealed_whole CHECK ((prev_hash IS NULL) = (hash IS NULL));
CREATE INDEX audit_events_unsealed_idx ON audit_events (id) WHERE hash IS NULL;

-- +goose StatementBegin
CREATE OR REPLACE FUNCTION audit_events_refuse_change() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.hash IS NULL AND OLD.prev_hash IS NULL
       AND NEW.hash IS NOT NULL AND NEW.prev_hash IS NOT NULL
       AND (NEW.id, NEW.occurred_at, NEW.actor_id, NEW.action, NEW.target_type, NEW.target_id, NEW.org_id, NEW.ip, NEW.details)
           IS NOT DISTINCT FROM
           (OLD.id, OLD.occurred_at, OLD.actor_id, OLD.action, OLD.target_type, OLD.target_id, OLD.org_id, OLD.ip, OLD.details) THEN
        RETURN NEW; -- sealing an unsealed row
    END IF;
    RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION audit_events_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd
DROP INDEX audit_events_unsealed_idx;
ALTER TABLE audit_events DROP CONSTRAINT audit_events_sealed_whole;
DROP INDEX enrolments_org_course_idx;
DROP INDEX quiz_attempts_pace_idx;
DROP FUNCTION quiz_seconds_per_question(timestamptz, timestamptz, jsonb);
