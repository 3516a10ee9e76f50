-- roster_head: what a roster page reads before its rows, in one statement
-- (issue 20, docs/performance.md "Roster and analytics CPU per request"
-- and "Roster: one statement per filter shape"): organisation org if
-- viewer is one of its admins (no row otherwise), the courses of its
-- roster for the course filter (the first verb: roster_courses.sql, as
-- JSON in its order), the page's counts (the second:
-- learning.rosterCountQuery — kept, or a search's
-- bounded count) and the organisation's rows (roster_counts), from which
-- learning.rosterShapeFor picks how the page reads its rows. Filled in
-- by learning.rosterHead.
SELECT o.id, o.name_ja, o.name_en,
       (SELECT COALESCE(json_agg(json_build_object('ID', c.id, 'Code', c.code, 'TitleJa', c.title_ja, 'TitleEn', c.title_en)
                                 ORDER BY c.title_ja, c.code), '[]')
        FROM (%s
        ) c) AS courses,
       n.total_rows, n.people,
       (SELECT oc.rows FROM roster_counts oc WHERE oc.org_id = o.id) AS org_rows
FROM organisations o
JOIN memberships m ON m.org_id = o.id AND m.user_id = @viewer AND m.role = 'admin'
CROSS JOIN LATERAL (%s
) n
WHERE o.id = @org
