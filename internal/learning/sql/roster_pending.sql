-- roster_pending (with roster_rows_full.sql, the roster before migration
-- 00048; kept for TestRosterReadModelMatchesFullQuery): the people organisation org enrolled in bulk who have no
-- account yet (pending_enrolments, written by internal/bulkenrol), one row
-- per person × course, in the columns of roster_rows (no user, no
-- enrolment, no progress: status 'invited'), then the open invitation
-- (invitations_open_key: at most one per person and organisation) and the
-- date they were invited (the invitation's, else the pending row's).
-- The columns are roster_rows.sql's, in its order, then the two above:
-- a column added there needs its NULL (or value) here.
-- Read only when the filters can show them (pending: no enrolment-status
-- filter, not "flagged only").
SELECT NULL::uuid AS user_id, p.display_name, p.email, false AS is_member, false AS awaiting_consent,
       NULL::uuid AS enrolment_id, p.course_id, c.title_ja, c.title_en,
       'invited'::text AS status, NULL::integer AS progress_percent,
       NULL::timestamptz AS enrolled_at, NULL::timestamptz AS completed_at, NULL::timestamptz AS last_activity_at,
       c.estimated_hours::float8 AS estimated_hours, NULL::float8 AS completion_seconds, false AS fast_completion,
       i.id AS invitation_id, COALESCE(i.created_at, p.created_at) AS invited_at
FROM pending_enrolments p
JOIN courses c ON c.id = p.course_id
LEFT JOIN invitations i ON i.org_id = p.org_id AND i.email = p.email
     AND i.accepted_at IS NULL AND i.revoked_at IS NULL
WHERE CAST(@pending AS boolean) AND p.org_id = @org
  AND (@course = '' OR p.course_id = CAST(NULLIF(@course, '') AS uuid))
  AND (@search = '' OR p.display_name ILIKE @search ESCAPE '\' OR p.email ILIKE @search ESCAPE '\')
