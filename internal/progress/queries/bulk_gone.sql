DELETE FROM programme_achievements b USING bulk_users u
WHERE b.user_id = u.user_id
  AND NOT EXISTS (SELECT 1 FROM bulk_ach a WHERE a.programme_id = b.programme_id AND a.user_id = b.user_id)
