-- Issuing credentials: validity per course, learning paths, and the
-- credential events of the learning-event log.
-- +goose Up

-- Months a course's credential stays valid (NULL: no expiry). A credential
-- that needs renewal carries validUntil.
ALTER TABLE courses ADD COLUMN credential_valid_months integer
    CHECK (credential_valid_months BETWEEN 1 AND 120);

-- A learning path: an ordered set of one provider's published courses that
-- earns its own credential when all are completed.
CREATE TABLE learning_paths (
    id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    provider_id             uuid NOT NULL REFERENCES organisations(id),
    code                    text NOT NULL CHECK (code ~ '^[a-z0-9][a-z0-9-]{1,39}$'),
    title_ja                text NOT NULL CHECK (length(title_ja) BETWEEN 1 AND 200),
    title_en                text NOT NULL DEFAULT '' CHECK (length(title_en) <= 200),
    description_ja          text NOT NULL DEFAULT '' CHECK (length(description_ja) <= 2000),
    description_en          text NOT NULL DEFAULT '' CHECK (length(description_en) <= 2000),
    credential_valid_months integer CHECK (credential_valid_months BETWEEN 1 AND 120),
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    UNIQUE (provider_id, code)
);

CREATE TABLE learning_path_courses (
    path_id   uuid NOT NULL REFERENCES learning_paths(id) ON DELETE CASCADE,
    course_id uuid NOT NULL REFERENCES courses(id),
    position  integer NOT NULL CHECK (position >= 1),
    PRIMARY KEY (path_id, course_id)
);
CREATE INDEX learning_path_courses_course ON learning_path_courses (course_id);

-- Who issued it (the provider) and what it is for, kept on the credential so
-- that revocation rights and the wallet never depend on the catalogue.
ALTER TABLE credentials ADD COLUMN provider_id uuid REFERENCES organisations(id);
ALTER TABLE credentials ADD CONSTRAINT credentials_path_fk FOREIGN KEY (path_id) REFERENCES learning_paths(id);
CREATE INDEX credentials_path_user ON credentials (path_id, user_id) WHERE path_id IS NOT NULL;
CREATE INDEX credentials_provider ON credentials (provider_id, issued_at DESC);

ALTER TABLE learning_events DROP CONSTRAINT learning_events_event_type_check;
ALTER TABLE learning_events ADD CONSTRAINT learning_events_event_type_check CHECK (event_type IN (
    'enrolled', 'withdrawn', 'seat_taken', 'waitlisted', 'lesson_completed', 'quiz_attempted',
    'course_completed', 'credential_issued', 'credential_revoked'));

-- +goose Down
ALTER TABLE learning_events DROP CONSTRAINT learning_events_event_type_check;
ALTER TABLE learning_events ADD CONSTRAINT learning_events_event_type_check CHECK (event_type IN (
    'enrolled', 'withdrawn', 'seat_taken', 'waitlisted', 'lesson_completed', 'quiz_attempted', 'course_completed'));
DROP INDEX credentials_provider;
DROP INDEX credentials_path_user;
ALTER TABLE credentials DROP CONSTRAINT credentials_path_fk;
ALTER TABLE credentials DROP COLUMN provider_id;
DROP TABLE learning_path_courses;
DROP TABLE learning_paths;
ALTER TABLE courses DROP COLUMN credential_valid_months;
