-- Issue 20: the learner-statistics refresh (reporting.RefreshLearnerStats,
-- once a minute) counted every user for the registrations by month: 3.2 s
-- of one PostgreSQL backend at 1,000,000 users, every minute, growing
-- with the users. registration_counts now keeps the users by month of
-- registration (Tokyo) and prefecture, industry and segment ('' for
-- none), kept by triggers on users (owner of the table: internal/reporting)
-- in the transaction of every insert, delete, truncate and change of
-- those columns; the refresh sums these rows (28,346 at 1,000,000 users) instead.
--
-- Counter slots as in 00055: a transaction writes its connection's slot
-- (counter_slot()), so two sign-ups of the same month and attributes do
-- not wait for each other's commit; readers sum the slots, and a group
-- whose sum is 0 is no group. Within a statement the rows are written in
-- key order (no deadlock between two writers). After a load with triggers
-- off (`takumi seed` as a superuser) `takumi recount` rebuilds it
-- (reporting.RecountRegistrations).
-- +goose Up
CREATE TABLE registration_counts (
    month      date     NOT NULL,
    prefecture text     NOT NULL,
    industry   text     NOT NULL,
    segment    text     NOT NULL,
    slot       smallint NOT NULL DEFAULT 0,
    n          bigint   NOT NULL,
    PRIMARY KEY (month, prefecture, industry, segment, slot)
);

-- +goose StatementBegin
CREATE FUNCTION registration_month(created_at timestamptz) RETURNS date
    LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT date_trunc('month', created_at AT TIME ZONE 'Asia/Tokyo')::date
$$;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE FUNCTION registration_counts_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT' THEN
        INSERT INTO registration_counts AS c (month, prefecture, industry, segment, slot, n)
        SELECT registration_month(n.created_at), coalesce(n.prefecture_code::text, ''), coalesce(n.industry_code::text, ''),
               coalesce(n.segment, ''), counter_slot(), count(*)
        FROM n GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
        ON CONFLICT (month, prefecture, industry, segment, slot) DO UPDATE SET n = c.n + excluded.n;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO registration_counts AS c (month, prefecture, industry, segment, slot, n)
        SELECT registration_month(o.created_at), coalesce(o.prefecture_code::text, ''), coalesce(o.industry_code::text, ''),
               coalesce(o.segment, ''), counter_slot(), -count(*)
        FROM o GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4
        ON CONFLICT (month, prefecture, industry, segment, slot) DO UPDATE SET n = c.n + excluded.n;
    ELSIF TG_OP = 'UPDATE' THEN -- one row (FOR EACH ROW): out of its old group, into its new one
        INSERT INTO registration_counts AS c (month, prefecture, industry, segment, slot, n)
        SELECT d.month, d.prefecture, d.industry, d.segment, counter_slot(), d.n FROM (VALUES
            (registration_month(OLD.created_at), coalesce(OLD.prefecture_code::text, ''), coalesce(OLD.industry_code::text, ''), coalesce(OLD.segment, ''), -1),
            (registration_month(NEW.created_at), coalesce(NEW.prefecture_code::text, ''), coalesce(NEW.industry_code::text, ''), coalesce(NEW.segment, ''), 1)
        ) AS d(month, prefecture, industry, segment, n)
        ORDER BY 1, 2, 3, 4
        ON CONFLICT (month, prefecture, industry, segment, slot) DO UPDATE SET n = c.n + excluded.n;
    ELSE -- TRUNCATE
        DELETE FROM registration_counts;
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER registration_counts_insert AFTER INSERT ON users REFERENCING NEW TABLE AS n
    FOR EACH STATEMENT EXECUTE FUNCTION registration_counts_change();
CREATE TRIGGER registration_counts_delete AFTER DELETE ON users REFERENCING OLD TABLE AS o
    FOR EACH STATEMENT EXECUTE FUNCTION registration_counts_change();
CREATE TRIGGER registration_counts_update AFTER UPDATE OF created_at, prefecture_code, industry_code, segment ON users
    FOR EACH ROW WHEN (registration_month(OLD.created_at) IS DISTINCT FROM registration_month(NEW.created_at)
        OR OLD.prefecture_code IS DISTINCT FROM NEW.prefecture_code OR OLD.industry_code IS DISTINCT FROM NEW.industry_code
        OR OLD.segment IS DISTINCT FROM NEW.segment)
    EXECUTE FUNCTION registration_counts_change();
CREATE TRIGGER registration_counts_truncate AFTER TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION registration_counts_change();

-- The users there are now (a lock keeps them still while they are counted).
LOCK TABLE users IN SHARE MODE;
INSERT INTO registration_counts (month, prefecture, industry, segment, n)
SELECT registration_month(created_at), coalesce(prefecture_code::text, ''), coalesce(industry_code::text, ''), coalesce(segment, ''), count(*)
FROM users GROUP BY 1, 2, 3, 4;

-- +goose Down
DROP TRIGGER registration_counts_truncate ON users;
DROP TRIGGER registration_counts_update ON users;
DROP TRIGGER registration_counts_delete ON users;
DROP TRIGGER registration_counts_insert ON users;
DROP FUNCTION registration_counts_change();
DROP FUNCTION registration_month(timestamptz);
DROP TABLE registration_counts;
