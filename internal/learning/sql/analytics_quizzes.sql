-- analytics_quizzes: per quiz lesson of a course, the submitted attempts
-- and how many passed, from the counters kept with every change of
-- quiz_attempts (quiz_stats, migration 00038); analytics_quizzes_full.sql
-- counts the same from the attempts (TestQuizStatsMatchRecount).
SELECT lesson_id, sum(attempts)::bigint AS attempts, sum(passed)::bigint AS passed
FROM quiz_stats WHERE course_id = @course GROUP BY lesson_id -- the slots (migration 00055)
