-- The counting rule, used by the engine (for some
-- learners) and by Reconcile (for all): per programme and learner, the
-- earliest credential_issued event within the programme's dates (Tokyo
-- days, both ends included) that qualifies (its course is one of the
-- programme's courses, or its skill area one of the programme's areas) and
-- whose credential has not been revoked. A partner issuer's credential
-- counts the same way (partner_credential_counted, its skill area the one
-- the admin mapped its achievement to; internal/partner) until its
-- partner_credential_revoked event with the same credential_id.
SELECT DISTINCT ON (p.id, e.user_id)
       p.id AS programme_id, e.user_id, (e.details->>'credential_id') AS credential_id, e.occurred_at AS achieved_at,
       coalesce(e.prefecture, '') AS prefecture, coalesce(e.industry, '') AS industry,
       coalesce(e.skill_area, '') AS skill_area, coalesce(e.segment, '') AS segment, e.provider_id::text AS provider
FROM programmes p
JOIN learning_events e ON e.event_type IN ('credential_issued', 'partner_credential_counted')
     AND e.occurred_at >= (p.starts_on::timestamp AT TIME ZONE 'Asia/Tokyo')
     AND e.occurred_at < ((p.ends_on + 1)::timestamp AT TIME ZONE 'Asia/Tokyo')
     AND (e.skill_area = ANY (p.skill_areas) OR e.course_id = ANY (p.course_ids))
WHERE /*{filter}*/
  AND NOT EXISTS (SELECT 1 FROM learning_events r WHERE r.event_type IN ('credential_revoked', 'partner_credential_revoked')
                  AND r.user_id = e.user_id AND r.details->>'credential_id' = e.details->>'credential_id')
ORDER BY p.id, e.user_id, e.occurred_at, e.id
