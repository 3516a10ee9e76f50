package learning

import (
	"context"
	_ "embed"

	"gorm.io/gorm"

	"takumi/internal/apperr"
)

// Course analytics read per-quiz and per-question counters (quiz_stats,
// quiz_question_stats) instead of every attempt. Triggers on quiz_attempts
// and enrolments (migration 00038) keep them in the transaction of every
// change, whichever code or script makes it; TestQuizStatsMatchRecount
// checks them against a recount after a random sequence of changes.

//go:embed sql/quiz_stats_recount.sql
var quizStatsRecountSQL string

// RecountQuizStats counts every course's quiz counters again from the
// attempts, with quiz_attempts locked against writes meanwhile: a repair,
// never needed while the triggers stand (for example after they were
// disabled for a bulk load).
func (s *Service) RecountQuizStats(ctx context.Context) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`LOCK TABLE quiz_attempts, enrolments IN SHARE MODE`).Error; err != nil {
			return err
		}
		return tx.Exec(quizStatsRecountSQL).Error
	})
	return apperr.Coded(err)
}
