-- The append-only audit log. Each row carries the SHA-256 of the previous row's
-- hash and its own content (computed by internal/audit), so a changed or
-- removed row breaks the chain; `takumi audit verify` checks it. SECURITY: the
-- database itself refuses UPDATE, DELETE and TRUNCATE, so a bug in the app
-- cannot rewrite history.
-- +goose Up
CREATE TABLE audit_events (
    id          bigserial PRIMARY KEY,
    occurred_at timestamptz NOT NULL,
    actor_id    uuid,
    action      text NOT NULL,
    target_type text NOT NULL DEFAULT '',
    target_id   text NOT NULL DEFAULT '',
    org_id      uuid,
    ip          text NOT NULL DEFAULT '',
    details     text NOT NULL DEFAULT '{}',
    prev_hash   bytea NOT NULL,
    hash        bytea NOT NULL
);
CREATE INDEX audit_events_actor_idx ON audit_events (actor_id, id DESC);
CREATE INDEX audit_events_org_idx ON audit_events (org_id, id DESC);
CREATE INDEX audit_events_action_idx ON audit_events (action, id DESC);

-- +goose StatementBegin
CREATE FUNCTION audit_events_refuse_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_events is append-only: % refused', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd

CREATE TRIGGER audit_events_no_update_delete
    BEFORE UPDATE OR DELETE ON audit_events
    FOR EACH ROW EXECUTE FUNCTION audit_events_refuse_change();
CREATE TRIGGER audit_events_no_truncate
    BEFORE TRUNCATE ON audit_events
    FOR EACH STATEMENT EXECUTE FUNCTION audit_events_refuse_change();

-- +goose Down
DROP TABLE audit_events;
DROP FUNCTION audit_events_refuse_change();
