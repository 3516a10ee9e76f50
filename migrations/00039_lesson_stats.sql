-- Issue 20: course analytics' drop-off by lesson without reading every
-- lesson_progress row of the course. lesson_stats keeps, per course and
-- lesson, how many enrolments that could study (status not 'waitlisted')
-- reached the lesson (have a lesson_progress row) and completed it
-- (completed_at set): what sql/analytics_lessons_full.sql counts. Kept by
-- triggers (owner: internal/learning) in the transaction of every change
-- of lesson_progress, and of an enrolment's course or waitlisted status,
-- or its removal. The player's heartbeat (seconds on task, last seen)
-- does not touch it: only a change of the counted columns does.
-- +goose Up
CREATE TABLE lesson_stats (
    course_id uuid NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    lesson_id text NOT NULL,
    reached   bigint NOT NULL,
    completed bigint NOT NULL,
    PRIMARY KEY (course_id, lesson_id)
);

-- +goose StatementBegin
-- lesson_stats_add adds (sign 1) or removes (sign -1) one lesson_progress row.
CREATE FUNCTION lesson_stats_add(p lesson_progress, sign integer) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    course uuid;
BEGIN
    SELECT e.course_id INTO course FROM enrolments e WHERE e.id = p.enrolment_id AND e.status <> 'waitlisted';
    IF course IS NULL THEN
        RETURN; -- waitlisted, or removed with its enrolment (lesson_stats_enrolment took it out)
    END IF;
    INSERT INTO lesson_stats AS s (course_id, lesson_id, reached, completed)
    VALUES (course, p.lesson_id, sign, CASE WHEN p.completed_at IS NOT NULL THEN sign ELSE 0 END)
    ON CONFLICT (course_id, lesson_id) DO UPDATE
        SET reached = s.reached + excluded.reached, completed = s.completed + excluded.completed;
END;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION lesson_stats_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM lesson_stats_add(OLD, -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM lesson_stats_add(NEW, 1);
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER lesson_stats_insert_delete AFTER INSERT OR DELETE ON lesson_progress
    FOR EACH ROW EXECUTE FUNCTION lesson_stats_keep();
CREATE TRIGGER lesson_stats_update AFTER UPDATE ON lesson_progress
    FOR EACH ROW WHEN (OLD.enrolment_id IS DISTINCT FROM NEW.enrolment_id OR OLD.lesson_id IS DISTINCT FROM NEW.lesson_id
        OR (OLD.completed_at IS NULL) <> (NEW.completed_at IS NULL))
    EXECUTE FUNCTION lesson_stats_keep();
-- +goose StatementBegin
CREATE FUNCTION lesson_stats_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM lesson_stats;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER lesson_stats_truncate AFTER TRUNCATE ON lesson_progress
    FOR EACH STATEMENT EXECUTE FUNCTION lesson_stats_truncate();

-- An enrolment removed (its rows go after it, when it can no longer be
-- read), moved to another course, or put on or off the waitlist: its rows
-- leave the counters as they were before the change and join them as
-- they are after it.
-- +goose StatementBegin
CREATE FUNCTION lesson_stats_enrolment() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    p lesson_progress;
    sign integer := CASE WHEN TG_WHEN = 'BEFORE' THEN -1 ELSE 1 END;
    e uuid := CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END;
BEGIN
    FOR p IN SELECT * FROM lesson_progress WHERE enrolment_id = e LOOP
        PERFORM lesson_stats_add(p, sign);
    END LOOP;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER lesson_stats_enrolment_delete BEFORE DELETE ON enrolments
    FOR EACH ROW EXECUTE FUNCTION lesson_stats_enrolment();
CREATE TRIGGER lesson_stats_enrolment_before BEFORE UPDATE OF course_id, status ON enrolments
    FOR EACH ROW WHEN (OLD.course_id IS DISTINCT FROM NEW.course_id OR (OLD.status = 'waitlisted') <> (NEW.status = 'waitlisted'))
    EXECUTE FUNCTION lesson_stats_enrolment();
CREATE TRIGGER lesson_stats_enrolment_after AFTER UPDATE OF course_id, status ON enrolments
    FOR EACH ROW WHEN (OLD.course_id IS DISTINCT FROM NEW.course_id OR (OLD.status = 'waitlisted') <> (NEW.status = 'waitlisted'))
    EXECUTE FUNCTION lesson_stats_enrolment();

-- What was there before.
INSERT INTO lesson_stats (course_id, lesson_id, reached, completed)
SELECT e.course_id, lp.lesson_id, count(*), count(*) FILTER (WHERE lp.completed_at IS NOT NULL)
FROM lesson_progress lp JOIN enrolments e ON e.id = lp.enrolment_id
WHERE e.status <> 'waitlisted'
GROUP BY 1, 2;

-- +goose Down
DROP TRIGGER lesson_stats_enrolment_after ON enrolments;
DROP TRIGGER lesson_stats_enrolment_before ON enrolments;
DROP TRIGGER lesson_stats_enrolment_delete ON enrolments;
DROP TRIGGER lesson_stats_truncate ON lesson_progress;
DROP TRIGGER lesson_stats_update ON lesson_progress;
DROP TRIGGER lesson_stats_insert_delete ON lesson_progress;
DROP FUNCTION lesson_stats_truncate();
DROP FUNCTION lesson_stats_keep();
DROP FUNCTION lesson_stats_enrolment();
DROP FUNCTION lesson_stats_add(lesson_progress, integer);
DROP TABLE lesson_stats;
