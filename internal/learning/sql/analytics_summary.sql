-- analytics_summary: a course's enrolments by status, its active learners
-- (any activity since the given moment) and the median time from enrolment
-- to completion, in seconds, without reading every enrolment of the course
-- (migration 00051): the status counts from course_enrolment_stats; the
-- active learners as the people whose latest activity in the course falls
-- on a UTC day after the one of the moment (course_activity_days) plus those
-- whose latest activity is on that day but not before the moment (one day's
-- rows of enrolments_course_activity_idx); the median as percentile_cont
-- computes it, from the middle one or two durations: the kept completions
-- per duration bucket (course_duration_buckets, migration 00054) say which
-- bucket holds each middle rank, and the kept completions per exact
-- duration of that one bucket (course_duration_values) which duration has
-- it. Figures identical to
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
       (SELECT CASE WHEN count(*) = 1 THEN min(p.v) ELSE min(p.v) + 0.5::float8 * (max(p.v) - min(p.v)) END
        FROM (SELECT DISTINCT r.k FROM (VALUES ((s.timed - 1) / 2), (s.timed / 2)) r(k) WHERE s.timed > 0) r
        -- the bucket holding rank k (0-based) ...
        CROSS JOIN LATERAL (
            SELECT c.bucket, c.upto - c.completions AS before
            FROM (SELECT d.bucket, d.completions, sum(d.completions) OVER (ORDER BY d.bucket) AS upto
                  FROM (SELECT d.bucket, sum(d.completions) AS completions -- the slots (migration 00055)
                        FROM course_duration_buckets d WHERE d.course_id = @course GROUP BY d.bucket) d) c
            WHERE c.upto > r.k ORDER BY c.bucket LIMIT 1) bk
        -- ... and the duration of that rank inside it
        CROSS JOIN LATERAL (
            SELECT x.seconds AS v
            FROM (SELECT v.seconds, sum(v.completions) OVER (ORDER BY v.seconds) AS upto
                  FROM course_duration_values v WHERE v.course_id = @course AND v.bucket = bk.bucket) x
            WHERE x.upto > r.k - bk.before ORDER BY x.seconds LIMIT 1) p
       ) AS median_completion_seconds
FROM s, b
