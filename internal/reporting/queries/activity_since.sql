SELECT s.activity_full_at IS NULL OR s.activity_full_at < now() - make_interval(secs => ?) AS full,
(e.cursor_xact, e.cursor_id) < (s.activity_cursor_xact, s.activity_cursor_id) AS behind,
s.activity_cursor_xact::text AS from_xact, s.activity_cursor_id AS from_id,
e.cursor_xact::text AS to_xact, e.cursor_id AS to_id,
to_char(date_trunc('month', now() AT TIME ZONE 'Asia/Tokyo'), 'YYYY-MM-DD') AS this_month
FROM ministry_stats_state s, progress_engine_state e WHERE s.id = 1 AND e.id = 1
