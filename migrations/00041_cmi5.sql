-- Issue 17, cmi5 (docs/xapi.md): a cmi5 course package is stored like a
-- SCORM package (version 'cmi5', internal/catalog) and its AUs play through
-- scorm_attempts' launch token on the content origin. cmi5_sessions holds
-- one launch of an AU: the one-time fetch token and the auth token it
-- becomes (hashes only, internal/token), usable as LRS credentials for that
-- registration only. Written by internal/learning.
-- +goose Up
ALTER TABLE scorm_packages DROP CONSTRAINT scorm_packages_version_check;
ALTER TABLE scorm_packages ADD CONSTRAINT scorm_packages_version_check CHECK (version IN ('1.2', '2004', 'cmi5'));
ALTER TABLE scorm_attempts DROP CONSTRAINT scorm_attempts_version_check;
ALTER TABLE scorm_attempts ADD CONSTRAINT scorm_attempts_version_check CHECK (version IN ('1.2', '2004', 'cmi5'));

CREATE TABLE cmi5_sessions (
    id               uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    enrolment_id     uuid NOT NULL REFERENCES enrolments(id) ON DELETE CASCADE,
    lesson_id        text NOT NULL,
    -- the LRS tenant the AU's statements go to: the course's provider
    org_id           uuid NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    -- the cmi5 registration: the enrolment's id
    registration     uuid NOT NULL,
    activity_id      text NOT NULL,
    -- NULL once the fetch URL has answered (one time only)
    fetch_token_hash bytea UNIQUE,
    auth_key         text NOT NULL UNIQUE,
    auth_secret_hash bytea,
    expires_at       timestamptz NOT NULL,
    -- the AU's "initialized" and "terminated" statements (cmi5 rules:
    -- initialized first, nothing after terminated)
    initialized_at   timestamptz,
    terminated_at    timestamptz,
    created_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX cmi5_sessions_enrolment ON cmi5_sessions (enrolment_id, lesson_id);

-- Forwarding an organisation's statements to its own external LRS (issue
-- 17 item 5, internal/xapi/forward.go). The password must be sent to the
-- other LRS, so it is kept as given (like TAKUMI_SMTP_PASSWORD), not hashed.
CREATE TABLE xapi_forwards (
    org_id     uuid PRIMARY KEY REFERENCES organisations(id) ON DELETE CASCADE,
    endpoint   text NOT NULL CHECK (endpoint ~ '^https?://'),
    username   text NOT NULL,
    password   text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now()
);
-- One row per statement to deliver, written in the statement's transaction;
-- delivered_at is set once the other LRS has answered 200 for it.
CREATE TABLE xapi_forward_queue (
    org_id       uuid NOT NULL,
    statement_id uuid NOT NULL,
    queued_at    timestamptz NOT NULL DEFAULT now(),
    delivered_at timestamptz,
    attempts     integer NOT NULL DEFAULT 0,
    last_error   text NOT NULL DEFAULT '',
    PRIMARY KEY (org_id, statement_id)
);
CREATE INDEX xapi_forward_queue_pending ON xapi_forward_queue (org_id, queued_at) WHERE delivered_at IS NULL;

-- +goose Down
DROP TABLE xapi_forward_queue;
DROP TABLE xapi_forwards;
DROP TABLE cmi5_sessions;
DELETE FROM scorm_attempts WHERE version = 'cmi5';
ALTER TABLE scorm_attempts DROP CONSTRAINT scorm_attempts_version_check;
ALTER TABLE scorm_attempts ADD CONSTRAINT scorm_attempts_version_check CHECK (version IN ('1.2', '2004'));
DELETE FROM scorm_packages WHERE version = 'cmi5';
ALTER TABLE scorm_packages DROP CONSTRAINT scorm_packages_version_check;
ALTER TABLE scorm_packages ADD CONSTRAINT scorm_packages_version_check CHECK (version IN ('1.2', '2004'));
