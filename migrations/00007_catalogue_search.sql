-- Catalogue search performance (measured in docs/performance.md).
-- +goose Up

-- Courses are published rarely and searched constantly. With GIN's default
-- fast update, new bigrams wait in a pending list that every search scans
-- (and that makes the planner avoid the index) until the next vacuum; write
-- them straight into the index instead.
ALTER INDEX courses_grams_idx SET (fastupdate = off);
SELECT gin_clean_pending_list('courses_grams_idx');

-- The catalogue's counts group every published course by all its filters;
-- with those columns in one index they are an index-only scan instead of a
-- pass over the wide course rows.
CREATE INDEX courses_facets_idx ON courses (skill_area_code, level, delivery_mode, language, estimated_hours, provider_id)
    WHERE status = 'published';

-- +goose Down
DROP INDEX courses_facets_idx;
ALTER INDEX courses_grams_idx RESET (fastupdate);
