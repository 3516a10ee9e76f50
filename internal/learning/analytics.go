package learning

import (
	"context"
	"database/sql"
	_ "embed"
	"time"

	"gorm.io/gorm"

	"takumi/internal/apperr"
	"takumi/internal/catalog"
)

// AnalyticsActiveDays is the window of "active learners": anyone with
// activity in the course during the last this many days.
const AnalyticsActiveDays = 30

//go:embed sql/analytics_summary.sql
var analyticsSummarySQL string

//go:embed sql/analytics_lessons.sql
var analyticsLessonsSQL string

//go:embed sql/analytics_quizzes.sql
var analyticsQuizzesSQL string

//go:embed sql/analytics_questions.sql
var analyticsQuestionsSQL string

// analyticsCountsSQL is analytics_lessons, _quizzes and _questions in one
// statement (one round trip instead of three, issue 20), each row marked
// with its kind: l (reached, completed), q (attempts, passed) or
// x (answered, correct).
// Sent without their comments (sqlCode), as analyticsSummaryCode.
var analyticsCountsSQL = "SELECT 'l' AS kind, lesson_id, '' AS question_id, reached AS a, completed AS b FROM (\n" +
	sqlCode(analyticsLessonsSQL) + ") l\nUNION ALL\nSELECT 'q', lesson_id, '', attempts, passed FROM (\n" +
	sqlCode(analyticsQuizzesSQL) + ") q\nUNION ALL\nSELECT 'x', lesson_id, question_id, answered, correct FROM (\n" +
	sqlCode(analyticsQuestionsSQL) + ") x"

// analyticsSummaryCode is analytics_summary.sql as sent: without its
// comments (sqlCode).
var analyticsSummaryCode = sqlCode(analyticsSummarySQL)

// CourseAnalytics is what an instructor sees about one course: aggregates
// only, never a learner's name.
type CourseAnalytics struct {
	CourseID   string
	Course     *catalog.Course       // for the page's head
	Head       *catalog.RevisionHead // the latest revision (the draft when there is one), without content
	Content    *catalog.Content      // of the current published revision (empty when never published); shared, read-only
	Revision   int                   // its number, 0 when never published
	Enrolments int                   // every enrolment, whatever its status
	Active     int
	Waitlisted int
	Completed  int
	Withdrawn  int
	// Started counts the enrolments that could study (all but waitlisted):
	// the denominator of the completion rate and of the lesson shares.
	Started int
	// ActiveLearners counts people with activity in the last
	// AnalyticsActiveDays days.
	ActiveLearners int
	// CompletionRate is Completed / Started (0 when nobody started).
	CompletionRate float64
	// MedianCompletion is the median time from enrolment to completion, nil
	// before the first completion.
	MedianCompletion *time.Duration
	Lessons          []AnalyticsLesson
	Quizzes          []AnalyticsQuiz
	// Scorm: per SCORM lesson, what its package reported (issue 16).
	Scorm []AnalyticsScorm
}

// AnalyticsLesson is one lesson of the published revision, in course order,
// with how far learners got: the drop-off table.
type AnalyticsLesson struct {
	Position  int // 1-based, across modules
	Module    *catalog.Module
	Lesson    *catalog.Lesson
	Reached   int     // enrolments that opened it
	Completed int     // enrolments that completed it
	Reach     float64 // Reached / Started
	Done      float64 // Completed / Started
}

// AnalyticsQuiz is one quiz lesson with its attempts and per-question
// statistics.
type AnalyticsQuiz struct {
	Lesson    *catalog.Lesson
	Attempts  int // submitted attempts
	Passed    int
	Questions []AnalyticsQuestion
}

// AnalyticsQuestion is how one quiz question went across submitted
// attempts.
type AnalyticsQuestion struct {
	Number   int // 1-based, in the quiz's order
	Question *catalog.Question
	Answered int     // attempts that answered it
	Correct  int     // of which right
	Share    float64 // Correct / Answered (0 when unanswered)
}

type analyticsSummaryRow struct {
	Enrolments, Active, Waitlisted, Completed, Withdrawn, ActiveLearners int
	MedianCompletionSeconds                                              *float64
}

type analyticsCountRow struct {
	LessonID   string
	QuestionID string
	Reached    int
	Completed  int
	Attempts   int
	Passed     int
	Answered   int
	Correct    int
}

