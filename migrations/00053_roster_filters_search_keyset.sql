-- Issue 20: the roster's filtered counts, its name/address search and its
-- deep pages without work that grows with the organisation (the read
-- model of migration 00048; owner internal/learning).
--
-- 1. roster_filter_counts keeps, per organisation, the rows and people of
--    every filter the roster offers without a search: course (or every
--    course: the nil uuid) × status ('' for every status, an enrolment
--    status, 'invited', 'not_started') × flagged only (or not) — exactly
--    what count(*) and count(DISTINCT person) over roster_entries gave.
--    The unfiltered view stays in roster_counts (not repeated here).
--    Kept by statement triggers on roster_entries itself, so every path
--    that changes the model (roster_person, roster_invited, the in-place
--    updates, names, flags) keeps it in the same transaction; a person is
--    counted once per filter however many of their rows match (checked
--    against the person's own rows, a few index probes).
-- 2. Trigram indexes (pg_trgm) on display_name and email for the search
--    (ILIKE '%…%'). pg_trgm is a trusted extension (PostgreSQL 13+): the
--    database's owner may create it without being a superuser.
-- 3. The sort indexes are rebuilt over non-NULL ascending keys, so a page
--    can start after the previous page's last row with one row comparison
--    (keyset): the sort key (no value: last, in either direction; a
--    descending key turned ascending — progress negated, a time as its
--    distance to 3000-01-01), then display_name, email, user id (NULL: an
--    invited person, last), enrolment date (NULL last), and enrolment id,
--    else course id, else the greatest uuid — one row's unique position,
--    the same order as before (learning.rosterKeys). A page before a
--    cursor reads its index backwards.
-- +goose Up
CREATE EXTENSION IF NOT EXISTS pg_trgm;

CREATE TABLE roster_filter_counts (
    org_id    uuid NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    course_id uuid NOT NULL,    -- the nil uuid: every course
    status    text NOT NULL,    -- '': every status
    flagged   boolean NOT NULL, -- true: flagged rows only
    rows      bigint NOT NULL,
    people    bigint NOT NULL,
    PRIMARY KEY (org_id, course_id, status, flagged)
);

-- roster_filter_groups: the filters (other than none at all) whose counts
-- a roster row is part of — the conditions of sql/roster_rows.sql.
-- +goose StatementBegin
CREATE FUNCTION roster_filter_groups(course uuid, st text, flag boolean, last_activity timestamptz, progress integer)
RETURNS TABLE (course_key uuid, status_key text, flagged_key boolean) LANGUAGE sql IMMUTABLE AS $$
    SELECT c.k, s.k, f.k
    FROM (SELECT '00000000-0000-0000-0000-000000000000'::uuid UNION ALL SELECT course WHERE course IS NOT NULL) c(k)
    CROSS JOIN (SELECT '' UNION ALL SELECT st WHERE st IS NOT NULL
                UNION ALL SELECT 'not_started' WHERE st = 'invited'
                    OR (st IN ('active', 'waitlisted') AND last_activity IS NULL AND COALESCE(progress, 0) = 0)) s(k)
    CROSS JOIN (SELECT false UNION ALL SELECT true WHERE flag) f(k)
    WHERE NOT (c.k = '00000000-0000-0000-0000-000000000000'::uuid AND s.k = '' AND NOT f.k)
$$;
-- +goose StatementEnd

CREATE TYPE roster_filter_change AS (org_id uuid, user_id uuid, email text, course_id uuid, status text,
    flagged boolean, last_activity_at timestamptz, progress_percent integer, sign integer);

-- One filter's change of rows for one person (roster_filter_counts_apply).
CREATE TYPE roster_filter_delta AS (org_id uuid, user_id uuid, addr text, course_key uuid, status_key text,
    flagged_key boolean, delta bigint);

-- roster_filter_counts_apply moves the counts by the rows added (sign 1)
-- and removed (sign -1) by one statement on roster_entries, which has
-- already happened: a person's "people" count in a filter moves only when
-- their first row enters it or their last leaves it (their rows in the
-- filter now, read by their index). Most statements move nothing (a
-- heartbeat's last activity, a name, a person without enrolments joining)
-- and stop after the first query. Generic plans (planned once per
-- session): the plans do not depend on the values.
-- +goose StatementBegin
CREATE FUNCTION roster_filter_counts_apply(changes roster_filter_change[]) RETURNS void LANGUAGE plpgsql
SET plan_cache_mode = force_generic_plan AS $$
DECLARE
    deltas roster_filter_delta[];
BEGIN
    deltas := ARRAY(
        SELECT ROW(x.org_id, x.user_id, CASE WHEN x.user_id IS NULL THEN x.email END,
                   g.course_key, g.status_key, g.flagged_key, sum(x.sign))::roster_filter_delta
        FROM unnest(changes) x
        CROSS JOIN LATERAL roster_filter_groups(x.course_id, x.status, x.flagged, x.last_activity_at, x.progress_percent) g
        GROUP BY x.org_id, x.user_id, CASE WHEN x.user_id IS NULL THEN x.email END, g.course_key, g.status_key, g.flagged_key
        HAVING sum(x.sign) <> 0);
    IF cardinality(deltas) = 0 THEN
        RETURN;
    END IF;
    WITH p AS ( -- a registered person's rows in the filter now
        SELECT d.*, (SELECT count(*) FROM roster_entries r
                     WHERE r.org_id = d.org_id AND r.user_id = d.user_id
                       AND (d.course_key = '00000000-0000-0000-0000-000000000000'::uuid OR r.course_id = d.course_key)
                       AND (d.status_key = '' OR r.status = d.status_key
                            OR (d.status_key = 'not_started' AND (r.status = 'invited'
                                OR (r.status IN ('active', 'waitlisted') AND r.last_activity_at IS NULL AND COALESCE(r.progress_percent, 0) = 0))))
                       AND (NOT d.flagged_key OR r.flagged)) AS person_rows
        FROM unnest(deltas) d
    ), a AS ( -- an invited person: by address
        SELECT p.*, CASE WHEN p.user_id IS NOT NULL THEN p.person_rows ELSE
                   (SELECT count(*) FROM roster_entries r
                    WHERE r.org_id = p.org_id AND r.user_id IS NULL AND r.email = p.addr
                      AND (p.course_key = '00000000-0000-0000-0000-000000000000'::uuid OR r.course_id = p.course_key)
                      AND (p.status_key = '' OR r.status = p.status_key OR p.status_key = 'not_started'))
               END AS now_rows
        FROM p
    )
    INSERT INTO roster_filter_counts AS c (org_id, course_id, status, flagged, rows, people)
    SELECT a.org_id, a.course_key, a.status_key, a.flagged_key, sum(a.delta),
           sum((a.now_rows > 0)::int - (a.now_rows - a.delta > 0)::int)
    FROM a JOIN organisations o ON o.id = a.org_id -- an organisation being removed: its counts go with it
    GROUP BY 1, 2, 3, 4
    ORDER BY 1, 2, 3, 4 -- one order: no deadlock between two writers
    ON CONFLICT (org_id, course_id, status, flagged) DO UPDATE SET rows = c.rows + excluded.rows, people = c.people + excluded.people;
    DELETE FROM roster_filter_counts c
    USING (SELECT DISTINCT d.org_id, d.course_key, d.status_key, d.flagged_key FROM unnest(deltas) d) k
    WHERE (c.org_id, c.course_id, c.status, c.flagged) = (k.org_id, k.course_key, k.status_key, k.flagged_key) AND c.rows = 0;
END;
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION roster_filter_counts_keep() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    changes roster_filter_change[];
BEGIN
    -- roster_rebuild() refills every count at its end.
    IF current_setting('takumi.roster_rebuilding', true) = 'on' THEN
        RETURN NULL;
    END IF;
    -- Each branch reads only the transition tables its event has. An
    -- update that moves no count (a last-activity heartbeat of a started
    -- enrolment, a name) cancels out in roster_filter_counts_apply's sum.
    IF TG_OP = 'INSERT' THEN
        changes := ARRAY(SELECT ROW(n.org_id, n.user_id, n.email, n.course_id, n.status, n.flagged,
            n.last_activity_at, n.progress_percent, 1)::roster_filter_change FROM n);
    ELSIF TG_OP = 'DELETE' THEN
        changes := ARRAY(SELECT ROW(o.org_id, o.user_id, o.email, o.course_id, o.status, o.flagged,
            o.last_activity_at, o.progress_percent, -1)::roster_filter_change FROM o);
    ELSE
        changes := ARRAY(SELECT ROW(n.org_id, n.user_id, n.email, n.course_id, n.status, n.flagged,
            n.last_activity_at, n.progress_percent, 1)::roster_filter_change FROM n
            UNION ALL SELECT ROW(o.org_id, o.user_id, o.email, o.course_id, o.status, o.flagged,
            o.last_activity_at, o.progress_percent, -1)::roster_filter_change FROM o);
    END IF;
    IF cardinality(changes) > 0 THEN
        PERFORM roster_filter_counts_apply(changes);
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER roster_filter_counts_insert AFTER INSERT ON roster_entries
    REFERENCING NEW TABLE AS n FOR EACH STATEMENT EXECUTE FUNCTION roster_filter_counts_keep();
CREATE TRIGGER roster_filter_counts_update AFTER UPDATE ON roster_entries
    REFERENCING OLD TABLE AS o NEW TABLE AS n FOR EACH STATEMENT EXECUTE FUNCTION roster_filter_counts_keep();
CREATE TRIGGER roster_filter_counts_delete AFTER DELETE ON roster_entries
    REFERENCING OLD TABLE AS o FOR EACH STATEMENT EXECUTE FUNCTION roster_filter_counts_keep();

-- roster_filter_counts_fill: every filter's counts from every row.
-- +goose StatementBegin
CREATE FUNCTION roster_filter_counts_fill() RETURNS void LANGUAGE sql AS $$
    DELETE FROM roster_filter_counts;
    INSERT INTO roster_filter_counts (org_id, course_id, status, flagged, rows, people)
    SELECT r.org_id, g.course_key, g.status_key, g.flagged_key, count(*),
           count(DISTINCT r.user_id) + count(DISTINCT r.email) FILTER (WHERE r.user_id IS NULL)
    FROM roster_entries r
    CROSS JOIN LATERAL roster_filter_groups(r.course_id, r.status, r.flagged, r.last_activity_at, r.progress_percent) g
    GROUP BY 1, 2, 3, 4;
$$;
-- +goose StatementEnd

-- roster_rebuild (00048's, now roster_rebuild_rows) also refills the
-- filter counts, set-wise, with the statement triggers above standing by.
ALTER FUNCTION roster_rebuild() RENAME TO roster_rebuild_rows;
-- +goose StatementBegin
CREATE FUNCTION roster_rebuild() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    PERFORM set_config('takumi.roster_rebuilding', 'on', true);
    PERFORM roster_rebuild_rows();
    PERFORM set_config('takumi.roster_rebuilding', 'off', true);
    PERFORM roster_filter_counts_fill();
END;
$$;
-- +goose StatementEnd
SELECT roster_filter_counts_fill();

-- The search: ILIKE '%…%' on name or address through trigrams (a pattern
-- with at least one run of three characters; shorter ones are walked, see
-- learning.rosterCountQuery).
CREATE INDEX roster_entries_name_trgm ON roster_entries USING gin (display_name gin_trgm_ops);
CREATE INDEX roster_entries_email_trgm ON roster_entries USING gin (email gin_trgm_ops);

-- Keyset pages: one index per sort key and direction over non-NULL keys.
DROP INDEX roster_entries_name_asc;
DROP INDEX roster_entries_name_desc;
DROP INDEX roster_entries_activity_asc;
DROP INDEX roster_entries_activity_desc;
DROP INDEX roster_entries_progress_asc;
DROP INDEX roster_entries_progress_desc;
DROP INDEX roster_entries_completed_asc;
DROP INDEX roster_entries_completed_desc;
CREATE INDEX roster_entries_name_key ON roster_entries (org_id, display_name, email,
    COALESCE(user_id, 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid), COALESCE(enrolled_at, 'infinity'::timestamptz),
    COALESCE(COALESCE(enrolment_id, course_id), 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid));
CREATE INDEX roster_entries_activity_key ON roster_entries (org_id, COALESCE(last_activity_at, 'infinity'::timestamptz), display_name, email,
    COALESCE(user_id, 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid), COALESCE(enrolled_at, 'infinity'::timestamptz),
    COALESCE(COALESCE(enrolment_id, course_id), 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid));
CREATE INDEX roster_entries_activity_desc_key ON roster_entries (org_id, COALESCE('3000-01-01 00:00:00+00'::timestamptz - last_activity_at, '1000000 days'::interval), display_name, email,
    COALESCE(user_id, 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid), COALESCE(enrolled_at, 'infinity'::timestamptz),
    COALESCE(COALESCE(enrolment_id, course_id), 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid));
CREATE INDEX roster_entries_progress_key ON roster_entries (org_id, COALESCE(progress_percent, 2147483647), display_name, email,
    COALESCE(user_id, 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid), COALESCE(enrolled_at, 'infinity'::timestamptz),
    COALESCE(COALESCE(enrolment_id, course_id), 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid));
CREATE INDEX roster_entries_progress_desc_key ON roster_entries (org_id, COALESCE(-progress_percent, 1), display_name, email,
    COALESCE(user_id, 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid), COALESCE(enrolled_at, 'infinity'::timestamptz),
    COALESCE(COALESCE(enrolment_id, course_id), 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid));
CREATE INDEX roster_entries_completed_key ON roster_entries (org_id, COALESCE(completed_at, 'infinity'::timestamptz), display_name, email,
    COALESCE(user_id, 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid), COALESCE(enrolled_at, 'infinity'::timestamptz),
    COALESCE(COALESCE(enrolment_id, course_id), 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid));
CREATE INDEX roster_entries_completed_desc_key ON roster_entries (org_id, COALESCE('3000-01-01 00:00:00+00'::timestamptz - completed_at, '1000000 days'::interval), display_name, email,
    COALESCE(user_id, 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid), COALESCE(enrolled_at, 'infinity'::timestamptz),
    COALESCE(COALESCE(enrolment_id, course_id), 'ffffffff-ffff-ffff-ffff-ffffffffffff'::uuid));
ANALYZE roster_entries;

-- +goose Down
DROP INDEX roster_entries_completed_desc_key;
DROP INDEX roster_entries_completed_key;
DROP INDEX roster_entries_progress_desc_key;
DROP INDEX roster_entries_progress_key;
DROP INDEX roster_entries_activity_desc_key;
DROP INDEX roster_entries_activity_key;
DROP INDEX roster_entries_name_key;
CREATE INDEX roster_entries_name_asc ON roster_entries (org_id, display_name, email, user_id, enrolled_at, enrolment_id, course_id);
CREATE INDEX roster_entries_name_desc ON roster_entries (org_id, display_name DESC NULLS LAST, email, user_id, enrolled_at, enrolment_id, course_id);
CREATE INDEX roster_entries_activity_asc ON roster_entries (org_id, last_activity_at, display_name, email, user_id, enrolled_at, enrolment_id, course_id);
CREATE INDEX roster_entries_activity_desc ON roster_entries (org_id, last_activity_at DESC NULLS LAST, display_name, email, user_id, enrolled_at, enrolment_id, course_id);
CREATE INDEX roster_entries_progress_asc ON roster_entries (org_id, progress_percent, display_name, email, user_id, enrolled_at, enrolment_id, course_id);
CREATE INDEX roster_entries_progress_desc ON roster_entries (org_id, progress_percent DESC NULLS LAST, display_name, email, user_id, enrolled_at, enrolment_id, course_id);
CREATE INDEX roster_entries_completed_asc ON roster_entries (org_id, completed_at, display_name, email, user_id, enrolled_at, enrolment_id, course_id);
CREATE INDEX roster_entries_completed_desc ON roster_entries (org_id, completed_at DESC NULLS LAST, display_name, email, user_id, enrolled_at, enrolment_id, course_id);
DROP INDEX roster_entries_email_trgm;
DROP INDEX roster_entries_name_trgm;
DROP FUNCTION roster_rebuild();
ALTER FUNCTION roster_rebuild_rows() RENAME TO roster_rebuild;
DROP FUNCTION roster_filter_counts_fill();
DROP TRIGGER roster_filter_counts_delete ON roster_entries;
DROP TRIGGER roster_filter_counts_update ON roster_entries;
DROP TRIGGER roster_filter_counts_insert ON roster_entries;
DROP FUNCTION roster_filter_counts_keep();
DROP FUNCTION roster_filter_counts_apply(roster_filter_change[]);
DROP TYPE roster_filter_delta;
DROP TYPE roster_filter_change;
DROP FUNCTION roster_filter_groups(uuid, text, boolean, timestamptz, integer);
DROP TABLE roster_filter_counts;
-- pg_trgm stays: another object may use it, and dropping an extension
-- needs its owner.
