-- analytics_summary_full: a course's enrolments by status, its active
-- learners (any activity since the given moment) and the median time from
-- enrolment to completion, in seconds, counted from every enrolment of the
-- course: what analytics_summary.sql reads from the counters of migration
-- 00051 (TestAnalyticsCountersMatchRecount compares the two). Aggregates
-- only: no person is named.
SELECT count(*) AS enrolments,
       count(*) FILTER (WHERE e.status = 'active') AS active,
       count(*) FILTER (WHERE e.status = 'waitlisted') AS waitlisted,
       count(*) FILTER (WHERE e.status = 'completed') AS completed,
       count(*) FILTER (WHERE e.status = 'withdrawn') AS withdrawn,
       count(DISTINCT e.user_id) FILTER (WHERE e.last_activity_at >= @since) AS active_learners,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM e.completed_at - e.enrolled_at)::float8)
           FILTER (WHERE e.status = 'completed' AND e.completed_at IS NOT NULL) AS median_completion_seconds
FROM enrolments e
WHERE e.course_id = @course
