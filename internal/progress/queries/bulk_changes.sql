CREATE TEMP TABLE bulk_changes ON COMMIT DROP AS
SELECT b.programme_id, b.achieved_at, b.industry, b.prefecture, b.provider, b.segment, b.skill_area, -1 AS n
FROM programme_achievements b JOIN bulk_users u ON u.user_id = b.user_id
WHERE NOT EXISTS (SELECT 1 FROM bulk_ach a WHERE /*{same_achievement}*/)
UNION ALL
SELECT a.programme_id, a.achieved_at, a.industry, a.prefecture, a.provider, a.segment, a.skill_area, 1
FROM bulk_ach a
WHERE NOT EXISTS (SELECT 1 FROM programme_achievements b WHERE /*{same_achievement}*/)
