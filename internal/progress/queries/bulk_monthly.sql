INSERT INTO progress_monthly (programme_id, d1, d2, month, v1, v2, learners)
SELECT programme_id, /*{rollup_key_month}*/, sum(n)
FROM (SELECT programme_id, date_trunc('month', achieved_at AT TIME ZONE 'Asia/Tokyo')::date AS month,
             industry, prefecture, provider, segment, skill_area, n FROM bulk_changes) x
GROUP BY programme_id, month, /*{grouping_sets}*/
HAVING sum(n) <> 0
ON CONFLICT (programme_id, d1, d2, month, v1, v2) DO UPDATE SET learners = progress_monthly.learners + EXCLUDED.learners
