-- roster_courses: the courses of organisation org's roster rows, for the
-- course filter: a skip scan of roster_entries_course_idx (one index probe
-- per course, not a pass over the organisation's rows), then the courses.
WITH RECURSIVE rc AS (
    (SELECT r.course_id FROM roster_entries r
     WHERE r.org_id = @org AND r.course_id IS NOT NULL ORDER BY r.course_id LIMIT 1)
    UNION ALL
    SELECT (SELECT r.course_id FROM roster_entries r
            WHERE r.org_id = @org AND r.course_id > rc.course_id ORDER BY r.course_id LIMIT 1)
    FROM rc WHERE rc.course_id IS NOT NULL
)
SELECT c.id, c.code, c.title_ja, c.title_en
FROM courses c
WHERE c.id IN (SELECT rc.course_id FROM rc WHERE rc.course_id IS NOT NULL)
ORDER BY c.title_ja, c.code
