INSERT INTO activity_rollup (metric, d1, d2, day, v1, v2, n)
SELECT metric, /*{rollup_key_day}*/, count(*)
FROM (SELECT CASE event_type WHEN 'enrolled' THEN 'enrolments' WHEN 'course_completed' THEN 'completions'
             WHEN 'credential_issued' THEN 'credentials' WHEN 'credential_revoked' THEN 'revocations'
             WHEN 'partner_credential_counted' THEN 'partner_credentials'
             WHEN 'partner_credential_revoked' THEN 'partner_revocations'
             ELSE 'withdrawals' END AS metric, day, industry, prefecture, provider, segment, skill_area
      FROM bulk_events
      WHERE event_type IN ('enrolled', 'course_completed', 'credential_issued', 'credential_revoked', 'withdrawn',
                           'partner_credential_counted', 'partner_credential_revoked')
      UNION ALL
      SELECT CASE f.event_type WHEN 'enrolled' THEN 'learners_enrolled' WHEN 'course_completed' THEN 'learners_completed'
             ELSE 'learners_credentialed' END, f.day, f.industry, f.prefecture, f.provider, f.segment, f.skill_area
      FROM bulk_firsts f LEFT JOIN learner_activity la ON la.user_id = f.user_id
      WHERE CASE f.event_type WHEN 'enrolled' THEN la.first_enrolled_at WHEN 'course_completed' THEN la.first_completed_at
            ELSE la.first_credentialed_at END IS NULL) x
GROUP BY metric, day, /*{grouping_sets}*/
ON CONFLICT (metric, d1, d2, day, v1, v2) DO UPDATE SET n = activity_rollup.n + EXCLUDED.n
