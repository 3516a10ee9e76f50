INSERT INTO learner_activity (user_id, prefecture, industry, segment,
    first_enrolled_at, first_completed_at, first_credentialed_at, last_active_at)
SELECT l.user_id, l.prefecture, l.industry, l.segment,
       coalesce(la.first_enrolled_at, fe.occurred_at), coalesce(la.first_completed_at, fc.occurred_at),
       coalesce(la.first_credentialed_at, fr.occurred_at), greatest(la.last_active_at, m.last_active)
FROM (SELECT DISTINCT ON (user_id) user_id, prefecture, industry, segment FROM bulk_events
      ORDER BY user_id, xact_id DESC, id DESC) l
JOIN (SELECT user_id, max(occurred_at) AS last_active FROM bulk_events GROUP BY user_id) m ON m.user_id = l.user_id
LEFT JOIN learner_activity la ON la.user_id = l.user_id
LEFT JOIN bulk_firsts fe ON fe.user_id = l.user_id AND fe.event_type = 'enrolled'
LEFT JOIN bulk_firsts fc ON fc.user_id = l.user_id AND fc.event_type = 'course_completed'
LEFT JOIN bulk_firsts fr ON fr.user_id = l.user_id AND fr.event_type = 'credential_issued'
ON CONFLICT (user_id) DO UPDATE SET prefecture = EXCLUDED.prefecture, industry = EXCLUDED.industry,
segment = EXCLUDED.segment, first_enrolled_at = EXCLUDED.first_enrolled_at,
first_completed_at = EXCLUDED.first_completed_at, first_credentialed_at = EXCLUDED.first_credentialed_at,
last_active_at = EXCLUDED.last_active_at
