CREATE TEMP TABLE bulk_ach ON COMMIT DROP AS
SELECT programme_id, user_id, credential_id::uuid AS credential_id, achieved_at,
       prefecture, industry, skill_area, segment, provider
FROM (/*{achievements:bulk_users}*/) a
