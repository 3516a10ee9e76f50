-- roster_rows_full: the query the roster ran before its read model (migration
-- 00048); kept for TestRosterReadModelMatchesFullQuery, which compares
-- roster_entries with it after every change. roster_rows: the people of organisation org with the enrolments its
-- admin may see, one row per person × enrolment (a person without any such
-- enrolment has one row with empty enrolment columns), with the integrity
-- flags computed here so they are always right.
--
-- The organisation's people are its members and anyone it enrolled
-- (enrolments.org_id = org). A member's rows are the enrolments the
-- organisation made and the ones they made themselves; a person the
-- organisation enrolled but who is not a member shows only the
-- organisation's enrolments.
-- SECURITY: no other enrolment ever appears — in particular never one that
-- another organisation made, nor anything of a person who is neither a
-- member nor enrolled through org.
--
-- Flags:
--   fast_completion: completed in less than fast_share of the course's
--     estimated hours (completed_at − enrolled_at); a column comparison,
--     computed here.
--   machine attempts: submitted quiz attempts that took less than
--     machine_seconds seconds per question (questions = keys of results),
--     per quiz_seconds_per_question (migration 00023). They are counted by
--     roster_machine.sql only for the rows a page shows; the "flagged only"
--     filter finds the enrolments having one through the index on that
--     function (quiz_attempts_pace_idx), never by scanning every attempt.
--
-- Consent (issue 15 finding 2): awaiting_consent is true for a person who
-- is not a member and has not granted org's request (progress_consents), or
-- who withdrew consent. SECURITY: their row keeps name, email and course
-- (what org itself entered) and shows nothing of their progress: status,
-- progress, completion, last activity and flags are NULL/false, and the
-- status and flagged filters never match on them.
--
-- Filters (each '' or false when unused): course (a uuid), status,
-- search (an ILIKE pattern, already escaped), flagged.
SELECT * FROM (
    SELECT u.id AS user_id, u.display_name, u.email, p.is_member, ac.awaiting_consent,
           e.id AS enrolment_id, e.course_id, c.title_ja, c.title_en,
           CASE WHEN NOT ac.awaiting_consent THEN e.status END AS status,
           CASE WHEN NOT ac.awaiting_consent THEN e.progress_percent END AS progress_percent,
           e.enrolled_at,
           CASE WHEN NOT ac.awaiting_consent THEN e.completed_at END AS completed_at,
           CASE WHEN NOT ac.awaiting_consent THEN e.last_activity_at END AS last_activity_at,
           c.estimated_hours::float8 AS estimated_hours,
           CASE WHEN NOT ac.awaiting_consent THEN extract(epoch FROM e.completed_at - e.enrolled_at)::float8 END AS completion_seconds,
           COALESCE(NOT ac.awaiting_consent AND e.completed_at IS NOT NULL AND c.estimated_hours > 0
               AND extract(epoch FROM e.completed_at - e.enrolled_at)::float8 < c.estimated_hours::float8 * 3600 * CAST(@fast_share AS float8), false)
               AS fast_completion
    FROM (
        SELECT m.user_id, true AS is_member FROM memberships m WHERE m.org_id = @org
        UNION ALL
        SELECT DISTINCT oe.user_id, false FROM enrolments oe
        WHERE oe.org_id = @org
          AND NOT EXISTS (SELECT 1 FROM memberships mm WHERE mm.org_id = @org AND mm.user_id = oe.user_id)
    ) p
    JOIN users u ON u.id = p.user_id
    LEFT JOIN progress_consents pc ON pc.org_id = @org AND pc.user_id = p.user_id
    CROSS JOIN LATERAL (SELECT (pc.withdrawn_at IS NOT NULL OR (NOT p.is_member AND pc.granted_at IS NULL)) AS awaiting_consent) ac
    LEFT JOIN enrolments e ON e.user_id = p.user_id
        AND (e.org_id = @org OR (p.is_member AND e.org_id IS NULL))
    LEFT JOIN courses c ON c.id = e.course_id
    -- Enrolments with a machine-speed attempt, read only for "flagged only"
    -- (through quiz_attempts_pace_idx: a few rows, whatever the size).
    LEFT JOIN (
        SELECT DISTINCT qa.enrolment_id FROM quiz_attempts qa
        WHERE CAST(@flagged AS boolean) AND qa.submitted_at IS NOT NULL
          AND quiz_seconds_per_question(qa.started_at, qa.submitted_at, qa.results) < CAST(@machine_seconds AS float8)
    ) fl ON fl.enrolment_id = e.id
    WHERE (@course = '' OR e.course_id = CAST(NULLIF(@course, '') AS uuid))
      AND (@status = '' OR (e.status = @status AND NOT ac.awaiting_consent))
      AND (@search = '' OR u.display_name ILIKE @search ESCAPE '\' OR u.email ILIKE @search ESCAPE '\')
      AND (NOT CAST(@flagged AS boolean)
           OR (NOT ac.awaiting_consent
               AND (COALESCE(e.completed_at IS NOT NULL AND c.estimated_hours > 0
                   AND extract(epoch FROM e.completed_at - e.enrolled_at)::float8 < c.estimated_hours::float8 * 3600 * CAST(@fast_share AS float8), false)
                OR fl.enrolment_id IS NOT NULL)))
) r
