-- analytics_questions: per quiz question of a course, how many submitted
-- attempts answered it and how many got it right, from the counters kept
-- with every change of quiz_attempts (quiz_question_stats, migration
-- 00038); analytics_questions_full.sql counts the same from the attempts'
-- results (TestQuizStatsMatchRecount).
SELECT lesson_id, question_id, sum(answered)::bigint AS answered, sum(correct)::bigint AS correct
FROM quiz_question_stats WHERE course_id = @course GROUP BY lesson_id, question_id -- the slots (migration 00055)
