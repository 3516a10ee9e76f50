-- Issue 20: an organisation's member list (/org/:id, /admin/orgs/:id) is
-- shown 50 at a time in order of name, address and id, each page starting
-- after the previous page's last member (keyset). users_name_order_idx
-- gives that order, so a page walks users in it and probes memberships by
-- key instead of sorting every member of the organisation (100,000 at a
-- large employer) per view; org_member_counts keeps each organisation's
-- number of members for the heading, instead of counting them per view.
-- Kept by statement triggers on memberships (owner: internal/org), in the
-- transaction of every change, one upsert per organisation and statement.
-- +goose Up
CREATE INDEX users_name_order_idx ON users (display_name, email, id);

CREATE TABLE org_member_counts (
    org_id  uuid PRIMARY KEY REFERENCES organisations(id) ON DELETE CASCADE,
    members bigint NOT NULL
);

-- +goose StatementBegin
CREATE FUNCTION org_member_counts_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- One upsert per organisation, in one order (no deadlock between two
    -- writers); an organisation being removed is left out (its count goes
    -- with it). Each branch reads only the transition tables its event has.
    IF TG_OP = 'INSERT' THEN
        INSERT INTO org_member_counts AS c (org_id, members)
        SELECT n.org_id, count(*) FROM n JOIN organisations x ON x.id = n.org_id GROUP BY n.org_id ORDER BY n.org_id
        ON CONFLICT (org_id) DO UPDATE SET members = c.members + excluded.members;
    ELSIF TG_OP = 'DELETE' THEN
        INSERT INTO org_member_counts AS c (org_id, members)
        SELECT o.org_id, -count(*) FROM o JOIN organisations x ON x.id = o.org_id GROUP BY o.org_id ORDER BY o.org_id
        ON CONFLICT (org_id) DO UPDATE SET members = c.members + excluded.members;
    ELSE
        INSERT INTO org_member_counts AS c (org_id, members)
        SELECT d.org_id, sum(d.sign) FROM (
            SELECT org_id, -1 AS sign FROM o UNION ALL SELECT org_id, 1 FROM n) d
        JOIN organisations x ON x.id = d.org_id
        GROUP BY d.org_id HAVING sum(d.sign) <> 0
        ORDER BY d.org_id
        ON CONFLICT (org_id) DO UPDATE SET members = c.members + excluded.members;
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd
CREATE TRIGGER org_member_counts_insert AFTER INSERT ON memberships
    REFERENCING NEW TABLE AS n FOR EACH STATEMENT EXECUTE FUNCTION org_member_counts_change();
CREATE TRIGGER org_member_counts_update AFTER UPDATE ON memberships
    REFERENCING OLD TABLE AS o NEW TABLE AS n FOR EACH STATEMENT EXECUTE FUNCTION org_member_counts_change();
CREATE TRIGGER org_member_counts_delete AFTER DELETE ON memberships
    REFERENCING OLD TABLE AS o FOR EACH STATEMENT EXECUTE FUNCTION org_member_counts_change();

-- What was there before.
INSERT INTO org_member_counts (org_id, members) SELECT org_id, count(*) FROM memberships GROUP BY org_id;

-- +goose Down
DROP TRIGGER org_member_counts_delete ON memberships;
DROP TRIGGER org_member_counts_update ON memberships;
DROP TRIGGER org_member_counts_insert ON memberships;
DROP FUNCTION org_member_counts_change();
DROP TABLE org_member_counts;
DROP INDEX users_name_order_idx;
