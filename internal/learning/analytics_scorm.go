package learning

import (
	"context"
	_ "embed"

	"takumi/internal/apperr"
	"takumi/internal/catalog"
)

//go:embed sql/analytics_scorm.sql
var analyticsScormSQL string

// AnalyticsScorm is one SCORM lesson (SCO) of the published revision with
// what its package reported across learners (issue 16): attempts, done
// and failed as the SCO said, and the score distribution.
type AnalyticsScorm struct {
	Lesson   *catalog.Lesson
	Attempts int // enrolments that opened the SCO
	Done     int // the SCO reported itself completed (or passed)
	Failed   int // the SCO reported failed
	Scored   int // attempts with a score
	// Mean is the mean score in percent (nil when none scored); Bands
	// count the scores in 0–19, 20–39, 40–59, 60–79 and 80–100 percent.
	Mean  *float64
	Bands [5]int
	// DoneShare is Done / Attempts (0 without attempts).
	DoneShare float64
}

type analyticsScormRow struct {
	LessonID                   string
	Attempts, Done, Failed     int
	Scored, B0, B1, B2, B3, B4 int
	Mean                       *float64
}

// addScormAnalytics fills out.Scorm with one row per SCORM lesson of the
// published revision, in course order (no row for a course without any).
func (s *Service) addScormAnalytics(ctx context.Context, out *CourseAnalytics) error {
	var lessons []*catalog.Lesson
	for mi := range out.Content.Modules {
		for li := range out.Content.Modules[mi].Lessons {
			if l := &out.Content.Modules[mi].Lessons[li]; l.Kind == catalog.LessonScorm {
				lessons = append(lessons, l)
			}
		}
	}
	if len(lessons) == 0 {
		return nil
	}
	var rows []analyticsScormRow
	if err := s.db.WithContext(ctx).Raw(analyticsScormSQL, map[string]any{"course": out.CourseID}).Scan(&rows).Error; err != nil {
		return apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	by := map[string]analyticsScormRow{}
	for _, r := range rows {
		by[r.LessonID] = r
	}
	for _, l := range lessons {
		r := by[l.ID]
		out.Scorm = append(out.Scorm, AnalyticsScorm{Lesson: l, Attempts: r.Attempts, Done: r.Done, Failed: r.Failed,
			Scored: r.Scored, Mean: r.Mean, Bands: [5]int{r.B0, r.B1, r.B2, r.B3, r.B4},
			DoneShare: analyticsShare(r.Done, r.Attempts)})
	}
	return nil
}
