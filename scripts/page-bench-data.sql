-- page-bench-data.sql: adds :learners learners to the demo employer of a
-- database `takumi demo` filled, for scripts/page-bench.sh and the roster
-- and analytics benchmarks (internal/learning/roster_bench_test.go).
-- Each learner is a member of the employer, enrolled by it in
-- cloud-basics-101 (the "big course": lesson progress on a share of its
-- lessons, ten submitted attempts of its quiz, one in two hundred
-- suspiciously fast; each enrolment with a credential of the course's
-- provider) and, on their own, in genai-office-101. Set-based
-- INSERT … SELECT generate_series, run inside PostgreSQL; then VACUUM
-- ANALYZE, the state autovacuum keeps a live table in. The counters and the
-- roster are not right until `takumi recount` has run after this file.
-- Usage: psql -v learners=1000 -f scripts/page-bench-data.sql DB && takumi recount
\set ON_ERROR_STOP on
BEGIN;
-- The roster's read model (migration 00048) is kept by row triggers that
-- recompute a person's rows per membership and enrolment (300,000 calls at
-- 100,000 learners); they are off for this load and the model is rebuilt
-- from every row after it (`takumi recount`, run by scripts/page-bench.sh).
DO $$ DECLARE t record; BEGIN
    FOR t IN SELECT tgrelid::regclass AS rel, tgname FROM pg_trigger WHERE tgname LIKE 'roster\_%' AND NOT tgisinternal LOOP
        EXECUTE format('ALTER TABLE %s DISABLE TRIGGER %I', t.rel, t.tgname);
    END LOOP;
END $$;
CREATE TEMP TABLE b_org AS SELECT id FROM organisations WHERE name_en = 'Tokai Precision Works (demo)';
CREATE TEMP TABLE b_course AS
    SELECT c.id, r.content FROM courses c JOIN course_revisions r ON r.course_id = c.id AND r.number = c.published_revision
    WHERE c.code = 'cloud-basics-101';
CREATE TEMP TABLE b_other AS SELECT id FROM courses WHERE code = 'genai-office-101';
CREATE TEMP TABLE b_lessons AS
    SELECT l->>'id' AS lesson_id, l->>'kind' AS kind, ord::int AS ord, l
    FROM b_course, jsonb_path_query(b_course.content, '$.modules[*].lessons[*]') WITH ORDINALITY AS t(l, ord);
CREATE TEMP TABLE b_questions AS
    SELECT l.lesson_id, q->>'id' AS question_id
    FROM b_lessons l, jsonb_path_query(l.l, '$.quiz.questions[*]') AS q WHERE l.kind = 'quiz';

CREATE TEMP TABLE b_users AS
    SELECT gen_random_uuid() AS id, i FROM generate_series(1, :learners) i;
INSERT INTO users (id, email, password_hash, display_name, prefecture_code, industry_code, segment,
                   language, privacy_notice_version, consented_at, email_verified_at)
SELECT id, 'bench' || i || '@bench.takumi.localhost', 'x',
       -- a surname of two characters, 200 of them in turn (each 0.5 % of
       -- the learners, as common Japanese surnames are): 佐藤 for i = 21,
       -- 221, 421, … (the roster-surname page's search; not the learners
       -- flagged below, i % 200 = 0, who are all 青木)
       '受講者 ' || lpad(i::text, 6, '0') || ' ' ||
       (string_to_array('青,佐,田,山,鈴,高,伊,渡,中,小,加,吉,松,井,木,林,清,斎,森,池', ','))[i % 20 + 1] ||
       (string_to_array('木,藤,中,本,村,田,川,野,島,原', ','))[(i / 20) % 10 + 1],
       '23', 'E', 'engineer', 'ja', '2026-11', now(), now()
FROM b_users;
INSERT INTO memberships (org_id, user_id, role) SELECT (SELECT id FROM b_org), id, 'member' FROM b_users;

-- The employer's enrolment in the big course: a third completed, the rest
-- active; last activity spread over 60 days.
CREATE TEMP TABLE b_enrol AS
    SELECT gen_random_uuid() AS id, u.id AS user_id, u.i,
           now() - interval '90 days' + (u.i % 30) * interval '1 day' AS enrolled_at
    FROM b_users u;
