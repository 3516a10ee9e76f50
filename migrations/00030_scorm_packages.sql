-- Issue 16: SCORM packages. A package is an imported SCORM 1.2 or 2004 zip;
-- each of its files is kept through internal/storage (scorm_files.storage_key)
-- and served only from the content origin (docs/scorm.md). Written by
-- internal/catalog.
-- +goose Up
CREATE TABLE scorm_packages (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    provider_id  uuid NOT NULL REFERENCES organisations(id),
    course_id    uuid REFERENCES courses(id) ON DELETE SET NULL,
    version      text NOT NULL CHECK (version IN ('1.2', '2004')),
    edition      text NOT NULL DEFAULT '',
    title        text NOT NULL DEFAULT '',
    file_count   integer NOT NULL CHECK (file_count >= 0),
    size_bytes   bigint NOT NULL CHECK (size_bytes >= 0),
    warnings     jsonb NOT NULL DEFAULT '[]',
    created_by   uuid REFERENCES users(id) ON DELETE SET NULL,
    created_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX scorm_packages_course_idx ON scorm_packages (course_id);

CREATE TABLE scorm_files (
    package_id   uuid NOT NULL REFERENCES scorm_packages(id) ON DELETE CASCADE,
    path         text NOT NULL CHECK (length(path) BETWEEN 1 AND 1024),
    content_type text NOT NULL,
    size_bytes   bigint NOT NULL CHECK (size_bytes >= 0),
    storage_key  text NOT NULL UNIQUE,
    PRIMARY KEY (package_id, path)
);

-- +goose Down
DROP TABLE scorm_files;
DROP TABLE scorm_packages;
