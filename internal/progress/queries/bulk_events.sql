CREATE TEMP TABLE bulk_events ON COMMIT DROP AS
SELECT xact_id, id, occurred_at, (occurred_at AT TIME ZONE 'Asia/Tokyo')::date AS day, event_type, user_id,
       coalesce(industry::text, '') AS industry, coalesce(prefecture::text, '') AS prefecture,
       provider_id::text AS provider, coalesce(segment, '') AS segment, coalesce(skill_area, '') AS skill_area
FROM learning_events
WHERE (xact_id, id) > (?::xid8, ?) AND (xact_id, id) <= (?::xid8, ?)
