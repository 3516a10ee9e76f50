-- roster_rows: the rows of organisation org's roster matching the filters,
-- read from its read model roster_entries (migration 00048: one row per
-- person × enrolment its admin may see, one empty row for a person without
-- any, one row per course for a person it enrolled in bulk who has no
-- account yet; consent withdrawn or not granted already hides progress
-- there). The visibility rules live in the migration's roster_person and
-- in sql/roster_rows_full.sql, the query this replaced;
-- TestRosterReadModelMatchesFullQuery keeps the two equal.
--
-- The caller adds ORDER BY (learning.rosterOrderBy: one index per sort key
-- and direction) and LIMIT, so a page reads its rows in index order
-- whatever the organisation's size.
--
-- Filters (each '' or false when unused): course (a uuid); status (an
-- enrolment status, or 'invited' for invited people: no enrolment status is
-- 'invited'); not_started (active or waitlisted with no activity and no
-- progress, and every invited person); search (an ILIKE pattern, already
-- escaped) and search_key (the ILIKE pattern of its longest word, the
-- only part the trigram indexes are asked for: every trigram of a common
-- word such as 受講者 is in most rows, and the index would read all of
-- them; the whole pattern is then checked on the rows found, through an
-- expression no index matches); flagged (fast completion or a machine-speed attempt, consent
-- given — never an invited person).
SELECT r.* FROM roster_entries r
WHERE r.org_id = @org
  AND (@course = '' OR r.course_id = CAST(NULLIF(@course, '') AS uuid))
  AND (@status = '' OR r.status = @status)
  AND (NOT CAST(@not_started AS boolean) OR r.status = 'invited'
       OR (r.status IN ('active', 'waitlisted') AND r.last_activity_at IS NULL AND COALESCE(r.progress_percent, 0) = 0))
  AND (@search = '' OR r.display_name ILIKE @search_key ESCAPE '\' OR r.email ILIKE @search_key ESCAPE '\')
  AND (@search = '' OR (r.display_name || '') ILIKE @search ESCAPE '\' OR (r.email || '') ILIKE @search ESCAPE '\')
  AND (NOT CAST(@flagged AS boolean) OR r.flagged)
