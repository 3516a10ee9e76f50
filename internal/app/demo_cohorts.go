package app

import (
	"context"

	"takumi/internal/database"
	"takumi/internal/learning"
)

// loadDemoCohorts gives the demo's cohort-based course (industrial robot
// programming) two upcoming sessions, when it has none yet, so the session
// list, seats and the waiting list can be tried. It returns how many
// sessions it created (0 on a second run).
func loadDemoCohorts(ctx context.Context, db *database.DB) (int, error) {
	return learning.AddCohortsIfNone(ctx, db.Gorm, demoProviderCode, "robot-programming-101", []learning.PlannedCohort{
		{NameJa: "名古屋 第1期（平日コース）", NameEn: "Nagoya, session 1 (weekdays)", StartsInDays: 35, EndsInDays: 39, DeadlineInDays: 28, Capacity: 12},
		{NameJa: "名古屋 第2期（土曜コース）", NameEn: "Nagoya, session 2 (Saturdays)", StartsInDays: 63, EndsInDays: 91, DeadlineInDays: 56, Capacity: 3},
	})
}
