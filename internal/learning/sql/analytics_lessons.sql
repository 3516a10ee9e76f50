-- analytics_lessons: per lesson of a course, how many enrolments reached
-- it (opened it at least once) and how many completed it, waitlisted
-- enrolments left out, from the counters kept with every change of
-- lesson_progress and enrolments (lesson_stats, migration 00039);
-- analytics_lessons_full.sql counts the same from every row
-- (TestLessonStatsMatchRecount).
SELECT lesson_id, sum(reached)::bigint AS reached, sum(completed)::bigint AS completed
FROM lesson_stats WHERE course_id = @course GROUP BY lesson_id -- the slots (migration 00055)
