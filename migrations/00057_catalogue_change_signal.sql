-- Issue 20: a change signal for the public catalogue, so that every
-- instance may keep published courses' pages and catalogue searches in
-- memory (internal/catalog/signal.go; docs/architecture.md, "The catalogue
-- change signal").
--
-- Every statement that writes one of the tables the public catalogue reads
-- (courses, organisations, skill_areas, learning_paths,
-- learning_path_courses) sends a notification on the channel
-- takumi_catalogue when its transaction commits (PostgreSQL folds the
-- notifications of one transaction into one, and sends none on rollback).
-- Each instance LISTENs on one connection of its own and forgets what it
-- kept on every notification.
--
-- Statement-level, not row-level: a bulk write (a seed, a provider's
-- import) is one trigger call. No write of these tables is frequent and
-- private: enrolment counters live in course_enrolment_stats and the other
-- *_stats tables (their own triggers on enrolments), sign-ins write
-- sessions and users, never organisations; so no column filter is needed.
-- The triggers fire on any statement, also one that changes no row
-- (UPDATE ... WHERE nothing matches): an emptied cache costs the next
-- request one read, a missed change would show stale data.
-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION catalogue_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('takumi_catalogue', '');
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER catalogue_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON courses
    FOR EACH STATEMENT EXECUTE FUNCTION catalogue_changed();
CREATE TRIGGER catalogue_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON organisations
    FOR EACH STATEMENT EXECUTE FUNCTION catalogue_changed();
CREATE TRIGGER catalogue_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON skill_areas
    FOR EACH STATEMENT EXECUTE FUNCTION catalogue_changed();
CREATE TRIGGER catalogue_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON learning_paths
    FOR EACH STATEMENT EXECUTE FUNCTION catalogue_changed();
CREATE TRIGGER catalogue_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON learning_path_courses
    FOR EACH STATEMENT EXECUTE FUNCTION catalogue_changed();

-- +goose Down
DROP TRIGGER catalogue_changed ON learning_path_courses;
DROP TRIGGER catalogue_changed ON learning_paths;
DROP TRIGGER catalogue_changed ON skill_areas;
DROP TRIGGER catalogue_changed ON organisations;
DROP TRIGGER catalogue_changed ON courses;
DROP FUNCTION catalogue_changed();
