-- An optional change note the author writes when publishing a revision
-- ("what changed"), shown in the studio's revision history (issue 14).
-- +goose Up
ALTER TABLE course_revisions ADD COLUMN publish_note text NOT NULL DEFAULT ''
    CHECK (char_length(publish_note) <= 500);

-- +goose Down
ALTER TABLE course_revisions DROP COLUMN publish_note;
