INSERT INTO programme_achievements (programme_id, user_id, credential_id, achieved_at,
    prefecture, industry, skill_area, segment, provider)
SELECT a.programme_id, a.user_id, a.credential_id::uuid, a.achieved_at, a.prefecture, a.industry, a.skill_area, a.segment, a.provider
FROM (/*{achievements:programme}*/) a
RETURNING programme_id, user_id, credential_id, achieved_at, prefecture, industry, skill_area, segment, provider
