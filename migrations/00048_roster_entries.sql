-- Issue 20: an employer roster page that does not grow with the
-- organisation. roster_entries is the roster itself, one row per
-- (organisation, person, enrolment its admin may see), one row for a person
-- without such an enrolment, and one row per (organisation, address, course)
-- of a person it enrolled in bulk who has no account yet — exactly the rows
-- of sql/roster_rows_full.sql and sql/roster_pending.sql (the queries the
-- roster ran before), with the values its admin may see (consent withdrawn
-- or not granted: status, progress, completion, last activity and flags
-- NULL/false). Indexed per sort key, so a page of 50 rows is read in index
-- order. roster_counts keeps each organisation's row and people counts for
-- the unfiltered view. Owner: internal/learning.
--
-- Kept in the same transaction as every change by triggers on the tables
-- the rows come from: memberships, enrolments, users (name, address),
-- progress_consents, pending_enrolments, courses (estimated hours: the
-- fast-completion flag) and quiz_attempts (machine-speed flag). A change
-- of who is on the roster (membership, an enrolment added, removed or
-- moved between people or organisations, consent) recomputes that
-- person's rows in that organisation from the same rules as the full query
-- (roster_person); a change of an enrolment's own values (status,
-- progress, completion, last activity — at most once a minute from the
-- player) updates its rows in place.
--
-- Visibility (SECURITY, as sql/roster_rows_full.sql): the organisation's
-- people are its members and anyone it enrolled; a member's rows are the
-- enrolments the organisation made and the ones they made themselves; a
-- non-member's only the organisation's; never another organisation's.
-- +goose Up
CREATE TABLE roster_entries (
    org_id           uuid NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    user_id          uuid,          -- NULL: an invited person (pending_enrolments)
    enrolment_id     uuid,
    is_member        boolean NOT NULL,
    awaiting_consent boolean NOT NULL,
    display_name     text NOT NULL,
    email            text NOT NULL,
    course_id        uuid,
    status           text,          -- NULL when awaiting consent; 'invited' for an invited person
    progress_percent integer,
    enrolled_at      timestamptz,
    completed_at     timestamptz,
    last_activity_at timestamptz,
    fast             boolean NOT NULL DEFAULT false, -- completed in < 10 % of the estimate (roster_fast), consent given
    machine          boolean NOT NULL DEFAULT false, -- a submitted attempt < 2 s per question (roster_machine)
    flagged          boolean GENERATED ALWAYS AS (NOT awaiting_consent AND (fast OR machine)) STORED
);
-- The unfiltered view's counts: rows, and people (registered people by
-- account, invited people by address), as rosterCountQuery counted them.
CREATE TABLE roster_counts (
    org_id uuid PRIMARY KEY REFERENCES organisations(id) ON DELETE CASCADE,
    rows   bigint NOT NULL,
    people bigint NOT NULL
);

