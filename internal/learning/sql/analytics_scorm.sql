-- analytics_scorm: per SCORM lesson of a course (issue 16), its attempts
-- (one per enrolment that opened the SCO), how many the SCO reported done
-- (1.2 lesson_status passed/completed; 2004 completion_status completed)
-- or failed, and the distribution of the reported scores as a percentage
-- (2004 score.scaled; otherwise raw within min..max, 0..100 by default),
-- in five bands of 20 points.
SELECT a.lesson_id, count(*) AS attempts,
       count(*) FILTER (WHERE a.lesson_status IN ('passed', 'completed') OR a.completion_status = 'completed') AS done,
       count(*) FILTER (WHERE a.lesson_status = 'failed' OR a.success_status = 'failed') AS failed,
       count(s.pct) AS scored, avg(s.pct) AS mean,
       count(*) FILTER (WHERE s.pct < 20) AS b0, count(*) FILTER (WHERE s.pct >= 20 AND s.pct < 40) AS b1,
       count(*) FILTER (WHERE s.pct >= 40 AND s.pct < 60) AS b2, count(*) FILTER (WHERE s.pct >= 60 AND s.pct < 80) AS b3,
       count(*) FILTER (WHERE s.pct >= 80) AS b4
FROM scorm_attempts a
JOIN enrolments e ON e.id = a.enrolment_id
CROSS JOIN LATERAL (SELECT CASE
        WHEN a.score_scaled IS NOT NULL THEN a.score_scaled * 100
        WHEN a.score_raw IS NOT NULL THEN 100 * (a.score_raw - coalesce(a.score_min, 0))
            / nullif(coalesce(a.score_max, 100) - coalesce(a.score_min, 0), 0)
    END AS v) r
-- least/greatest skip NULLs: an attempt without a score stays NULL.
CROSS JOIN LATERAL (SELECT CASE WHEN r.v IS NOT NULL THEN least(100, greatest(0, r.v)) END AS pct) s
WHERE e.course_id = @course
GROUP BY a.lesson_id