INSERT INTO enrolments (id, user_id, course_id, org_id, status, enrolled_at, completed_at, last_activity_at, progress_percent)
SELECT e.id, e.user_id, (SELECT id FROM b_course), (SELECT id FROM b_org),
       CASE WHEN e.i % 3 = 0 THEN 'completed' ELSE 'active' END,
       e.enrolled_at,
       CASE WHEN e.i % 3 = 0 THEN e.enrolled_at + CASE WHEN e.i % 200 = 0 THEN interval '20 minutes' ELSE interval '20 days' END END,
       now() - (e.i % 60) * interval '1 day',
       CASE WHEN e.i % 3 = 0 THEN 100 ELSE (e.i * 7) % 100 END
FROM b_enrol e;
-- Their own enrolment in a second course.
INSERT INTO enrolments (user_id, course_id, status, enrolled_at, last_activity_at, progress_percent)
SELECT u.id, (SELECT id FROM b_other), 'active', now() - interval '10 days', now() - (u.i % 10) * interval '1 day', 10
FROM b_users u;

-- The row triggers keeping the analytics counters (migrations 00038,
-- 00039) would upsert one counter row per lesson 500,000 and 1,000,000
-- times in this one transaction (a chain of row versions that gets slower
-- with each: the load ran > 15 min); they are off for the two bulk
-- inserts (session_replication_role, which also skips their foreign key
-- checks: the rows come from b_enrol) and the counters are recounted
-- after (RecountAnalytics, through `takumi recount`).
SET LOCAL session_replication_role = replica;

-- Lesson progress: learner i reached the first 1 + i % n lessons.
INSERT INTO lesson_progress (enrolment_id, lesson_id, first_seen_at, last_seen_at, seconds_on_task, completed_at)
SELECT e.id, l.lesson_id, e.enrolled_at, e.enrolled_at + interval '1 hour', 600, e.enrolled_at + interval '1 hour'
FROM b_enrol e JOIN b_lessons l ON l.ord <= 1 + e.i % (SELECT count(*) FROM b_lessons);

-- Ten submitted attempts of the quiz per enrolment; one enrolment in 200
-- answered in one second (a "machine" attempt).
INSERT INTO quiz_attempts (enrolment_id, lesson_id, revision, started_at, submitted_at, seed, score, max_score, passed, results)
SELECT e.id, q.lesson_id, 1, e.enrolled_at + a * interval '1 hour',
       e.enrolled_at + a * interval '1 hour' + CASE WHEN e.i % 200 = 0 THEN interval '1 second' ELSE interval '5 minutes' END,
       a, 4, 5, a % 2 = 0,
       (SELECT jsonb_object_agg(qq.question_id, (hashtext(qq.question_id || e.i || a) % 3) <> 0)
        FROM b_questions qq WHERE qq.lesson_id = q.lesson_id)
FROM b_enrol e
CROSS JOIN (SELECT DISTINCT lesson_id FROM b_questions) q
CROSS JOIN generate_series(1, 10) a;
SET LOCAL session_replication_role = origin;
-- The counters the two inserts skipped (quiz_stats, quiz_question_stats,
-- lesson_stats) are recounted after this file by `takumi recount`
-- (scripts/page-bench.sh), with the roster's read model: the owners'
-- recounts (internal/recount), not a copy of them here.
-- The big course's provider issued a credential for each of these
-- enrolments (:learners credentials: the provider's list of issued
-- credentials, /org/<provider>/credentials), issued over 200 days, three
-- at a time (ties fall back to the id). Unsigned placeholders: the list
-- shows names and dates, not documents. The count per provider (migration
-- 00054) is kept by the statement trigger of this INSERT.
INSERT INTO credentials (enrolment_id, user_id, course_id, provider_id, status_list_id, status_index, issued_at, valid_from, key_id, document)
SELECT e.id, e.user_id, (SELECT id FROM b_course), c.provider_id, 'revocation-1', 10000 + e.i,
       now() - interval '200 days' + (e.i / 3) * interval '15 seconds', now(), 'bench', '{}'
FROM b_enrol e, courses c WHERE c.id = (SELECT id FROM b_course);
DO $$ DECLARE t record; BEGIN
    FOR t IN SELECT tgrelid::regclass AS rel, tgname FROM pg_trigger WHERE tgname LIKE 'roster\_%' AND NOT tgisinternal LOOP
        EXECUTE format('ALTER TABLE %s ENABLE TRIGGER %I', t.rel, t.tgname);
    END LOOP;
END $$;
COMMIT;
VACUUM ANALYZE users, memberships, enrolments, lesson_progress, quiz_attempts, credentials;