-- roster_fast: completed in less than 10 % of the course's estimated hours
-- (learning.RosterFastShare; sql/roster_rows_full.sql's fast_completion).
-- +goose StatementBegin
CREATE FUNCTION roster_fast(enrolled timestamptz, completed timestamptz, hours numeric) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$
    SELECT COALESCE(completed IS NOT NULL AND hours > 0
        AND extract(epoch FROM completed - enrolled)::float8 < hours::float8 * 3600 * 0.10, false)
$$;
-- +goose StatementEnd
-- roster_machine: the enrolment has a submitted quiz attempt faster than
-- 2 s per question (learning.RosterMachineSeconds; sql/roster_machine.sql).
-- +goose StatementBegin
CREATE FUNCTION roster_machine(enrolment uuid) RETURNS boolean LANGUAGE sql STABLE AS $$
    SELECT EXISTS (SELECT 1 FROM quiz_attempts qa
        WHERE qa.enrolment_id = enrolment AND qa.submitted_at IS NOT NULL
          AND quiz_seconds_per_question(qa.started_at, qa.submitted_at, qa.results) < 2.0)
$$;
-- +goose StatementEnd

-- roster_count_add moves organisation org's counts.
-- +goose StatementBegin
CREATE FUNCTION roster_count_add(org uuid, d_rows bigint, d_people bigint) RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    IF d_rows = 0 AND d_people = 0 THEN
        RETURN;
    END IF;
    INSERT INTO roster_counts AS c (org_id, rows, people) VALUES (org, d_rows, d_people)
    ON CONFLICT (org_id) DO UPDATE SET rows = c.rows + excluded.rows, people = c.people + excluded.people;
END;
$$;
-- +goose StatementEnd

-- roster_person recomputes person usr's rows on organisation org's roster
-- (the rules of sql/roster_rows_full.sql for one person) and its counts.
-- +goose StatementBegin
CREATE FUNCTION roster_person(org uuid, usr uuid) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    removed bigint;
    added bigint;
BEGIN
    IF org IS NULL OR usr IS NULL THEN
        RETURN;
    END IF;
    DELETE FROM roster_entries WHERE user_id = usr AND org_id = org;
    GET DIAGNOSTICS removed = ROW_COUNT;
    -- The organisation being removed (its rows go with it).
    IF NOT EXISTS (SELECT 1 FROM organisations WHERE id = org) THEN
        RETURN;
    END IF;
    INSERT INTO roster_entries (org_id, user_id, enrolment_id, is_member, awaiting_consent, display_name, email,
        course_id, status, progress_percent, enrolled_at, completed_at, last_activity_at, fast, machine)
    SELECT org, u.id, e.id, p.is_member, ac.awaiting, u.display_name, u.email,
           e.course_id,
           CASE WHEN NOT ac.awaiting THEN e.status END,
           CASE WHEN NOT ac.awaiting THEN e.progress_percent END,
           e.enrolled_at,
           CASE WHEN NOT ac.awaiting THEN e.completed_at END,
           CASE WHEN NOT ac.awaiting THEN e.last_activity_at END,
           NOT ac.awaiting AND roster_fast(e.enrolled_at, e.completed_at, c.estimated_hours),
           e.id IS NOT NULL AND roster_machine(e.id)
    FROM (
        SELECT true AS is_member FROM memberships m WHERE m.org_id = org AND m.user_id = usr
        UNION ALL
        SELECT false WHERE EXISTS (SELECT 1 FROM enrolments oe WHERE oe.user_id = usr AND oe.org_id = org)
          AND NOT EXISTS (SELECT 1 FROM memberships mm WHERE mm.org_id = org AND mm.user_id = usr)
    ) p
    JOIN users u ON u.id = usr
    LEFT JOIN progress_consents pc ON pc.org_id = org AND pc.user_id = usr
    CROSS JOIN LATERAL (SELECT (pc.withdrawn_at IS NOT NULL OR (NOT p.is_member AND pc.granted_at IS NULL)) AS awaiting) ac
    LEFT JOIN enrolments e ON e.user_id = usr AND (e.org_id = org OR (p.is_member AND e.org_id IS NULL))
    LEFT JOIN courses c ON c.id = e.course_id;
    GET DIAGNOSTICS added = ROW_COUNT;
    PERFORM roster_count_add(org, added - removed, (added > 0)::int - (removed > 0)::int);
END;
$$;
-- +goose StatementEnd

-- roster_invited recomputes the rows of the person at address addr whom
-- organisation org enrolled in bulk (sql/roster_pending.sql) and its counts.
-- +goose StatementBegin
CREATE FUNCTION roster_invited(org uuid, addr text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    removed bigint;
    added bigint;
BEGIN
    DELETE FROM roster_entries WHERE org_id = org AND email = addr AND user_id IS NULL;
    GET DIAGNOSTICS removed = ROW_COUNT;
    IF NOT EXISTS (SELECT 1 FROM organisations WHERE id = org) THEN
        RETURN;
    END IF;
    INSERT INTO roster_entries (org_id, user_id, enrolment_id, is_member, awaiting_consent, display_name, email,
        course_id, status)
    SELECT org, NULL, NULL, false, false, p.display_name, p.email, p.course_id, 'invited'
    FROM pending_enrolments p WHERE p.org_id = org AND p.email = addr;
    GET DIAGNOSTICS added = ROW_COUNT;
    PERFORM roster_count_add(org, added - removed, (added > 0)::int - (removed > 0)::int);
END;
$$;
-- +goose StatementEnd

-- roster_enrolment_people: the (organisation, person) pairs whose roster
-- rows enrolment e is part of: its organisation's, or, enrolled by the
-- person themselves, every organisation they are a member of.
-- +goose StatementBegin
CREATE FUNCTION roster_enrolment_people(e_user uuid, e_org uuid) RETURNS TABLE (org uuid) LANGUAGE sql STABLE AS $$
    SELECT e_org WHERE e_org IS NOT NULL
    UNION ALL
    SELECT m.org_id FROM memberships m WHERE e_org IS NULL AND m.user_id = e_user
$$;
-- +goose StatementEnd

-- Enrolments: added, removed, or moved to another person or organisation
-- → the people's rows are recomputed; any other change of a shown column
-- → its rows are updated in place.
-- +goose StatementBegin
CREATE FUNCTION roster_enrolment_keep() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    o uuid;
    hours numeric;
BEGIN
    IF TG_OP = 'UPDATE' AND OLD.user_id = NEW.user_id AND OLD.org_id IS NOT DISTINCT FROM NEW.org_id THEN
        SELECT c.estimated_hours INTO hours FROM courses c WHERE c.id = NEW.course_id;
        UPDATE roster_entries r SET
            course_id = NEW.course_id, enrolled_at = NEW.enrolled_at,
            status = CASE WHEN NOT r.awaiting_consent THEN NEW.status END,
            progress_percent = CASE WHEN NOT r.awaiting_consent THEN NEW.progress_percent END,
            completed_at = CASE WHEN NOT r.awaiting_consent THEN NEW.completed_at END,
            last_activity_at = CASE WHEN NOT r.awaiting_consent THEN NEW.last_activity_at END,
            fast = NOT r.awaiting_consent AND roster_fast(NEW.enrolled_at, NEW.completed_at, hours)
        WHERE r.enrolment_id = NEW.id;
        RETURN NULL;
    END IF;
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        FOR o IN SELECT * FROM roster_enrolment_people(OLD.user_id, OLD.org_id) LOOP
            PERFORM roster_person(o, OLD.user_id);
        END LOOP;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        FOR o IN SELECT * FROM roster_enrolment_people(NEW.user_id, NEW.org_id) LOOP
            PERFORM roster_person(o, NEW.user_id);
        END LOOP;
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER roster_enrolment_insert_delete AFTER INSERT OR DELETE ON enrolments
    FOR EACH ROW EXECUTE FUNCTION roster_enrolment_keep();
CREATE TRIGGER roster_enrolment_update AFTER UPDATE OF user_id, org_id, course_id, status, progress_percent,
        enrolled_at, completed_at, last_activity_at ON enrolments
    FOR EACH ROW WHEN (OLD.user_id IS DISTINCT FROM NEW.user_id OR OLD.org_id IS DISTINCT FROM NEW.org_id
        OR OLD.course_id IS DISTINCT FROM NEW.course_id OR OLD.status IS DISTINCT FROM NEW.status
        OR OLD.progress_percent IS DISTINCT FROM NEW.progress_percent OR OLD.enrolled_at IS DISTINCT FROM NEW.enrolled_at
        OR OLD.completed_at IS DISTINCT FROM NEW.completed_at OR OLD.last_activity_at IS DISTINCT FROM NEW.last_activity_at)
    EXECUTE FUNCTION roster_enrolment_keep();

-- Memberships and consents: the person's rows in that organisation.
-- +goose StatementBegin
CREATE FUNCTION roster_person_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM roster_person(OLD.org_id, OLD.user_id);
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND (OLD.org_id, OLD.user_id) IS DISTINCT FROM (NEW.org_id, NEW.user_id)) THEN
        PERFORM roster_person(NEW.org_id, NEW.user_id);
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER roster_membership_keep AFTER INSERT OR DELETE OR UPDATE OF org_id, user_id ON memberships
    FOR EACH ROW EXECUTE FUNCTION roster_person_keep();
CREATE TRIGGER roster_consent_keep AFTER INSERT OR DELETE OR UPDATE OF org_id, user_id, granted_at, withdrawn_at ON progress_consents
    FOR EACH ROW EXECUTE FUNCTION roster_person_keep();

-- Pending enrolments: the invited person's rows.
-- +goose StatementBegin
CREATE FUNCTION roster_pending_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        PERFORM roster_invited(OLD.org_id, OLD.email);
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND (OLD.org_id, OLD.email) IS DISTINCT FROM (NEW.org_id, NEW.email)) THEN
        PERFORM roster_invited(NEW.org_id, NEW.email);
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER roster_pending_keep AFTER INSERT OR DELETE OR UPDATE OF org_id, email, course_id, display_name ON pending_enrolments
    FOR EACH ROW EXECUTE FUNCTION roster_pending_keep();

