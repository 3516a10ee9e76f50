-- analytics_summary: a course's enrolments by status, its active learners
-- (any activity since the given moment) and the median time from enrolment
-- to completion, in seconds, without reading every enrolment of the course
-- (migration 00051): the status counts from course_enrolment_stats; the
-- active learners as the people whose latest activity in the course falls
-- on a UTC day after the one of the moment (course_activity_days) plus those
-- whose latest activity is on that day but not before the moment (one day's
-- rows of enrolments_course_activity_idx); the median as percentile_cont
-- computes it, from the middle one or two rows of
-- enrolments_course_completion_idx. Figures identical to
-- analytics_summary_full.sql (TestAnalyticsCountersMatchRecount).
-- Aggregates only: no person is named.
WITH b AS (
    SELECT CAST(@since AS timestamptz) AS since,
           ((CAST(@since AS timestamptz) AT TIME ZONE 'UTC')::date + 1)::timestamp AT TIME ZONE 'UTC' AS next,
           (CAST(@since AS timestamptz) AT TIME ZONE 'UTC')::date AS d0
), s AS ( -- the course's counter slots (migration 00055), summed
    SELECT COALESCE(sum(s.enrolments), 0)::bigint AS enrolments, COALESCE(sum(s.active), 0)::bigint AS active,
           COALESCE(sum(s.waitlisted), 0)::bigint AS waitlisted, COALESCE(sum(s.completed), 0)::bigint AS completed,
           COALESCE(sum(s.withdrawn), 0)::bigint AS withdrawn, COALESCE(sum(s.timed), 0)::bigint AS timed
    FROM course_enrolment_stats s WHERE s.course_id = @course
)
SELECT s.enrolments, s.active, s.waitlisted, s.completed, s.withdrawn,
       (SELECT COALESCE(sum(d.learners), 0) FROM course_activity_days d WHERE d.course_id = @course AND d.day > b.d0)
       + (SELECT count(DISTINCT e.user_id) FROM enrolments e
          WHERE e.course_id = @course AND e.last_activity_at >= b.since AND e.last_activity_at < b.next
            AND NOT EXISTS (SELECT 1 FROM enrolments x
                            WHERE x.course_id = @course AND x.user_id = e.user_id AND x.last_activity_at >= b.next)
         ) AS active_learners,
       (SELECT CASE WHEN s.timed % 2 = 1 THEN min(m.v) ELSE min(m.v) + 0.5::float8 * (max(m.v) - min(m.v)) END
        FROM (SELECT extract(epoch FROM e.completed_at - e.enrolled_at)::float8 AS v FROM enrolments e
              WHERE e.course_id = @course AND e.status = 'completed' AND e.completed_at IS NOT NULL
              ORDER BY 1 OFFSET (s.timed - 1) / 2 LIMIT 2 - s.timed % 2) m
       ) AS median_completion_seconds
FROM s, b
