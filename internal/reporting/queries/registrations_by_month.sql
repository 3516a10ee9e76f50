-- grouping(p, i, sg): 3 = by prefecture, 5 = by industry, 6 = by segment, 7 = total.
-- The users are first counted by (month, prefecture, industry, segment) (a
-- few tens of thousands of groups at 1,000,000 learners), and the grouping
-- sets summed over those: grouping sets straight over the users sorted all
-- of them once per set (8.4 s at full scale, against 3.0 s).
SELECT CASE grouping(p, i, sg) WHEN 3 THEN 'prefecture' WHEN 5 THEN 'industry' WHEN 6 THEN 'segment' ELSE '' END AS dim,
       month,
       CASE grouping(p, i, sg) WHEN 3 THEN p WHEN 5 THEN i WHEN 6 THEN sg ELSE '' END AS value,
       sum(n)::bigint AS n
FROM (SELECT date_trunc('month', created_at AT TIME ZONE 'Asia/Tokyo')::date AS month,
             coalesce(prefecture_code::text, '') AS p, coalesce(industry_code::text, '') AS i,
             coalesce(segment, '') AS sg, count(*) AS n
      FROM users GROUP BY 1, 2, 3, 4) u
GROUP BY GROUPING SETS ((month), (month, p), (month, i), (month, sg))
