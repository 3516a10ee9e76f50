-- Issue 20: the roster's search for a word of two characters — a Japanese
-- surname such as 青木 or 佐藤, the search an employer makes most — without
-- reading every row of the organisation (owner internal/learning).
--
-- The trigram indexes of 00053 cannot narrow a word shorter than three
-- characters ("%青木%" has no trigram of its own), so until now such a
-- search read the organisation's rows, 100,000 of them in the largest
-- (docs/performance.md, "Roster: a two-character search"). This index
-- holds, for every roster row, each pair of adjacent characters of its
-- lower-cased name and address, each prefixed with the last 12 hex digits
-- of the row's organisation (random in a uuid of version 4 or 7): a pair's
-- posting list is that organisation's rows holding it, not the country's.
-- A search word of two characters is then one key, made by the same
-- function (roster_search_bigrams(org, word, NULL)): its rows are read
-- exactly, and a search of more words is checked on each as before. ILIKE
-- compares lower() of both sides in a multibyte database, so the pairs of
-- lower() hold every row the search matches. Another organisation whose
-- id ends alike would only add candidates (the organisation is checked on
-- each row).
--
-- The index is built CONCURRENTLY, outside a transaction: built plainly it
-- would hold back every write to roster_entries (enrolments, progress,
-- names) while it is built: 7.6 s for 200,000 rows on a 2-core machine
-- (busy with other work), minutes for a national roster. Each statement can be
-- run again after a failure (an interrupted build leaves an invalid index,
-- dropped by the next run).
-- +goose NO TRANSACTION
-- +goose Up
-- +goose StatementBegin
-- PL/pgSQL, not SQL: a SQL function is not inlined in an index and was
-- 47 µs a row, this one 13 µs. Repeated pairs are left in: GIN keeps
-- each key of a row once.
CREATE OR REPLACE FUNCTION roster_search_bigrams(org uuid, name text, email text) RETURNS text[]
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    prefix text := right(org::text, 12);
    s text;
    pairs text[] := '{}';
BEGIN
    FOREACH s IN ARRAY ARRAY[lower(name), lower(email)] LOOP
        CONTINUE WHEN s IS NULL;
        FOR i IN 1 .. length(s) - 1 LOOP
            pairs := pairs || (prefix || substr(s, i, 2));
        END LOOP;
    END LOOP;
    RETURN pairs;
END
$$;
-- +goose StatementEnd
DROP INDEX CONCURRENTLY IF EXISTS roster_entries_bigrams;
CREATE INDEX CONCURRENTLY roster_entries_bigrams ON roster_entries USING gin (roster_search_bigrams(org_id, display_name, email));

-- +goose Down
DROP INDEX CONCURRENTLY IF EXISTS roster_entries_bigrams;
DROP FUNCTION IF EXISTS roster_search_bigrams(uuid, text, text);