-- A person's name or address: every row of theirs.
-- +goose StatementBegin
CREATE FUNCTION roster_user_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE roster_entries SET display_name = NEW.display_name, email = NEW.email WHERE user_id = NEW.id;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER roster_user_keep AFTER UPDATE OF display_name, email ON users
    FOR EACH ROW WHEN (OLD.display_name IS DISTINCT FROM NEW.display_name OR OLD.email IS DISTINCT FROM NEW.email)
    EXECUTE FUNCTION roster_user_keep();

-- A course's estimated hours: the fast-completion flag of its completed rows.
-- +goose StatementBegin
CREATE FUNCTION roster_course_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE roster_entries r SET fast = NOT r.awaiting_consent AND roster_fast(r.enrolled_at, r.completed_at, NEW.estimated_hours)
    WHERE r.course_id = NEW.id AND r.completed_at IS NOT NULL;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER roster_course_keep AFTER UPDATE OF estimated_hours ON courses
    FOR EACH ROW WHEN (OLD.estimated_hours IS DISTINCT FROM NEW.estimated_hours)
    EXECUTE FUNCTION roster_course_keep();

-- Quiz attempts: the machine-speed flag of the enrolment's rows, only when
-- the attempt is (or was) machine-speed — an ordinary submission writes
-- nothing here.
-- +goose StatementBegin
CREATE FUNCTION roster_attempt_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') AND OLD.submitted_at IS NOT NULL
       AND quiz_seconds_per_question(OLD.started_at, OLD.submitted_at, OLD.results) < 2.0 THEN
        UPDATE roster_entries SET machine = roster_machine(OLD.enrolment_id) WHERE enrolment_id = OLD.enrolment_id;
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') AND NEW.submitted_at IS NOT NULL
       AND quiz_seconds_per_question(NEW.started_at, NEW.submitted_at, NEW.results) < 2.0 THEN
        UPDATE roster_entries SET machine = true WHERE enrolment_id = NEW.enrolment_id AND NOT machine;
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER roster_attempt_keep AFTER INSERT OR DELETE OR UPDATE OF enrolment_id, started_at, submitted_at, results ON quiz_attempts
    FOR EACH ROW EXECUTE FUNCTION roster_attempt_keep();

