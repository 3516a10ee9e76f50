-- typical-learner.sql: a seed learner to measure learner pages with
-- (scripts/national-bench.sh LEARNER=...) besides the bench learner, whose
-- 50 enrolments are the seed's heaviest. It prints the email of the first
-- seed learner (by email) with exactly :n live enrolments, one of them in
-- progress with a next lesson and some progress (the player's page).
-- At 1,000,000 learners the seed's median learner has 3 live enrolments,
-- the 95th percentile 12 and the 99th 18 (sampled, 2026-12-07).
-- Usage: psql -At -v n=3 -d takumi_scale -f scripts/typical-learner.sql
SELECT u.email
FROM users u
WHERE u.email LIKE 'learner%@seed.takumi.localhost'
  AND (SELECT count(*) FROM enrolments e
        WHERE e.user_id = u.id AND e.superseded_at IS NULL
          AND e.status IN ('active', 'waitlisted', 'completed')) = :n
  AND EXISTS (SELECT FROM enrolments e
               WHERE e.user_id = u.id AND e.status = 'active' AND e.next_lesson_id IS NOT NULL
                 AND e.progress_percent > 0 AND e.superseded_at IS NULL)
ORDER BY u.email
LIMIT 1;
