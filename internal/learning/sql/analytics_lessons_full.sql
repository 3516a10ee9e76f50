-- analytics_lessons_full: per lesson of a course, how many enrolments reached
-- it (opened it at least once) and how many completed it. Waitlisted
-- enrolments have not started and are left out.
SELECT lp.lesson_id,
       count(*) AS reached,
       count(*) FILTER (WHERE lp.completed_at IS NOT NULL) AS completed
FROM lesson_progress lp
JOIN enrolments e ON e.id = lp.enrolment_id
WHERE e.course_id = @course AND e.status <> 'waitlisted'
GROUP BY lp.lesson_id
