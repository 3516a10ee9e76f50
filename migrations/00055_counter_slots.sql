-- Issue 13: the per-course counters kept by triggers (quiz_stats and
-- quiz_question_stats, 00038; lesson_stats, 00039; course_enrolment_stats
-- and course_activity_days, 00051; course_duration_buckets, 00054) were one
-- row per course (per lesson, per question, per day, per bucket). Every transaction that enrols someone in a
-- course, completes a lesson or submits a quiz updated that one row and
-- held its lock until its commit had been flushed, so the learners of one
-- course queued behind each other: with 16 enrolments at a time, 12 waited
-- on the course's counter row (pg_stat_activity, wait_event transactionid;
-- docs/capacity.md). Each counter is now spread over 8 rows (slots), and a transaction writes the row of its connection's slot
-- (counter_slot(): the backend's process id modulo 8), so two writers of
-- one course wait for each other only when their connections share a
-- slot. Readers sum the slots (at most 8 rows per counter). The recount
-- (analytics_recount.sql) and older rows use slot 0, so nothing needs
-- rewriting: a sum over slots of old rows is the old value.
--
-- Locks are still taken in one order: within a statement the rows are
-- written ordered by course (and day, lesson, question), and a slot is
-- constant for the whole transaction (one connection).
-- +goose Up
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION counter_slot() RETURNS smallint LANGUAGE sql STABLE PARALLEL RESTRICTED AS $$
    SELECT (pg_backend_pid() % 8)::smallint
$$;
-- +goose StatementEnd

ALTER TABLE quiz_stats ADD COLUMN IF NOT EXISTS slot smallint NOT NULL DEFAULT 0,
    DROP CONSTRAINT quiz_stats_pkey, ADD PRIMARY KEY (course_id, lesson_id, slot);
ALTER TABLE quiz_question_stats ADD COLUMN IF NOT EXISTS slot smallint NOT NULL DEFAULT 0,
    DROP CONSTRAINT quiz_question_stats_pkey, ADD PRIMARY KEY (course_id, lesson_id, question_id, slot);
ALTER TABLE lesson_stats ADD COLUMN IF NOT EXISTS slot smallint NOT NULL DEFAULT 0,
    DROP CONSTRAINT lesson_stats_pkey, ADD PRIMARY KEY (course_id, lesson_id, slot);
ALTER TABLE course_enrolment_stats ADD COLUMN IF NOT EXISTS slot smallint NOT NULL DEFAULT 0,
    DROP CONSTRAINT course_enrolment_stats_pkey, ADD PRIMARY KEY (course_id, slot);
ALTER TABLE course_activity_days ADD COLUMN IF NOT EXISTS slot smallint NOT NULL DEFAULT 0,
    DROP CONSTRAINT course_activity_days_pkey, ADD PRIMARY KEY (course_id, day, slot);
ALTER TABLE course_duration_buckets ADD COLUMN IF NOT EXISTS slot smallint NOT NULL DEFAULT 0,
    DROP CONSTRAINT course_duration_buckets_pkey, ADD PRIMARY KEY (course_id, bucket, slot);

-- The functions of 00038, 00039 and 00054 (00051's course_stats_change with
-- the duration buckets) with the slot in each upsert; course_duration_values
-- (one row per exact duration, removed at zero) keeps one row.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION quiz_stats_add(attempt quiz_attempts, sign integer) RETURNS void LANGUAGE plpgsql AS $$
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
    INSERT INTO quiz_stats AS s (course_id, lesson_id, slot, attempts, passed)
    VALUES (course, attempt.lesson_id, counter_slot(), sign, CASE WHEN attempt.passed THEN sign ELSE 0 END)
    ON CONFLICT (course_id, lesson_id, slot) DO UPDATE
        SET attempts = s.attempts + excluded.attempts, passed = s.passed + excluded.passed;
    INSERT INTO quiz_question_stats AS s (course_id, lesson_id, question_id, slot, answered, correct)
    SELECT course, attempt.lesson_id, r.key, counter_slot(),
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
    ON CONFLICT (course_id, lesson_id, question_id, slot) DO UPDATE
        SET answered = s.answered + excluded.answered, correct = s.correct + excluded.correct;
END;
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION lesson_stats_add(p lesson_progress, sign integer) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    course uuid;
BEGIN
    SELECT e.course_id INTO course FROM enrolments e WHERE e.id = p.enrolment_id AND e.status <> 'waitlisted';
    IF course IS NULL THEN
        RETURN; -- waitlisted, or removed with its enrolment (lesson_stats_enrolment took it out)
    END IF;
    INSERT INTO lesson_stats AS s (course_id, lesson_id, slot, reached, completed)
    VALUES (course, p.lesson_id, counter_slot(), sign, CASE WHEN p.completed_at IS NOT NULL THEN sign ELSE 0 END)
    ON CONFLICT (course_id, lesson_id, slot) DO UPDATE
        SET reached = s.reached + excluded.reached, completed = s.completed + excluded.completed;
END;
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION course_stats_change(olds enrolments[], news enrolments[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    changed course_duration_values[];
BEGIN
    INSERT INTO course_enrolment_stats AS s (course_id, slot, enrolments, active, waitlisted, completed, withdrawn, timed)
    SELECT * FROM (
        SELECT d.course_id, counter_slot(), sum(d.sign) AS enrolments,
               sum(CASE WHEN d.status = 'active' THEN d.sign ELSE 0 END) AS active,
               sum(CASE WHEN d.status = 'waitlisted' THEN d.sign ELSE 0 END) AS waitlisted,
               sum(CASE WHEN d.status = 'completed' THEN d.sign ELSE 0 END) AS completed,
               sum(CASE WHEN d.status = 'withdrawn' THEN d.sign ELSE 0 END) AS withdrawn,
               sum(CASE WHEN d.status = 'completed' AND d.completed_at IS NOT NULL THEN d.sign ELSE 0 END) AS timed
        FROM (SELECT o.course_id, o.status, o.completed_at, -1 AS sign FROM unnest(olds) o
              UNION ALL
              SELECT n.course_id, n.status, n.completed_at, 1 FROM unnest(news) n) d
        GROUP BY d.course_id) c
    WHERE (c.enrolments, c.active, c.waitlisted, c.completed, c.withdrawn, c.timed) <> (0, 0, 0, 0, 0, 0)
    ORDER BY c.course_id -- every writer locks counter rows in one order: no deadlock between two
    ON CONFLICT (course_id, slot) DO UPDATE SET
        enrolments = s.enrolments + excluded.enrolments,
        active = s.active + excluded.active,
        waitlisted = s.waitlisted + excluded.waitlisted,
        completed = s.completed + excluded.completed,
        withdrawn = s.withdrawn + excluded.withdrawn,
        timed = s.timed + excluded.timed;

    -- Each (course, person) touched: their latest activity in the course
    -- before the statement (the rows it did not write, plus olds) and
    -- after it; a change of its UTC day moves them between days.
    WITH o AS (SELECT * FROM unnest(olds)),
    n AS (SELECT * FROM unnest(news)),
    pairs AS (SELECT course_id, user_id FROM o UNION SELECT course_id, user_id FROM n),
    cur AS (SELECT e.id, e.course_id, e.user_id, e.last_activity_at
            FROM pairs p JOIN enrolments e ON e.user_id = p.user_id AND e.course_id = p.course_id),
    after AS (SELECT course_id, user_id, max(last_activity_at) AS t FROM cur GROUP BY 1, 2),
    before AS (SELECT course_id, user_id, max(last_activity_at) AS t FROM (
                   SELECT course_id, user_id, last_activity_at FROM cur WHERE id NOT IN (SELECT id FROM n)
                   UNION ALL
                   SELECT course_id, user_id, last_activity_at FROM o) x
               GROUP BY 1, 2),
    moved AS (SELECT p.course_id, (b.t AT TIME ZONE 'UTC')::date AS was, (a.t AT TIME ZONE 'UTC')::date AS now
              FROM pairs p
              LEFT JOIN before b ON b.course_id = p.course_id AND b.user_id = p.user_id
              LEFT JOIN after a ON a.course_id = p.course_id AND a.user_id = p.user_id)
    INSERT INTO course_activity_days AS s (course_id, day, slot, learners)
    SELECT m.course_id, v.day, counter_slot(), sum(v.sign)
    FROM moved m CROSS JOIN LATERAL (VALUES (m.was, -1), (m.now, 1)) v(day, sign)
    WHERE m.was IS DISTINCT FROM m.now AND v.day IS NOT NULL
    GROUP BY 1, 2
    HAVING sum(v.sign) <> 0
    ORDER BY 1, 2
    ON CONFLICT (course_id, day, slot) DO UPDATE SET learners = s.learners + excluded.learners;

    -- The completions with completed_at set, per duration bucket and per
    -- exact duration; a duration no longer taken goes.
    WITH d AS (
        SELECT o.course_id, extract(epoch FROM o.completed_at - o.enrolled_at)::float8 AS seconds, -1 AS sign
        FROM unnest(olds) o WHERE o.status = 'completed' AND o.completed_at IS NOT NULL
        UNION ALL
        SELECT n.course_id, extract(epoch FROM n.completed_at - n.enrolled_at)::float8, 1
        FROM unnest(news) n WHERE n.status = 'completed' AND n.completed_at IS NOT NULL)
    SELECT array_agg(ROW(k.course_id, k.bucket, k.seconds, k.completions)::course_duration_values)
    INTO changed
    FROM (SELECT d.course_id, enrolment_duration_bucket(d.seconds) AS bucket, d.seconds, sum(d.sign) AS completions
          FROM d GROUP BY 1, 3 HAVING sum(d.sign) <> 0) k;
    IF changed IS NOT NULL THEN
        INSERT INTO course_duration_buckets AS s (course_id, bucket, slot, completions)
        SELECT c.course_id, c.bucket, counter_slot(), sum(c.completions) FROM unnest(changed) c
        GROUP BY 1, 2 HAVING sum(c.completions) <> 0
        ORDER BY 1, 2
        ON CONFLICT (course_id, bucket, slot) DO UPDATE SET completions = s.completions + excluded.completions;
        INSERT INTO course_duration_values AS s (course_id, bucket, seconds, completions)
        SELECT c.course_id, c.bucket, c.seconds, c.completions FROM unnest(changed) c
        ORDER BY 1, 2, 3
        ON CONFLICT (course_id, bucket, seconds) DO UPDATE SET completions = s.completions + excluded.completions;
        DELETE FROM course_duration_values v USING unnest(changed) c
        WHERE v.course_id = c.course_id AND v.bucket = c.bucket AND v.seconds = c.seconds AND v.completions = 0;
    END IF;
END;
$$;
-- +goose StatementEnd

-- +goose Down
-- Back to one row per counter: the slots are folded into slot 0 and every
-- writer uses slot 0 again (the column stays, with the wider primary key;
-- the functions above then write exactly what 00038–00051's did; Up
-- runs again after this Down).
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION counter_slot() RETURNS smallint LANGUAGE sql STABLE PARALLEL RESTRICTED AS $$
    SELECT 0::smallint
$$;
-- +goose StatementEnd
LOCK TABLE quiz_stats, quiz_question_stats, lesson_stats, course_enrolment_stats, course_activity_days,
    course_duration_buckets IN EXCLUSIVE MODE;
CREATE TEMP TABLE f_quiz ON COMMIT DROP AS
    SELECT course_id, lesson_id, sum(attempts) AS attempts, sum(passed) AS passed FROM quiz_stats GROUP BY 1, 2;
DELETE FROM quiz_stats;
INSERT INTO quiz_stats (course_id, lesson_id, attempts, passed) SELECT * FROM f_quiz;
CREATE TEMP TABLE f_question ON COMMIT DROP AS
    SELECT course_id, lesson_id, question_id, sum(answered) AS answered, sum(correct) AS correct FROM quiz_question_stats GROUP BY 1, 2, 3;
DELETE FROM quiz_question_stats;
INSERT INTO quiz_question_stats (course_id, lesson_id, question_id, answered, correct) SELECT * FROM f_question;
CREATE TEMP TABLE f_lesson ON COMMIT DROP AS
    SELECT course_id, lesson_id, sum(reached) AS reached, sum(completed) AS completed FROM lesson_stats GROUP BY 1, 2;
DELETE FROM lesson_stats;
INSERT INTO lesson_stats (course_id, lesson_id, reached, completed) SELECT * FROM f_lesson;
CREATE TEMP TABLE f_course ON COMMIT DROP AS
    SELECT course_id, sum(enrolments) AS enrolments, sum(active) AS active, sum(waitlisted) AS waitlisted,
           sum(completed) AS completed, sum(withdrawn) AS withdrawn, sum(timed) AS timed
    FROM course_enrolment_stats GROUP BY 1;
DELETE FROM course_enrolment_stats;
INSERT INTO course_enrolment_stats (course_id, enrolments, active, waitlisted, completed, withdrawn, timed) SELECT * FROM f_course;
CREATE TEMP TABLE f_day ON COMMIT DROP AS
    SELECT course_id, day, sum(learners) AS learners FROM course_activity_days GROUP BY 1, 2;
DELETE FROM course_activity_days;
INSERT INTO course_activity_days (course_id, day, learners) SELECT * FROM f_day;
CREATE TEMP TABLE f_bucket ON COMMIT DROP AS
    SELECT course_id, bucket, sum(completions) AS completions FROM course_duration_buckets GROUP BY 1, 2;
DELETE FROM course_duration_buckets;
INSERT INTO course_duration_buckets (course_id, bucket, completions) SELECT * FROM f_bucket;
