-- Writes the rows of course_stats.sql (as JSON).
WITH s AS (
    SELECT * FROM json_to_recordset(?::json) AS x(course_id uuid, provider_id uuid, level int, courses bigint,
        enrolments bigint, completions bigint, median_seconds double precision, flagged_fast bigint)
), ins_courses AS (
    INSERT INTO course_stats (course_id, provider_id, enrolments, completions, median_seconds, flagged_fast, refreshed_at)
    SELECT s.course_id, s.provider_id, s.enrolments, s.completions, s.median_seconds, s.flagged_fast, now()
    FROM s JOIN courses c ON c.id = s.course_id WHERE s.level = 0
), ins_providers AS (
    INSERT INTO provider_stats (provider_id, courses, enrolments, completions, median_seconds, flagged_fast, refreshed_at)
    SELECT provider_id, courses, enrolments, completions, median_seconds, flagged_fast, now() FROM s WHERE level = 2
)
UPDATE ministry_stats_state st SET courses_refreshed_at = now(),
       enrolments = t.enrolments, completions = t.completions, median_seconds = t.median_seconds, flagged_fast = t.flagged_fast
FROM (SELECT enrolments, completions, median_seconds, flagged_fast FROM s WHERE level = 3) t
WHERE st.id = 1
