-- Issue 19 item 4, learning done elsewhere (docs/credentials.md, "Partner
-- issuers"): partner issuers registered by platform admins with their DID
-- document stored (Takumi never fetches at request time), their
-- achievements mapped to skill areas, the status lists known for them, and
-- the partners' Open Badges 3.0 credentials learners hold. Written by
-- internal/partner. A credential that counts is fed to the progress engine
-- as learning events ('partner_credential_counted' and, when it stops
-- counting, 'partner_credential_revoked'), appended in the same transaction.
-- +goose Up
CREATE TABLE partner_issuers (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    did             text NOT NULL UNIQUE CHECK (did ~ '^did:(web|key):[A-Za-z0-9._:%-]+$' AND length(did) <= 300),
    name_ja         text NOT NULL CHECK (length(name_ja) BETWEEN 1 AND 200),
    name_en         text NOT NULL CHECK (length(name_en) BETWEEN 1 AND 200),
    kind            text NOT NULL CHECK (kind IN ('university', 'vendor', 'provider', 'other')),
    -- the DID document as stored at registration or at the last refresh
    did_document    jsonb NOT NULL,
    document_source text NOT NULL CHECK (document_source IN ('derived', 'pasted', 'fetched')),
    document_at     timestamptz NOT NULL DEFAULT now(),
    -- the organisation whose API clients may push this partner's credentials
    org_id          uuid REFERENCES organisations(id) ON DELETE SET NULL,
    created_by      uuid,
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE partner_achievements (
    issuer_id      uuid NOT NULL REFERENCES partner_issuers(id) ON DELETE CASCADE,
    achievement_id text NOT NULL CHECK (length(achievement_id) BETWEEN 1 AND 500),
    skill_area     text NOT NULL REFERENCES skill_areas(code),
    created_at     timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (issuer_id, achievement_id)
);

-- Signed BitstringStatusListCredentials of a partner, pasted by an admin or
-- pushed with a credential; the newest verified one per URL.
CREATE TABLE partner_status_lists (
    issuer_id  uuid NOT NULL REFERENCES partner_issuers(id) ON DELETE CASCADE,
    url        text NOT NULL,
    document   text NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (issuer_id, url)
);

CREATE TABLE partner_credentials (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    issuer_id          uuid NOT NULL REFERENCES partner_issuers(id) ON DELETE RESTRICT,
    credential_id      text NOT NULL,
    user_id            uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    achievement_id     text NOT NULL,
    achievement_name   text NOT NULL DEFAULT '',
    document           text NOT NULL,
    valid_from         timestamptz NOT NULL,
    valid_until        timestamptz,
    status_list_url    text,
    status_index       integer,
    source             text NOT NULL CHECK (source IN ('wallet', 'api')),
    matched_by         text NOT NULL CHECK (matched_by IN ('identity_hash', 'confirmation')),
    added_at           timestamptz NOT NULL DEFAULT now(),
    revoked_at         timestamptz,
    revocation_reason  text NOT NULL DEFAULT '',
    -- the credential_id of the learning event that counts it now (NULL: not counted)
    count_id           uuid UNIQUE,
    counted_skill_area text,
    UNIQUE (issuer_id, credential_id)
);
-- Same learner, same achievement of the same partner: held (and counted) once.
CREATE UNIQUE INDEX partner_credentials_once ON partner_credentials (user_id, issuer_id, achievement_id) WHERE revoked_at IS NULL;
CREATE INDEX partner_credentials_user ON partner_credentials (user_id, added_at DESC);
CREATE INDEX partner_credentials_achievement ON partner_credentials (issuer_id, achievement_id);
CREATE INDEX partner_credentials_status ON partner_credentials (issuer_id, status_list_url) WHERE status_list_url IS NOT NULL;

ALTER TABLE learning_events DROP CONSTRAINT learning_events_event_type_check;
ALTER TABLE learning_events ADD CONSTRAINT learning_events_event_type_check CHECK (event_type IN (
    'enrolled', 'withdrawn', 'seat_taken', 'waitlisted', 'lesson_completed', 'quiz_attempted',
    'course_completed', 'credential_issued', 'credential_revoked',
    'scorm_launched', 'scorm_status_changed', 'scorm_scored',
    'partner_credential_counted', 'partner_credential_revoked'));

-- +goose Down
DELETE FROM learning_events WHERE event_type IN ('partner_credential_counted', 'partner_credential_revoked');
ALTER TABLE learning_events DROP CONSTRAINT learning_events_event_type_check;
ALTER TABLE learning_events ADD CONSTRAINT learning_events_event_type_check CHECK (event_type IN (
    'enrolled', 'withdrawn', 'seat_taken', 'waitlisted', 'lesson_completed', 'quiz_attempted',
    'course_completed', 'credential_issued', 'credential_revoked',
    'scorm_launched', 'scorm_status_changed', 'scorm_scored'));
DROP TABLE partner_credentials;
DROP TABLE partner_status_lists;
DROP TABLE partner_achievements;
DROP TABLE partner_issuers;
