-- Issue 20: an organisation's member list (/org/:id, /admin/orgs/:id) is
-- shown 50 at a time in order of name, address and id, each page starting
-- after the previous page's last member (keyset). This index gives that
-- order, so a page walks users in it and probes memberships by primary
-- key instead of sorting every member of the organisation (100,000 at a
-- large employer) per view.
-- +goose Up
CREATE INDEX users_name_order_idx ON users (display_name, email, id);

-- +goose Down
DROP INDEX users_name_order_idx;
