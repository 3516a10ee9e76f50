package learning

import _ "embed"

// The recounts of what the analytics counters keep, read from every row
// (the queries course analytics ran before migrations 00038, 00039 and
// 00051),
// for TestAnalyticsCountersMatchRecount.
var (
	//go:embed sql/analytics_quizzes_full.sql
	AnalyticsQuizzesFullSQL string
	//go:embed sql/analytics_questions_full.sql
	AnalyticsQuestionsFullSQL string
	//go:embed sql/analytics_lessons_full.sql
	AnalyticsLessonsFullSQL string
	//go:embed sql/analytics_summary_full.sql
	AnalyticsSummaryFullSQL string
	AnalyticsQuizzesSQL     = analyticsQuizzesSQL
	AnalyticsQuestionsSQL   = analyticsQuestionsSQL
	AnalyticsLessonsSQL     = analyticsLessonsSQL
	AnalyticsSummarySQL     = analyticsSummarySQL
)
