-- Issue 17: the xAPI learning record store (internal/xapi, docs/xapi.md).
-- Each LRS client belongs to one organisation (employer or provider), and
-- the organisation is the tenant: its clients see its statements and
-- documents, never another's.
-- +goose Up
CREATE TABLE xapi_clients (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    org_id      uuid NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    name        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    -- the Basic auth user name; public, random
    key         text NOT NULL UNIQUE,
    -- SECURITY: internal/token's hash of the secret; the secret is shown once
    secret_hash bytea NOT NULL,
    can_read    boolean NOT NULL,
    can_write   boolean NOT NULL,
    -- the xAPI version the client's software speaks; the LRS reports it on
    -- an answer to a request that names no version (docs/xapi.md)
    xapi_version text NOT NULL DEFAULT '2.0.0' CHECK (xapi_version IN ('1.0.3', '2.0.0')),
    created_by  uuid REFERENCES users (id) ON DELETE SET NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    revoked_at  timestamptz,
    CHECK (can_read OR can_write)
);
CREATE INDEX xapi_clients_org ON xapi_clients (org_id, created_at);

-- Statements, one row each, the stored statement (with id, stored,
-- authority, version) in JSONB. Columns beside it carry what the query
-- filters need, filled at insert. Hash partitions on the statement id keep
-- each index small and let (org_id, id) stay the primary key.
CREATE TABLE xapi_statements (
    org_id        uuid NOT NULL,
    id            uuid NOT NULL,
    -- stored order; also the "more" cursor and Consistent-Through
    seq           bigint NOT NULL,
    stored        timestamptz NOT NULL,
    verb_id       text NOT NULL,
    -- IFIs ("mbox:mailto:a@b", "account:home|name", ...) of the actor ('' for
    -- an anonymous group) and of an agent or group object; related_agents adds
    -- group members, context agents, authority, instructor, team, substatement
    actor         text NOT NULL,
    object_agent  text,
    related_agents text[] NOT NULL,
    -- the object activity id ('' if none); with context and substatement activities
    activity      text NOT NULL,
    related_activities text[] NOT NULL,
    registration  uuid,
    -- the id of the StatementRef object (the statement a voiding statement
    -- voids, or any statement referred to), else NULL
    target        uuid,
    voided        boolean NOT NULL DEFAULT false,
    client_id     uuid,
    statement     jsonb NOT NULL,
    PRIMARY KEY (org_id, id)
) PARTITION BY HASH (id);
CREATE TABLE xapi_statements_p0 PARTITION OF xapi_statements FOR VALUES WITH (MODULUS 4, REMAINDER 0);
CREATE TABLE xapi_statements_p1 PARTITION OF xapi_statements FOR VALUES WITH (MODULUS 4, REMAINDER 1);
CREATE TABLE xapi_statements_p2 PARTITION OF xapi_statements FOR VALUES WITH (MODULUS 4, REMAINDER 2);
CREATE TABLE xapi_statements_p3 PARTITION OF xapi_statements FOR VALUES WITH (MODULUS 4, REMAINDER 3);
CREATE SEQUENCE xapi_statement_seq;
CREATE INDEX xapi_statements_seq ON xapi_statements (org_id, seq);
CREATE INDEX xapi_statements_verb ON xapi_statements (org_id, verb_id, seq);
CREATE INDEX xapi_statements_activity ON xapi_statements (org_id, activity, seq);
CREATE INDEX xapi_statements_verb_activity ON xapi_statements (org_id, verb_id, activity, seq);
CREATE INDEX xapi_statements_registration ON xapi_statements (org_id, registration, seq) WHERE registration IS NOT NULL;
CREATE INDEX xapi_statements_actor ON xapi_statements (org_id, actor, seq);
CREATE INDEX xapi_statements_object_agent ON xapi_statements (org_id, object_agent, seq) WHERE object_agent IS NOT NULL;
CREATE INDEX xapi_statements_related_agents ON xapi_statements USING gin (related_agents);
CREATE INDEX xapi_statements_related_activities ON xapi_statements USING gin (related_activities);
CREATE INDEX xapi_statements_target ON xapi_statements (org_id, target) WHERE target IS NOT NULL;

-- Attachment contents, by hash, per organisation.
CREATE TABLE xapi_attachments (
    org_id       uuid NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    sha2         text NOT NULL,
    content_type text NOT NULL,
    content      bytea NOT NULL,
    PRIMARY KEY (org_id, sha2)
);

-- State, Activity Profile and Agent Profile documents. kind is 'state',
-- 'activity' or 'agent'; the key columns not used by a kind are ''.
CREATE TABLE xapi_documents (
    org_id       uuid NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    kind         text NOT NULL CHECK (kind IN ('state', 'activity', 'agent')),
    activity_id  text NOT NULL,
    agent        text NOT NULL,
    registration text NOT NULL,
    doc_id       text NOT NULL,
    content_type text NOT NULL,
    content      bytea NOT NULL,
    etag         text NOT NULL,
    updated      timestamptz NOT NULL,
    PRIMARY KEY (org_id, kind, activity_id, agent, registration, doc_id)
);

-- The canonical definition of each activity seen in a statement.
CREATE TABLE xapi_activities (
    org_id     uuid NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    id         text NOT NULL,
    definition jsonb NOT NULL,
    PRIMARY KEY (org_id, id)
);

-- +goose Down
DROP TABLE xapi_activities;
DROP TABLE xapi_documents;
DROP TABLE xapi_attachments;
DROP SEQUENCE xapi_statement_seq;
DROP TABLE xapi_statements;
DROP TABLE xapi_clients;
