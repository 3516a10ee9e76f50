-- Issue 20: course analytics that do not grow with the course. The
-- per-quiz and per-question statistics of a course (submitted attempts,
-- passed; per question answered and right) are counters kept in the same
-- transaction as every change of quiz_attempts (owner: internal/learning),
-- by a trigger, so that every write path — the player's submission, a
-- learner's data erasure, an enrolment removed with its attempts, the
-- benchmark's set-wise load — keeps them exact. Analytics read a few rows
-- per quiz instead of unpacking every attempt's results.
-- A result is either a boolean (correct or not) or an object with
-- "correct" and, optionally, "answered" (as sql/analytics_questions_full.sql
-- reads it).
-- +goose Up
CREATE TABLE quiz_stats (
    course_id uuid NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    lesson_id text NOT NULL,
    attempts  bigint NOT NULL,
    passed    bigint NOT NULL,
    PRIMARY KEY (course_id, lesson_id)
);
CREATE TABLE quiz_question_stats (
    course_id   uuid NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    lesson_id   text NOT NULL,
    question_id text NOT NULL,
    answered    bigint NOT NULL,
    correct     bigint NOT NULL,
    PRIMARY KEY (course_id, lesson_id, question_id)
);

-- +goose StatementBegin
-- quiz_stats_add adds (sign 1) or removes (sign -1) one submitted attempt.
CREATE FUNCTION quiz_stats_add(attempt quiz_attempts, sign integer) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    course uuid;
BEGIN
    IF attempt.submitted_at IS NULL THEN
        RETURN;
    END IF;
    SELECT e.course_id INTO course FROM enrolments e WHERE e.id = attempt.enrolment_id;
    IF course IS NULL THEN
        RETURN; -- removed with its enrolment (quiz_stats_enrolment took it out)
    END IF;
    INSERT INTO quiz_stats AS s (course_id, lesson_id, attempts, passed)
    VALUES (course, attempt.lesson_id, sign, CASE WHEN attempt.passed THEN sign ELSE 0 END)
    ON CONFLICT (course_id, lesson_id) DO UPDATE
        SET attempts = s.attempts + excluded.attempts, passed = s.passed + excluded.passed;
    INSERT INTO quiz_question_stats AS s (course_id, lesson_id, question_id, answered, correct)
    SELECT course, attempt.lesson_id, r.key,
           sign * (CASE WHEN v.answered THEN 1 ELSE 0 END),
           sign * (CASE WHEN v.answered AND v.correct THEN 1 ELSE 0 END)
    FROM jsonb_each(CASE WHEN jsonb_typeof(attempt.results) = 'object' THEN attempt.results ELSE '{}'::jsonb END) r
    CROSS JOIN LATERAL (
        SELECT CASE WHEN jsonb_typeof(r.value) = 'object'
                    THEN COALESCE(r.value->>'answered', 'true') = 'true'
                    ELSE true END AS answered,
               CASE WHEN jsonb_typeof(r.value) = 'object'
                    THEN COALESCE(r.value->>'correct', 'false') = 'true'
                    ELSE r.value = 'true'::jsonb END AS correct
    ) v
    ON CONFLICT (course_id, lesson_id, question_id) DO UPDATE
        SET answered = s.answered + excluded.answered, correct = s.correct + excluded.correct;
END;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION quiz_stats_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM quiz_stats_add(OLD, -1);
    END IF;
    IF TG_OP IN ('INSERT', 'UPDATE') THEN
        PERFORM quiz_stats_add(NEW, 1);
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
-- Only the columns the statistics read: erasing a learner's answers
-- (UPDATE … SET answers = NULL) does not touch them.
CREATE TRIGGER quiz_stats_keep AFTER INSERT OR DELETE OR UPDATE OF enrolment_id, lesson_id, submitted_at, passed, results
    ON quiz_attempts FOR EACH ROW EXECUTE FUNCTION quiz_stats_keep();
