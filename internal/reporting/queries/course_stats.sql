-- Computes course_stats, provider_stats and the national
-- totals in one pass over enrolments (grouping sets; level 0 = course,
-- 2 = provider, 3 = nation). Waitlisted enrolments have not started and
-- are left out; time to complete is enrolled_at to completed_at.
SELECT e.course_id, c.provider_id,
       grouping(e.course_id, c.provider_id) AS level,
       count(DISTINCT e.course_id) AS courses,
       count(*) AS enrolments,
       count(*) FILTER (WHERE e.status = 'completed') AS completions,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM e.completed_at - e.enrolled_at))
           FILTER (WHERE e.status = 'completed' AND e.completed_at IS NOT NULL) AS median_seconds,
       count(*) FILTER (WHERE e.flagged_fast) AS flagged_fast
FROM enrolments e JOIN courses c ON c.id = e.course_id
WHERE e.status <> 'waitlisted'
GROUP BY GROUPING SETS ((c.provider_id, e.course_id), (c.provider_id), ())
