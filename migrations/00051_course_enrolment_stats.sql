-- Issue 20: the course analytics summary without reading every enrolment
-- of the course (sql/analytics_summary_full.sql is what it replaces).
--
-- course_enrolment_stats keeps, per course, its enrolments by status and
-- how many completed ones have completed_at set (the rows the median is
-- taken over). course_activity_days keeps, per course and UTC day, how
-- many people have their latest activity in the course (the greatest
-- last_activity_at over all their enrolments in it) on that day: the
-- active learners since a moment are the days after that moment's day plus
-- the people of that day itself counted through
-- enrolments_course_activity_idx (one day's rows). The median time to
-- complete reads the middle row(s) of enrolments_course_completion_idx.
--
-- Kept by statement triggers on enrolments (owner: internal/learning),
-- in the transaction of every insert, update and delete, whichever code or
-- script makes it: one upsert per course (and per changed day) and
-- statement, so a bulk enrolment of 100,000 people is one write, and an
-- update that changes no counted value (the player's last activity within
-- the same day) writes nothing.
-- +goose Up
CREATE TABLE course_enrolment_stats (
    course_id  uuid PRIMARY KEY REFERENCES courses(id) ON DELETE CASCADE,
    enrolments bigint NOT NULL DEFAULT 0,
    active     bigint NOT NULL DEFAULT 0,
    waitlisted bigint NOT NULL DEFAULT 0,
    completed  bigint NOT NULL DEFAULT 0,
    withdrawn  bigint NOT NULL DEFAULT 0,
    -- completed with completed_at set: the median's rows
    timed      bigint NOT NULL DEFAULT 0
);

CREATE TABLE course_activity_days (
    course_id uuid NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    day       date NOT NULL, -- UTC
    learners  bigint NOT NULL,
    PRIMARY KEY (course_id, day)
);

-- The people of the boundary day, and the median's middle rows.
CREATE INDEX enrolments_course_activity_idx ON enrolments (course_id, last_activity_at) INCLUDE (user_id);
CREATE INDEX enrolments_course_completion_idx ON enrolments
    (course_id, (extract(epoch FROM completed_at - enrolled_at)::float8)) INCLUDE (enrolled_at, completed_at)
    WHERE status = 'completed' AND completed_at IS NOT NULL;

-- +goose StatementBegin
-- course_stats_change applies one statement's change of enrolments: olds
-- as they were (updated or deleted rows), news as they are (inserted or
-- updated rows). Called after the statement, so enrolments holds news.
CREATE FUNCTION course_stats_change(olds enrolments[], news enrolments[]) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO course_enrolment_stats AS s (course_id, enrolments, active, waitlisted, completed, withdrawn, timed)
    SELECT * FROM (
        SELECT d.course_id, sum(d.sign) AS enrolments,
               sum(CASE WHEN d.status = 'active' THEN d.sign ELSE 0 END) AS active,
               sum(CASE WHEN d.status = 'waitlisted' THEN d.sign ELSE 0 END) AS waitlisted,
               sum(CASE WHEN d.status = 'completed' THEN d.sign ELSE 0 END) AS completed,
               sum(CASE WHEN d.status = 'withdrawn' THEN d.sign ELSE 0 END) AS withdrawn,
               sum(CASE WHEN d.status = 'completed' AND d.completed_at IS NOT NULL THEN d.sign ELSE 0 END) AS timed
        FROM (SELECT o.course_id, o.status, o.completed_at, -1 AS sign FROM unnest(olds) o
              UNION ALL
              SELECT n.course_id, n.status, n.completed_at, 1 FROM unnest(news) n) d
        GROUP BY d.course_id) c
    WHERE (c.enrolments, c.active, c.waitlisted, c.completed, c.withdrawn, c.timed) <> (0, 0, 0, 0, 0, 0)
    ORDER BY c.course_id -- every writer locks counter rows in one order: no deadlock between two
    ON CONFLICT (course_id) DO UPDATE SET
        enrolments = s.enrolments + excluded.enrolments,
        active = s.active + excluded.active,
        waitlisted = s.waitlisted + excluded.waitlisted,
        completed = s.completed + excluded.completed,
        withdrawn = s.withdrawn + excluded.withdrawn,
        timed = s.timed + excluded.timed;

    -- Each (course, person) touched: their latest activity in the course
    -- before the statement (the rows it did not write, plus olds) and
    -- after it; a change of its UTC day moves them between days.
    WITH o AS (SELECT * FROM unnest(olds)),
    n AS (SELECT * FROM unnest(news)),
    pairs AS (SELECT course_id, user_id FROM o UNION SELECT course_id, user_id FROM n),
    cur AS (SELECT e.id, e.course_id, e.user_id, e.last_activity_at
            FROM pairs p JOIN enrolments e ON e.user_id = p.user_id AND e.course_id = p.course_id),
    after AS (SELECT course_id, user_id, max(last_activity_at) AS t FROM cur GROUP BY 1, 2),
    before AS (SELECT course_id, user_id, max(last_activity_at) AS t FROM (
                   SELECT course_id, user_id, last_activity_at FROM cur WHERE id NOT IN (SELECT id FROM n)
                   UNION ALL
                   SELECT course_id, user_id, last_activity_at FROM o) x
               GROUP BY 1, 2),
    moved AS (SELECT p.course_id, (b.t AT TIME ZONE 'UTC')::date AS was, (a.t AT TIME ZONE 'UTC')::date AS now
              FROM pairs p
              LEFT JOIN before b ON b.course_id = p.course_id AND b.user_id = p.user_id
              LEFT JOIN after a ON a.course_id = p.course_id AND a.user_id = p.user_id)
    INSERT INTO course_activity_days AS s (course_id, day, learners)
    SELECT m.course_id, v.day, sum(v.sign)
    FROM moved m CROSS JOIN LATERAL (VALUES (m.was, -1), (m.now, 1)) v(day, sign)
    WHERE m.was IS DISTINCT FROM m.now AND v.day IS NOT NULL
    GROUP BY 1, 2
    HAVING sum(v.sign) <> 0
    ORDER BY 1, 2
    ON CONFLICT (course_id, day) DO UPDATE SET learners = s.learners + excluded.learners;
END;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION course_stats_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM course_stats_change('{}', (SELECT COALESCE(array_agg(x::enrolments), '{}') FROM n x));
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
-- +goose StatementBegin
-- Only the rows whose counted values changed (course, person, status,
-- completion time set or not, UTC day of the last activity) go on: the
-- player's updates of last activity within a day, and updates of no row,
-- end here.
CREATE FUNCTION course_stats_update() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    olds enrolments[];
    news enrolments[];
BEGIN
    -- (a row IS NOT NULL only when all its fields are: test the ids)
    SELECT array_agg(x.o) FILTER (WHERE x.oid IS NOT NULL), array_agg(x.n) FILTER (WHERE x.nid IS NOT NULL)
    INTO olds, news
    FROM (SELECT a::enrolments AS o, a.id AS oid, b::enrolments AS n, b.id AS nid
          FROM o a FULL JOIN n b ON b.id = a.id
          WHERE a.id IS NULL OR b.id IS NULL
             OR (a.course_id, a.user_id, a.status, a.completed_at IS NULL, (a.last_activity_at AT TIME ZONE 'UTC')::date)
                IS DISTINCT FROM
                (b.course_id, b.user_id, b.status, b.completed_at IS NULL, (b.last_activity_at AT TIME ZONE 'UTC')::date)) x;
    IF olds IS NOT NULL OR news IS NOT NULL THEN
        PERFORM course_stats_change(COALESCE(olds, '{}'), COALESCE(news, '{}'));
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION course_stats_delete() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM course_stats_change((SELECT COALESCE(array_agg(x::enrolments), '{}') FROM o x), '{}');
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION course_stats_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM course_enrolment_stats;
    DELETE FROM course_activity_days;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER course_stats_insert AFTER INSERT ON enrolments
    REFERENCING NEW TABLE AS n FOR EACH STATEMENT EXECUTE FUNCTION course_stats_insert();
CREATE TRIGGER course_stats_update AFTER UPDATE ON enrolments
    REFERENCING OLD TABLE AS o NEW TABLE AS n FOR EACH STATEMENT EXECUTE FUNCTION course_stats_update();
CREATE TRIGGER course_stats_delete AFTER DELETE ON enrolments
    REFERENCING OLD TABLE AS o FOR EACH STATEMENT EXECUTE FUNCTION course_stats_delete();
CREATE TRIGGER course_stats_truncate AFTER TRUNCATE ON enrolments
    FOR EACH STATEMENT EXECUTE FUNCTION course_stats_truncate();

-- What was there before.
INSERT INTO course_enrolment_stats (course_id, enrolments, active, waitlisted, completed, withdrawn, timed)
SELECT course_id, count(*), count(*) FILTER (WHERE status = 'active'), count(*) FILTER (WHERE status = 'waitlisted'),
       count(*) FILTER (WHERE status = 'completed'), count(*) FILTER (WHERE status = 'withdrawn'),
       count(*) FILTER (WHERE status = 'completed' AND completed_at IS NOT NULL)
FROM enrolments GROUP BY course_id;
INSERT INTO course_activity_days (course_id, day, learners)
SELECT course_id, (t AT TIME ZONE 'UTC')::date, count(*)
FROM (SELECT course_id, user_id, max(last_activity_at) AS t FROM enrolments GROUP BY 1, 2) x
WHERE t IS NOT NULL
GROUP BY 1, 2;
ANALYZE course_enrolment_stats, course_activity_days;

-- +goose Down
DROP TRIGGER course_stats_truncate ON enrolments;
DROP TRIGGER course_stats_delete ON enrolments;
DROP TRIGGER course_stats_update ON enrolments;
DROP TRIGGER course_stats_insert ON enrolments;
DROP FUNCTION course_stats_truncate();
DROP FUNCTION course_stats_delete();
DROP FUNCTION course_stats_update();
DROP FUNCTION course_stats_insert();
DROP FUNCTION course_stats_change(enrolments[], enrolments[]);
DROP INDEX enrolments_course_completion_idx;
DROP INDEX enrolments_course_activity_idx;
DROP TABLE course_activity_days;
DROP TABLE course_enrolment_stats;
