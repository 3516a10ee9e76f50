-- grouping(p, i, sg): 3 = by prefecture, 5 = by industry, 6 = by segment, 7 = total.
SELECT CASE grouping(p, i, sg) WHEN 3 THEN 'prefecture' WHEN 5 THEN 'industry' WHEN 6 THEN 'segment' ELSE '' END AS dim,
       month,
       CASE grouping(p, i, sg) WHEN 3 THEN p WHEN 5 THEN i WHEN 6 THEN sg ELSE '' END AS value,
       count(*) AS n
FROM (SELECT date_trunc('month', created_at AT TIME ZONE 'Asia/Tokyo')::date AS month,
             coalesce(prefecture_code::text, '') AS p, coalesce(industry_code::text, '') AS i,
             coalesce(segment, '') AS sg FROM users) u
GROUP BY GROUPING SETS ((month), (month, p), (month, i), (month, sg))
