-- Issue 20: two pages whose cost grew with the organisation or course.
--
-- 1. A training provider's list of issued credentials
--    (/org/<provider>/credentials, credential.ListIssued) counted the
--    provider's credentials with count(*) and paged with OFFSET. Now
--    provider_credential_counts keeps each provider's number of issued
--    credentials (revoked ones included: the list shows them), kept by
--    statement triggers on credentials (owner: internal/credential) in the
--    transaction of every insert, update and delete, one upsert per
--    provider and statement; and credentials_provider_order gives the list's
--    order (newest first, then id) so a page starts after (or before) the
--    previous page's last (or first) row by key instead of skipping rows.
--
-- 2. Course analytics' median time to complete read the middle row(s) of
--    enrolments_course_completion_idx through OFFSET: half the course's
--    timed completions per view. Now two kept tables hold the completions
--    with completed_at set, by duration in seconds (the value
--    percentile_cont orders, extract(epoch FROM completed_at - enrolled_at)):
--    course_duration_buckets counts them per course and duration bucket
--    (enrolment_duration_bucket: 16 buckets per doubling of the duration,
--    about 4.4 % wide), course_duration_values per course and exact
--    duration (a row per distinct value, so ties are one row). Both are
--    kept by the same statement triggers as course_enrolment_stats (00051).
--    The median sums the course's bucket counts in order (one row per
--    non-empty bucket: at most a few hundred, however many learners) to
--    find the bucket holding each middle rank, then sums that bucket's
--    value counts in order (one row per distinct duration in it) to find
--    the value. Exact: the same values percentile_cont(0.5) takes
--    (TestAnalyticsCountersMatchRecount compares them after every change).
--    enrolments_course_completion_idx, which only the median read, goes.
-- +goose Up
CREATE TABLE provider_credential_counts (
    provider_id uuid PRIMARY KEY REFERENCES organisations(id) ON DELETE CASCADE,
    credentials bigint NOT NULL
);

CREATE INDEX credentials_provider_order ON credentials (provider_id, issued_at DESC, id DESC);
DROP INDEX credentials_provider; -- (provider_id, issued_at DESC): a prefix of the new one

-- +goose StatementBegin
CREATE FUNCTION provider_credential_counts_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- One upsert per provider, in one order (no deadlock between two
    -- writers); credentials without a provider are not counted. Each
    -- branch reads only the transition tables its event has.
    IF TG_OP = 'INSERT' THEN
        INSERT INTO provider_credential_counts AS c (provider_id, credentials)
        SELECT n.provider_id, count(*) FROM n WHERE n.provider_id IS NOT NULL GROUP BY 1 ORDER BY 1
        ON CONFLICT (provider_id) DO UPDATE SET credentials = c.credentials + excluded.credentials;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO provider_credential_counts AS c (provider_id, credentials)
        SELECT o.provider_id, -count(*) FROM o JOIN organisations x ON x.id = o.provider_id GROUP BY 1 ORDER BY 1
        ON CONFLICT (provider_id) DO UPDATE SET credentials = c.credentials + excluded.credentials;
    ELSE
        INSERT INTO provider_credential_counts AS c (provider_id, credentials)
        SELECT d.provider_id, sum(d.sign) FROM (
            SELECT provider_id, -1 AS sign FROM o UNION ALL SELECT provider_id, 1 FROM n) d
        JOIN organisations x ON x.id = d.provider_id
        GROUP BY 1 HAVING sum(d.sign) <> 0 ORDER BY 1
        ON CONFLICT (provider_id) DO UPDATE SET credentials = c.credentials + excluded.credentials;
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER provider_credential_counts_insert AFTER INSERT ON credentials
    REFERENCING NEW TABLE AS n FOR EACH STATEMENT EXECUTE FUNCTION provider_credential_counts_change();
