-- analytics_recount: the analytics counters of every course (quiz_stats,
-- quiz_question_stats, lesson_stats, course_enrolment_stats,
-- course_activity_days, course_duration_buckets, course_duration_values)
-- counted again from the
-- attempts, enrolments and lesson progress (what migrations 00038, 00039,
-- 00051 and 00054 did once), for
-- RecountAnalytics. Run with the tables it reads locked against writes.
DELETE FROM quiz_question_stats;
DELETE FROM quiz_stats;
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
DELETE FROM lesson_stats;
INSERT INTO lesson_stats (course_id, lesson_id, reached, completed)
SELECT e.course_id, lp.lesson_id, count(*), count(*) FILTER (WHERE lp.completed_at IS NOT NULL)
FROM lesson_progress lp JOIN enrolments e ON e.id = lp.enrolment_id
WHERE e.status <> 'waitlisted'
GROUP BY 1, 2;
DELETE FROM course_enrolment_stats;
INSERT INTO course_enrolment_stats (course_id, enrolments, active, waitlisted, completed, withdrawn, timed)
SELECT course_id, count(*), count(*) FILTER (WHERE status = 'active'), count(*) FILTER (WHERE status = 'waitlisted'),
       count(*) FILTER (WHERE status = 'completed'), count(*) FILTER (WHERE status = 'withdrawn'),
       count(*) FILTER (WHERE status = 'completed' AND completed_at IS NOT NULL)
FROM enrolments GROUP BY course_id;
DELETE FROM course_activity_days;
INSERT INTO course_activity_days (course_id, day, learners)
SELECT course_id, (t AT TIME ZONE 'UTC')::date, count(*)
FROM (SELECT course_id, user_id, max(last_activity_at) AS t FROM enrolments GROUP BY 1, 2) x
WHERE t IS NOT NULL
GROUP BY 1, 2;
DELETE FROM course_duration_buckets;
INSERT INTO course_duration_buckets (course_id, bucket, completions)
SELECT course_id, enrolment_duration_bucket(extract(epoch FROM completed_at - enrolled_at)::float8), count(*)
FROM enrolments WHERE status = 'completed' AND completed_at IS NOT NULL
GROUP BY 1, 2;
DELETE FROM course_duration_values;
INSERT INTO course_duration_values (course_id, bucket, seconds, completions)
SELECT course_id, enrolment_duration_bucket(s), s, count(*)
FROM (SELECT course_id, extract(epoch FROM completed_at - enrolled_at)::float8 AS s
      FROM enrolments WHERE status = 'completed' AND completed_at IS NOT NULL) x
GROUP BY 1, 3;
