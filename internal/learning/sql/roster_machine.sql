-- roster_machine: the machine-speed quiz attempts of one roster row's
-- enrolment (r.enrolment_id): submitted attempts that took less than
-- machine_seconds seconds per question. A LATERAL subquery joined to the
-- rows of one page only (LIMIT first, flags after), so a page costs the
-- same whatever the organisation's size: attempts = how many, seconds and
-- questions describe the quickest.
SELECT count(*) OVER () AS attempts,
       extract(epoch FROM qa.submitted_at - qa.started_at)::float8 AS seconds,
       (SELECT count(*)::int FROM jsonb_object_keys(qa.results)) AS questions
FROM quiz_attempts qa
WHERE qa.enrolment_id = r.enrolment_id AND NOT r.awaiting_consent AND qa.submitted_at IS NOT NULL
  AND quiz_seconds_per_question(qa.started_at, qa.submitted_at, qa.results) < CAST(@machine_seconds AS float8)
ORDER BY quiz_seconds_per_question(qa.started_at, qa.submitted_at, qa.results), qa.started_at
LIMIT 1