-- roster_rebuild: every row and count from the tables (the fill below,
-- learning.Service.RebuildRoster as a repair, and after a TRUNCATE).
-- +goose StatementBegin
CREATE FUNCTION roster_rebuild() RETURNS void LANGUAGE plpgsql AS $$
BEGIN
    DELETE FROM roster_entries;
    DELETE FROM roster_counts;
    INSERT INTO roster_entries (org_id, user_id, enrolment_id, is_member, awaiting_consent, display_name, email,
        course_id, status, progress_percent, enrolled_at, completed_at, last_activity_at, fast, machine)
    SELECT p.org_id, u.id, e.id, p.is_member, ac.awaiting, u.display_name, u.email,
           e.course_id,
           CASE WHEN NOT ac.awaiting THEN e.status END,
           CASE WHEN NOT ac.awaiting THEN e.progress_percent END,
           e.enrolled_at,
           CASE WHEN NOT ac.awaiting THEN e.completed_at END,
           CASE WHEN NOT ac.awaiting THEN e.last_activity_at END,
           NOT ac.awaiting AND roster_fast(e.enrolled_at, e.completed_at, c.estimated_hours),
           e.id IS NOT NULL AND mq.enrolment_id IS NOT NULL
    FROM (
        SELECT m.org_id, m.user_id, true AS is_member FROM memberships m
        UNION ALL
        SELECT DISTINCT oe.org_id, oe.user_id, false FROM enrolments oe
        WHERE oe.org_id IS NOT NULL
          AND NOT EXISTS (SELECT 1 FROM memberships mm WHERE mm.org_id = oe.org_id AND mm.user_id = oe.user_id)
    ) p
    JOIN users u ON u.id = p.user_id
    LEFT JOIN progress_consents pc ON pc.org_id = p.org_id AND pc.user_id = p.user_id
    CROSS JOIN LATERAL (SELECT (pc.withdrawn_at IS NOT NULL OR (NOT p.is_member AND pc.granted_at IS NULL)) AS awaiting) ac
    LEFT JOIN enrolments e ON e.user_id = p.user_id AND (e.org_id = p.org_id OR (p.is_member AND e.org_id IS NULL))
    LEFT JOIN courses c ON c.id = e.course_id
    LEFT JOIN (SELECT DISTINCT qa.enrolment_id FROM quiz_attempts qa
               WHERE qa.submitted_at IS NOT NULL
                 AND quiz_seconds_per_question(qa.started_at, qa.submitted_at, qa.results) < 2.0) mq
           ON mq.enrolment_id = e.id;
    INSERT INTO roster_entries (org_id, user_id, enrolment_id, is_member, awaiting_consent, display_name, email,
        course_id, status)
    SELECT p.org_id, NULL, NULL, false, false, p.display_name, p.email, p.course_id, 'invited'
    FROM pending_enrolments p;
    INSERT INTO roster_counts (org_id, rows, people)
    SELECT org_id, count(*), count(DISTINCT user_id) + count(DISTINCT email) FILTER (WHERE user_id IS NULL)
    FROM roster_entries GROUP BY org_id;