// CourseAnalytics returns the aggregates of course courseID for an editor
// of its provider: enrolments by status, active learners, completions and
// the completion rate, the median time to complete, drop-off by lesson of
// the current published revision and per-question quiz statistics.
// SECURITY: the catalog domain checks the actor edits the course's
// provider; anyone else gets not_found. Errors: not_found.
func (s *Service) CourseAnalytics(ctx context.Context, a catalog.Actor, courseID string) (*CourseAnalytics, error) {
	// The course, its head for the page and its published content, in one
	// statement with the content from the cache (issue 20: this page read
	// the course and checked its author twice, and decoded the content on
	// every request).
	course, head, content, revision, err := s.courses.CourseHead(ctx, a, courseID)
	if err != nil {
		return nil, err
	}
	db := s.db.WithContext(ctx)
	out := &CourseAnalytics{CourseID: course.ID, Course: course, Head: head, Content: content, Revision: revision}
	args := map[string]any{"course": course.ID, "since": s.now().Add(-AnalyticsActiveDays * 24 * time.Hour)}

	var sum analyticsSummaryRow
	var lessonRows, quizRows, questionRows []analyticsCountRow
	err = db.Transaction(func(tx *gorm.DB) error {
		// A large course makes these aggregates' cost estimates high enough
		// for JIT compilation, which costs more than it saves here (about
		// half of a 100,000-learner course's time, docs/performance.md).
		if err := tx.Exec("SET LOCAL jit = off").Error; err != nil {
			return err
		}
		if err := tx.Raw(analyticsSummaryCode, args).Scan(&sum).Error; err != nil {
			return err
		}
		rows, err := tx.Raw(analyticsCountsSQL, args).Rows()
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var kind string
			var r analyticsCountRow
			var a, b int
			if err := rows.Scan(&kind, &r.LessonID, &r.QuestionID, &a, &b); err != nil {
				return err
			}
			switch kind {
			case "l":
				r.Reached, r.Completed = a, b
				lessonRows = append(lessonRows, r)
			case "q":
				r.Attempts, r.Passed = a, b
				quizRows = append(quizRows, r)
			default:
				r.Answered, r.Correct = a, b
				questionRows = append(questionRows, r)
			}
		}
		return rows.Err()
	}, &sql.TxOptions{ReadOnly: true})
	if err != nil {
		return nil, apperr.Coded(err)
	}
	out.Enrolments, out.Active, out.Waitlisted = sum.Enrolments, sum.Active, sum.Waitlisted
	out.Completed, out.Withdrawn, out.ActiveLearners = sum.Completed, sum.Withdrawn, sum.ActiveLearners
	out.Started = sum.Enrolments - sum.Waitlisted
	out.CompletionRate = analyticsShare(sum.Completed, out.Started)
	if sum.MedianCompletionSeconds != nil {
		d := time.Duration(*sum.MedianCompletionSeconds * float64(time.Second)).Round(time.Second)
		out.MedianCompletion = &d
	}

	byLesson := map[string]analyticsCountRow{}
	for _, r := range lessonRows {
		byLesson[r.LessonID] = r
	}
	byQuiz := map[string]analyticsCountRow{}
	for _, r := range quizRows {
		byQuiz[r.LessonID] = r
	}
	byQuestion := map[[2]string]analyticsCountRow{}
	for _, r := range questionRows {
		byQuestion[[2]string{r.LessonID, r.QuestionID}] = r
	}

	pos := 0
	for mi := range out.Content.Modules {
		m := &out.Content.Modules[mi]
		for li := range m.Lessons {
			l := &m.Lessons[li]
			pos++
			r := byLesson[l.ID]
			out.Lessons = append(out.Lessons, AnalyticsLesson{Position: pos, Module: m, Lesson: l,
				Reached: r.Reached, Completed: r.Completed,
				Reach: analyticsShare(r.Reached, out.Started), Done: analyticsShare(r.Completed, out.Started)})
			if l.Kind != catalog.LessonQuiz || l.Quiz == nil {
				continue
			}
			q := AnalyticsQuiz{Lesson: l, Attempts: byQuiz[l.ID].Attempts, Passed: byQuiz[l.ID].Passed}
			for qi := range l.Quiz.Questions {
				qu := &l.Quiz.Questions[qi]
				st := byQuestion[[2]string{l.ID, qu.ID}]
				q.Questions = append(q.Questions, AnalyticsQuestion{Number: qi + 1, Question: qu,
					Answered: st.Answered, Correct: st.Correct, Share: analyticsShare(st.Correct, st.Answered)})
			}
			out.Quizzes = append(out.Quizzes, q)
		}
	}
	if err := s.addScormAnalytics(ctx, out); err != nil {
		return nil, err
	}
	return out, nil
}

// analyticsQueries are the aggregate queries CourseAnalytics runs.
func analyticsQueries(courseID string, now time.Time) []namedQuery {
	args := map[string]any{"course": courseID, "since": now.Add(-AnalyticsActiveDays * 24 * time.Hour)}
	return []namedQuery{
		{"summary", analyticsSummarySQL, args},
		{"lessons", analyticsLessonsSQL, args},
		{"quizzes", analyticsQuizzesSQL, args},
		{"questions", analyticsQuestionsSQL, args},
	}
}

// analyticsShare is n / of, or 0 when of is 0.
func analyticsShare(n, of int) float64 {
	if of <= 0 {
		return 0
	}
	return float64(n) / float64(of)
}
