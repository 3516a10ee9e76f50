package learning

import (
	"context"
	_ "embed"

	"gorm.io/gorm"

	"takumi/internal/apperr"
)

// Course analytics read per-lesson, per-quiz and per-question counters
// (lesson_stats, quiz_stats, quiz_question_stats) instead of every
// lesson_progress row and quiz attempt of the course. Triggers on
// lesson_progress, quiz_attempts and enrolments (migrations 00038, 00039)
// keep them in the transaction of every change, whichever code or script
// makes it; TestAnalyticsCountersMatchRecount checks them against a
// recount after a random sequence of changes.

//go:embed sql/analytics_recount.sql
var analyticsRecountSQL string

// RecountAnalytics counts every course's analytics counters again from
// the attempts, lesson progress and enrolments, with those tables locked against
// writes meanwhile: a repair, never needed while the triggers stand (for
// example after they were disabled for a bulk load).
func (s *Service) RecountAnalytics(ctx context.Context) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`LOCK TABLE quiz_attempts, lesson_progress, enrolments IN SHARE MODE`).Error; err != nil {
			return err
		}
		return tx.Exec(analyticsRecountSQL).Error
	})
	return apperr.Coded(err)
}
