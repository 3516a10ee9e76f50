INSERT INTO progress_rollup (programme_id, d1, d2, day, v1, v2, learners)
SELECT programme_id, /*{rollup_key_day}*/, sum(n)
FROM (SELECT programme_id, (achieved_at AT TIME ZONE 'Asia/Tokyo')::date AS day,
             industry, prefecture, provider, segment, skill_area, n FROM bulk_changes) x
GROUP BY programme_id, day, /*{grouping_sets}*/
HAVING sum(n) <> 0
ON CONFLICT (programme_id, d1, d2, day, v1, v2) DO UPDATE SET learners = progress_rollup.learners + EXCLUDED.learners
