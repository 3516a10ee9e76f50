-- grouping(p, i, sg): 3 = by prefecture, 5 = by industry, 6 = by segment, 7 = total.
SELECT CASE grouping(p, i, sg) WHEN 3 THEN 'prefecture' WHEN 5 THEN 'industry' WHEN 6 THEN 'segment' ELSE '' END AS dim,
       CASE grouping(p, i, sg) WHEN 3 THEN p WHEN 5 THEN i WHEN 6 THEN sg ELSE '' END AS value,
       count(*) AS n
FROM (SELECT prefecture AS p, industry AS i, segment AS sg FROM learner_activity
      WHERE last_active_at >= now() - make_interval(days => ?)) a
GROUP BY GROUPING SETS ((), (p), (i), (sg))