END;
$$;
-- +goose StatementEnd
-- +goose StatementBegin
CREATE FUNCTION roster_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM roster_rebuild();
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER roster_truncate AFTER TRUNCATE ON enrolments FOR EACH STATEMENT EXECUTE FUNCTION roster_truncate();
CREATE TRIGGER roster_truncate AFTER TRUNCATE ON memberships FOR EACH STATEMENT EXECUTE FUNCTION roster_truncate();
CREATE TRIGGER roster_truncate AFTER TRUNCATE ON users FOR EACH STATEMENT EXECUTE FUNCTION roster_truncate();
CREATE TRIGGER roster_truncate AFTER TRUNCATE ON progress_consents FOR EACH STATEMENT EXECUTE FUNCTION roster_truncate();
CREATE TRIGGER roster_truncate AFTER TRUNCATE ON pending_enrolments FOR EACH STATEMENT EXECUTE FUNCTION roster_truncate();

-- What is there now, then the indexes (built once over the filled table:
-- much faster than kept row by row during the fill).
SELECT roster_rebuild();
-- Identity (one row per enrolment per organisation; one empty row per person).
CREATE UNIQUE INDEX roster_entries_enrolment_key ON roster_entries (enrolment_id, org_id) WHERE enrolment_id IS NOT NULL;
CREATE INDEX roster_entries_user_idx ON roster_entries (user_id, org_id);
CREATE INDEX roster_entries_pending_idx ON roster_entries (org_id, email) WHERE user_id IS NULL;
-- Filters and counts.
CREATE INDEX roster_entries_course_idx ON roster_entries (org_id, course_id, status);
CREATE INDEX roster_entries_status_idx ON roster_entries (org_id, status);
CREATE INDEX roster_entries_flagged_idx ON roster_entries (org_id) WHERE flagged;
CREATE INDEX roster_entries_hours_idx ON roster_entries (course_id) WHERE completed_at IS NOT NULL;
-- One per sort key and direction, the key then the roster's tie-break
-- (learning.rosterOrderBy: … NULLS LAST, display_name, email, user_id,
-- enrolled_at, enrolment_id, course_id).
CREATE INDEX roster_entries_name_asc ON roster_entries (org_id, display_name, email, user_id, enrolled_at, enrolment_id, course_id);
CREATE INDEX roster_entries_name_desc ON roster_entries (org_id, display_name DESC NULLS LAST, email, user_id, enrolled_at, enrolment_id, course_id);
CREATE INDEX roster_entries_activity_asc ON roster_entries (org_id, last_activity_at, display_name, email, user_id, enrolled_at, enrolment_id, course_id);
CREATE INDEX roster_entries_activity_desc ON roster_entries (org_id, last_activity_at DESC NULLS LAST, display_name, email, user_id, enrolled_at, enrolment_id, course_id);
CREATE INDEX roster_entries_progress_asc ON roster_entries (org_id, progress_percent, display_name, email, user_id, enrolled_at, enrolment_id, course_id);
CREATE INDEX roster_entries_progress_desc ON roster_entries (org_id, progress_percent DESC NULLS LAST, display_name, email, user_id, enrolled_at, enrolment_id, course_id);
CREATE INDEX roster_entries_completed_asc ON roster_entries (org_id, completed_at, display_name, email, user_id, enrolled_at, enrolment_id, course_id);
CREATE INDEX roster_entries_completed_desc ON roster_entries (org_id, completed_at DESC NULLS LAST, display_name, email, user_id, enrolled_at, enrolment_id, course_id);

