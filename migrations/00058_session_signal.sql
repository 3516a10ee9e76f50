-- Issue 20: a signal for the sessions each instance keeps in memory with
-- their account and memberships (internal/app/sessioncache.go;
-- docs/architecture.md, "The session signal").
--
-- Every change that may end a session or change what its sign-in check
-- reads sends a notification on the channel takumi_sessions when its
-- transaction commits (none on rollback; PostgreSQL folds identical
-- notifications of one transaction into one). The payload says what to
-- forget:
--   t:<token>  a session row updated or deleted (sign-out, ended session,
--              a rewrite of its data or expiry);
--   u:<id>     every session of that user (account updated or deleted:
--              disabled, session_version bumped, name, language; a
--              membership inserted, updated or deleted);
--   *          every session (an organisation updated or deleted: its name
--              is in the memberships read with the session; rare; and
--              sessions, users or memberships truncated).
-- Row-level on sessions, users and memberships (the payload names the
-- row); statement-level on organisations (no payload to name). The
-- cleanup's bulk delete of expired rows sends nothing: an expired row is
-- never served (the cache checks the expiry itself). Inserted sessions
-- send nothing either: a new token is in no instance's memory.
-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION session_changed() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM pg_notify('takumi_sessions', '*');
    ELSIF TG_TABLE_NAME = 'sessions' THEN
        IF TG_OP = 'DELETE' AND OLD.expiry <= current_timestamp THEN
            RETURN NULL;
        END IF;
        PERFORM pg_notify('takumi_sessions', 't:' || OLD.token);
    ELSIF TG_TABLE_NAME = 'users' THEN
        PERFORM pg_notify('takumi_sessions', 'u:' || OLD.id::text);
    ELSIF TG_TABLE_NAME = 'memberships' THEN
        IF TG_OP <> 'INSERT' THEN
            PERFORM pg_notify('takumi_sessions', 'u:' || OLD.user_id::text);
        END IF;
        IF TG_OP <> 'DELETE' THEN
            PERFORM pg_notify('takumi_sessions', 'u:' || NEW.user_id::text);
        END IF;
    ELSE
        PERFORM pg_notify('takumi_sessions', '*');
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER session_changed AFTER UPDATE OR DELETE ON sessions
    FOR EACH ROW EXECUTE FUNCTION session_changed();
CREATE TRIGGER session_changed AFTER UPDATE OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION session_changed();
CREATE TRIGGER session_changed AFTER INSERT OR UPDATE OR DELETE ON memberships
    FOR EACH ROW EXECUTE FUNCTION session_changed();
CREATE TRIGGER session_changed AFTER UPDATE OR DELETE OR TRUNCATE ON organisations
    FOR EACH STATEMENT EXECUTE FUNCTION session_changed();
-- A table emptied at once (a restore, a test): every session.
CREATE TRIGGER session_changed_truncate AFTER TRUNCATE ON sessions
    FOR EACH STATEMENT EXECUTE FUNCTION session_changed();
CREATE TRIGGER session_changed_truncate AFTER TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION session_changed();
CREATE TRIGGER session_changed_truncate AFTER TRUNCATE ON memberships
    FOR EACH STATEMENT EXECUTE FUNCTION session_changed();

-- +goose Down
DROP TRIGGER session_changed_truncate ON memberships;
DROP TRIGGER session_changed_truncate ON users;
DROP TRIGGER session_changed_truncate ON sessions;
DROP TRIGGER session_changed ON organisations;
DROP TRIGGER session_changed ON memberships;
DROP TRIGGER session_changed ON users;
DROP TRIGGER session_changed ON sessions;
DROP FUNCTION session_changed();