-- +goose StatementBegin
CREATE FUNCTION quiz_stats_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM quiz_stats;
    DELETE FROM quiz_question_stats;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER quiz_stats_truncate AFTER TRUNCATE ON quiz_attempts
    FOR EACH STATEMENT EXECUTE FUNCTION quiz_stats_truncate();

-- An enrolment removed (its attempts go with it, after the enrolment row,
-- when its course can no longer be read) or moved to another course: its
-- submitted attempts leave the old course's counters first, and join the
-- new one's after a move.
-- +goose StatementBegin
CREATE FUNCTION quiz_stats_enrolment() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    a quiz_attempts;
    sign integer := CASE WHEN TG_WHEN = 'BEFORE' THEN -1 ELSE 1 END;
    e uuid := CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END;
BEGIN
    FOR a IN SELECT * FROM quiz_attempts WHERE enrolment_id = e AND submitted_at IS NOT NULL LOOP
        PERFORM quiz_stats_add(a, sign);
    END LOOP;
    RETURN CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER quiz_stats_enrolment_delete BEFORE DELETE ON enrolments
    FOR EACH ROW EXECUTE FUNCTION quiz_stats_enrolment();
CREATE TRIGGER quiz_stats_enrolment_before BEFORE UPDATE OF course_id ON enrolments
    FOR EACH ROW WHEN (OLD.course_id IS DISTINCT FROM NEW.course_id) EXECUTE FUNCTION quiz_stats_enrolment();
CREATE TRIGGER quiz_stats_enrolment_after AFTER UPDATE OF course_id ON enrolments
    FOR EACH ROW WHEN (OLD.course_id IS DISTINCT FROM NEW.course_id) EXECUTE FUNCTION quiz_stats_enrolment();

-- What was there before.
INSERT INTO quiz_stats (course_id, lesson_id, attempts, passed)
SELECT e.course_id, qa.lesson_id, count(*), count(*) FILTER (WHERE qa.passed)
FROM quiz_attempts qa JOIN enrolments e ON e.id = qa.enrolment_id
WHERE qa.submitted_at IS NOT NULL
GROUP BY 1, 2;
INSERT INTO quiz_question_stats (course_id, lesson_id, question_id, answered, correct)
SELECT e.course_id, qa.lesson_id, r.key,
       count(*) FILTER (WHERE v.answered), count(*) FILTER (WHERE v.answered AND v.correct)
FROM quiz_attempts qa
JOIN enrolments e ON e.id = qa.enrolment_id
CROSS JOIN LATERAL jsonb_each(CASE WHEN jsonb_typeof(qa.results) = 'object' THEN qa.results ELSE '{}'::jsonb END) r
CROSS JOIN LATERAL (
    SELECT CASE WHEN jsonb_typeof(r.value) = 'object'
                THEN COALESCE(r.value->>'answered', 'true') = 'true'
                ELSE true END AS answered,
           CASE WHEN jsonb_typeof(r.value) = 'object'
                THEN COALESCE(r.value->>'correct', 'false') = 'true'
                ELSE r.value = 'true'::jsonb END AS correct
) v
WHERE qa.submitted_at IS NOT NULL
GROUP BY 1, 2, 3;

-- +goose Down
DROP TRIGGER quiz_stats_enrolment_after ON enrolments;
DROP TRIGGER quiz_stats_enrolment_before ON enrolments;
DROP TRIGGER quiz_stats_enrolment_delete ON enrolments;
DROP FUNCTION quiz_stats_enrolment();
DROP TRIGGER quiz_stats_truncate ON quiz_attempts;
DROP TRIGGER quiz_stats_keep ON quiz_attempts;
DROP FUNCTION quiz_stats_truncate();
DROP FUNCTION quiz_stats_keep();
DROP FUNCTION quiz_stats_add(quiz_attempts, integer);
DROP TABLE quiz_question_stats;
DROP TABLE quiz_stats;
