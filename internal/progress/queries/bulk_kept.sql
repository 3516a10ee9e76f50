INSERT INTO programme_achievements (programme_id, user_id, credential_id, achieved_at,
    prefecture, industry, skill_area, segment, provider)
SELECT programme_id, user_id, credential_id, achieved_at, prefecture, industry, skill_area, segment, provider FROM bulk_ach
ON CONFLICT (programme_id, user_id) DO UPDATE SET credential_id = EXCLUDED.credential_id,
achieved_at = EXCLUDED.achieved_at, prefecture = EXCLUDED.prefecture, industry = EXCLUDED.industry,
skill_area = EXCLUDED.skill_area, segment = EXCLUDED.segment, provider = EXCLUDED.provider
WHERE (programme_achievements.credential_id, programme_achievements.achieved_at, programme_achievements.prefecture,
       programme_achievements.industry, programme_achievements.skill_area, programme_achievements.segment,
       programme_achievements.provider)
  IS DISTINCT FROM (EXCLUDED.credential_id, EXCLUDED.achieved_at, EXCLUDED.prefecture, EXCLUDED.industry,
       EXCLUDED.skill_area, EXCLUDED.segment, EXCLUDED.provider)
