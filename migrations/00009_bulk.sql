-- Bulk enrolment by CSV: the uploaded files between the dry run and the
-- real run, and the course enrolments waiting for people who have no
-- account yet (turned into enrolments when they accept the organisation's
-- invitation).
-- +goose Up

-- An uploaded CSV, kept from its dry run until the import that uses it has
-- finished (then deleted: it holds personal data), or for at most a day.
-- Keyed by organisation and SHA-256, so the run uses exactly the file that
-- was checked, and any app instance's worker can read it.
CREATE TABLE enrolment_import_files (
    org_id      uuid NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    sha256      bytea NOT NULL,
    filename    text NOT NULL,
    content     bytea NOT NULL,
    total_rows  integer NOT NULL,
    error_count integer NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, sha256)
);
CREATE INDEX enrolment_import_files_created_idx ON enrolment_import_files (created_at);

-- A course enrolment an organisation asked for, for a person without an
-- account: one per organisation, address and course.
CREATE TABLE pending_enrolments (
    org_id          uuid NOT NULL REFERENCES organisations(id) ON DELETE CASCADE,
    email           text NOT NULL CHECK (email = lower(email)),
    course_id       uuid NOT NULL REFERENCES courses(id) ON DELETE CASCADE,
    cohort_id       uuid REFERENCES cohorts(id) ON DELETE CASCADE,
    import_id       uuid REFERENCES enrolment_imports(id) ON DELETE SET NULL,
    display_name    text NOT NULL DEFAULT '',
    prefecture_code char(2),
    industry_code   char(1),
    segment         text,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (org_id, email, course_id)
);

-- +goose Down
DROP TABLE pending_enrolments;
DROP TABLE enrolment_import_files;
