-- analytics_quizzes_full: per quiz lesson of a course, the submitted attempts
-- and how many passed.
SELECT qa.lesson_id,
       count(*) AS attempts,
       count(*) FILTER (WHERE qa.passed) AS passed
FROM quiz_attempts qa
JOIN enrolments e ON e.id = qa.enrolment_id
WHERE e.course_id = @course AND qa.submitted_at IS NOT NULL
GROUP BY qa.lesson_id
