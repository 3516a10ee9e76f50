-- roster_head: what a roster page reads before its rows, in one statement
-- (issue 20, docs/performance.md "Roster and analytics CPU per request"):
-- organisation org if viewer is one of its admins (no row otherwise), the
-- transaction's planner settings when the caller asks for them (the first
-- verb: set_config columns, or nothing), the courses of its roster for the
-- course filter (the second: roster_courses.sql, as JSON in its order) and
-- the page's counts (the third: learning.rosterCountQuery, or NULLs for a
-- search, counted after the settings). Filled in by learning.rosterHead.
SELECT o.id, o.name_ja, o.name_en%s,
       (SELECT COALESCE(json_agg(json_build_object('ID', c.id, 'Code', c.code, 'TitleJa', c.title_ja, 'TitleEn', c.title_en)
                                 ORDER BY c.title_ja, c.code), '[]')
        FROM (%s
        ) c) AS courses,
       n.total_rows, n.people
FROM organisations o
JOIN memberships m ON m.org_id = o.id AND m.user_id = @viewer AND m.role = 'admin'
CROSS JOIN LATERAL (%s
) n
WHERE o.id = @org
