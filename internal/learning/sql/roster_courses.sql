-- roster_courses: the courses of the enrolments organisation org's admin
-- may see on its roster (the same rule as roster_rows), for the course
-- filter.
SELECT DISTINCT c.id, c.code, c.title_ja, c.title_en
FROM enrolments e
JOIN courses c ON c.id = e.course_id
WHERE e.org_id = @org
   OR (e.org_id IS NULL AND EXISTS (SELECT 1 FROM memberships m WHERE m.org_id = @org AND m.user_id = e.user_id))
ORDER BY c.title_ja, c.code