CREATE TRIGGER provider_credential_counts_update AFTER UPDATE ON credentials
    REFERENCING OLD TABLE AS o NEW TABLE AS n FOR EACH STATEMENT EXECUTE FUNCTION provider_credential_counts_change();
CREATE TRIGGER provider_credential_counts_delete AFTER DELETE ON credentials
    REFERENCING OLD TABLE AS o FOR EACH STATEMENT EXECUTE FUNCTION provider_credential_counts_change();

-- What was there before.
INSERT INTO provider_credential_counts (provider_id, credentials)
SELECT provider_id, count(*) FROM credentials WHERE provider_id IS NOT NULL GROUP BY 1;

-- The duration bucket of a completion taking the given seconds: 16 per
-- doubling of (1 + seconds), negative durations (completed before the
-- recorded enrolment) mirrored below zero. Monotonic in seconds, so the
-- buckets in order hold the completions in order of duration.
-- +goose StatementBegin
CREATE FUNCTION enrolment_duration_bucket(seconds float8) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
    SELECT CASE WHEN seconds >= 0 THEN floor(16 * ln(1 + seconds) / ln(2::float8))::integer
                ELSE -1 - floor(16 * ln(1 - seconds) / ln(2::float8))::integer END
$$;
-- +goose StatementEnd

CREATE TABLE course_duration_buckets (
    course_id   uuid NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    bucket      integer NOT NULL,
    completions bigint NOT NULL,
    PRIMARY KEY (course_id, bucket)
);

CREATE TABLE course_duration_values (
    course_id   uuid NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    bucket      integer NOT NULL, -- enrolment_duration_bucket(seconds)
    seconds     float8 NOT NULL,
    completions bigint NOT NULL,  -- rows at zero are removed
    PRIMARY KEY (course_id, bucket, seconds)
);

DROP INDEX enrolments_course_completion_idx; -- only the median read it