ANALYZE roster_entries;

-- +goose Down
DROP TRIGGER roster_truncate ON pending_enrolments;
DROP TRIGGER roster_truncate ON progress_consents;
DROP TRIGGER roster_truncate ON users;
DROP TRIGGER roster_truncate ON memberships;
DROP TRIGGER roster_truncate ON enrolments;
DROP FUNCTION roster_truncate();
DROP FUNCTION roster_rebuild();
DROP TRIGGER roster_attempt_keep ON quiz_attempts;
DROP FUNCTION roster_attempt_keep();
DROP TRIGGER roster_course_keep ON courses;
DROP FUNCTION roster_course_keep();
DROP TRIGGER roster_user_keep ON users;
DROP FUNCTION roster_user_keep();
DROP TRIGGER roster_pending_keep ON pending_enrolments;
DROP FUNCTION roster_pending_keep();
DROP TRIGGER roster_consent_keep ON progress_consents;
DROP TRIGGER roster_membership_keep ON memberships;
DROP FUNCTION roster_person_keep();
DROP TRIGGER roster_enrolment_update ON enrolments;
DROP TRIGGER roster_enrolment_insert_delete ON enrolments;
DROP FUNCTION roster_enrolment_keep();
DROP FUNCTION roster_enrolment_people(uuid, uuid);
DROP FUNCTION roster_invited(uuid, text);
DROP FUNCTION roster_person(uuid, uuid);
DROP FUNCTION roster_count_add(uuid, bigint, bigint);
DROP FUNCTION roster_machine(uuid);
DROP FUNCTION roster_fast(timestamptz, timestamptz, numeric);
DROP TABLE roster_counts;
DROP TABLE roster_entries;
