-- roster_courses_full: the course list the roster read before migration
-- 00048, kept for TestRosterReadModelMatchesFullQuery. roster_courses: the courses of the enrolments organisation org's admin
-- may see on its roster (the same rule as roster_rows), for the course
-- filter: the courses it enrolled people in (enrolments_org_course_idx) and
-- those its members enrolled in themselves (their enrolments, by person),
-- never a pass over every enrolment in the country.
SELECT c.id, c.code, c.title_ja, c.title_en
FROM courses c
WHERE c.id IN (
    SELECT e.course_id FROM enrolments e WHERE e.org_id = @org
    UNION
    SELECT e.course_id FROM memberships m JOIN enrolments e ON e.user_id = m.user_id AND e.org_id IS NULL
    WHERE m.org_id = @org
    UNION
    -- and the courses of the people it enrolled in bulk who have no account yet
    SELECT pe.course_id FROM pending_enrolments pe WHERE pe.org_id = @org)
ORDER BY c.title_ja, c.code
