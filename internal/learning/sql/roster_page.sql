-- roster_page: the columns of learning.RosterRow for the rows chosen by
-- roster_rows.sql (already ordered and limited, as r): the course's titles
-- and estimate, an invited person's open invitation and when they were
-- invited, and the machine-speed attempts (roster_machine.sql) — joined
-- for the page's rows only.
SELECT r.user_id, r.display_name, r.email, r.is_member, r.awaiting_consent,
       r.enrolment_id, r.course_id, c.title_ja, c.title_en,
       r.status, r.progress_percent, r.enrolled_at, r.completed_at, r.last_activity_at,
       c.estimated_hours::float8 AS estimated_hours,
       extract(epoch FROM r.completed_at - r.enrolled_at)::float8 AS completion_seconds,
       r.fast AS fast_completion,
       i.id AS invitation_id,
       CASE WHEN r.user_id IS NULL THEN COALESCE(i.created_at, pe.created_at) END AS invited_at,
       COALESCE(ma.attempts, 0) AS machine_attempts, ma.seconds AS fastest_seconds, ma.questions AS fastest_questions
FROM (%s) r
LEFT JOIN courses c ON c.id = r.course_id
LEFT JOIN pending_enrolments pe ON r.user_id IS NULL AND pe.org_id = r.org_id AND pe.email = r.email AND pe.course_id = r.course_id
LEFT JOIN invitations i ON r.user_id IS NULL AND i.org_id = r.org_id AND i.email = r.email
     AND i.accepted_at IS NULL AND i.revoked_at IS NULL
-- Only for rows with the machine-speed flag (roster_entries.machine):
-- every other row's attempts are not read at all (OFFSET 0 keeps the
-- planner from flattening the condition to after the join).
LEFT JOIN LATERAL (SELECT m.* FROM (SELECT r.enrolment_id, r.awaiting_consent WHERE r.machine OFFSET 0) r
                   CROSS JOIN LATERAL (%s) m) ma ON true
