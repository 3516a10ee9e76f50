package learning

import _ "embed"

// The recounts of what quiz_stats and quiz_question_stats keep, read from
// every attempt (the queries course analytics ran before migration 00038),
// for TestQuizStatsMatchRecount.
var (
	//go:embed sql/analytics_quizzes_full.sql
	AnalyticsQuizzesFullSQL string
	//go:embed sql/analytics_questions_full.sql
	AnalyticsQuestionsFullSQL string
	AnalyticsQuizzesSQL       = analyticsQuizzesSQL
	AnalyticsQuestionsSQL     = analyticsQuestionsSQL
)