-- +goose StatementBegin
-- course_stats_change applies one statement's change of enrolments: olds
-- as they were (updated or deleted rows), news as they are (inserted or
-- updated rows). Called after the statement, so enrolments holds news.
CREATE OR REPLACE FUNCTION course_stats_change(olds enrolments[], news enrolments[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    changed course_duration_values[];
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

    -- The completions with completed_at set, per duration bucket and per
    -- exact duration; a duration no longer taken goes.
    WITH d AS (
        SELECT o.course_id, extract(epoch FROM o.completed_at - o.enrolled_at)::float8 AS seconds, -1 AS sign
        FROM unnest(olds) o WHERE o.status = 'completed' AND o.completed_at IS NOT NULL
        UNION ALL
        SELECT n.course_id, extract(epoch FROM n.completed_at - n.enrolled_at)::float8, 1
        FROM unnest(news) n WHERE n.status = 'completed' AND n.completed_at IS NOT NULL)
    SELECT array_agg(ROW(k.course_id, k.bucket, k.seconds, k.completions)::course_duration_values)
    INTO changed
    FROM (SELECT d.course_id, enrolment_duration_bucket(d.seconds) AS bucket, d.seconds, sum(d.sign) AS completions
          FROM d GROUP BY 1, 3 HAVING sum(d.sign) <> 0) k;
    IF changed IS NOT NULL THEN
        INSERT INTO course_duration_buckets AS s (course_id, bucket, completions)
        SELECT c.course_id, c.bucket, sum(c.completions) FROM unnest(changed) c
        GROUP BY 1, 2 HAVING sum(c.completions) <> 0
        ORDER BY 1, 2
        ON CONFLICT (course_id, bucket) DO UPDATE SET completions = s.completions + excluded.completions;
        INSERT INTO course_duration_values AS s (course_id, bucket, seconds, completions)
        SELECT c.course_id, c.bucket, c.seconds, c.completions FROM unnest(changed) c
        ORDER BY 1, 2, 3
        ON CONFLICT (course_id, bucket, seconds) DO UPDATE SET completions = s.completions + excluded.completions;
        DELETE FROM course_duration_values v USING unnest(changed) c
        WHERE v.course_id = c.course_id AND v.bucket = c.bucket AND v.seconds = c.seconds AND v.completions = 0;
    END IF;
END;
$$;
-- +goose StatementEnd
-- +goose StatementBegin
-- Only the rows whose counted values changed (course, person, status,
-- completion time set or not, UTC day of the last activity, duration)
-- go on: the player's updates of last activity within a day, and
-- updates of no row, end here.
CREATE OR REPLACE FUNCTION course_stats_update() RETURNS trigger LANGUAGE plpgsql AS $$
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
             OR (a.course_id, a.user_id, a.status, a.completed_at IS NULL, (a.last_activity_at AT TIME ZONE 'UTC')::date,
                 extract(epoch FROM a.completed_at - a.enrolled_at)::float8)
                IS DISTINCT FROM
                (b.course_id, b.user_id, b.status, b.completed_at IS NULL, (b.last_activity_at AT TIME ZONE 'UTC')::date,
                 extract(epoch FROM b.completed_at - b.enrolled_at)::float8)) x;
    IF olds IS NOT NULL OR news IS NOT NULL THEN
        PERFORM course_stats_change(COALESCE(olds, '{}'), COALESCE(news, '{}'));
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION course_stats_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM course_enrolment_stats;
    DELETE FROM course_activity_days;
    DELETE FROM course_duration_buckets;
    DELETE FROM course_duration_values;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

-- What was there before.
INSERT INTO course_duration_buckets (course_id, bucket, completions)
SELECT course_id, enrolment_duration_bucket(extract(epoch FROM completed_at - enrolled_at)::float8), count(*)
FROM enrolments WHERE status = 'completed' AND completed_at IS NOT NULL
GROUP BY 1, 2;
INSERT INTO course_duration_values (course_id, bucket, seconds, completions)
SELECT course_id, enrolment_duration_bucket(s), s, count(*)
FROM (SELECT course_id, extract(epoch FROM completed_at - enrolled_at)::float8 AS s
      FROM enrolments WHERE status = 'completed' AND completed_at IS NOT NULL) x
GROUP BY 1, 3;
ANALYZE provider_credential_counts, course_duration_buckets, course_duration_values;

-- +goose Down
-- +goose StatementBegin
-- course_stats_change applies one statement's change of enrolments: olds
-- as they were (updated or deleted rows), news as they are (inserted or
-- updated rows). Called after the statement, so enrolments holds news.
CREATE OR REPLACE FUNCTION course_stats_change(olds enrolments[], news enrolments[]) RETURNS void LANGUAGE plpgsql AS $$
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
-- Only the rows whose counted values changed (course, person, status,
-- completion time set or not, UTC day of the last activity) go on: the
-- player's updates of last activity within a day, and updates of no row,
-- end here.
CREATE OR REPLACE FUNCTION course_stats_update() RETURNS trigger LANGUAGE plpgsql AS $$
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
CREATE OR REPLACE FUNCTION course_stats_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM course_enrolment_stats;
    DELETE FROM course_activity_days;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE INDEX enrolments_course_completion_idx ON enrolments
    (course_id, (extract(epoch FROM completed_at - enrolled_at)::float8)) INCLUDE (enrolled_at, completed_at)
    WHERE status = 'completed' AND completed_at IS NOT NULL;
DROP TABLE course_duration_values;
DROP TABLE course_duration_buckets;
DROP FUNCTION enrolment_duration_bucket(float8);
DROP TRIGGER provider_credential_counts_delete ON credentials;
DROP TRIGGER provider_credential_counts_update ON credentials;
DROP TRIGGER provider_credential_counts_insert ON credentials;
DROP FUNCTION provider_credential_counts_change();
CREATE INDEX credentials_provider ON credentials (provider_id, issued_at DESC);
DROP INDEX credentials_provider_order;
DROP TABLE provider_credential_counts;
