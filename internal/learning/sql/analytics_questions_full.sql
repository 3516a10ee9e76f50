-- analytics_questions_full: per quiz question of a course, from the results of
-- submitted attempts, how many attempts answered it and how many got it
-- right. A result is either a boolean (correct or not) or an object with
-- "correct" and, optionally, "answered".
SELECT qa.lesson_id, r.key AS question_id,
       count(*) FILTER (WHERE v.answered) AS answered,
       count(*) FILTER (WHERE v.answered AND v.correct) AS correct
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
WHERE e.course_id = @course AND qa.submitted_at IS NOT NULL
GROUP BY qa.lesson_id, r.key
