CREATE TEMP TABLE bulk_firsts ON COMMIT DROP AS
SELECT DISTINCT ON (user_id, event_type) user_id, event_type, occurred_at, day,
       industry, prefecture, provider, segment, skill_area
FROM bulk_events WHERE event_type IN ('enrolled', 'course_completed', 'credential_issued')
ORDER BY user_id, event_type, xact_id, id
