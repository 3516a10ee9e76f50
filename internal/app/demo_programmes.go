package app

import (
	"context"

	"takumi/internal/database"
	"takumi/internal/progress"
)

// loadDemoProgrammes creates the national programmes the demo shows, when
// missing (by code; existing ones are left as they are): the flagship
// "AI人材100万人 / 1,000,000 AI-ready workers by 2030" (target 1,000,000,
// 2026-01-01 to 2030-12-31, credentials in AI and data or generative AI)
// and "50,000 cybersecurity workers" (2026-04-01 to 2028-03-31). Each new
// programme counts the demo credentials already in the event log at once
// (progress.EnsureProgrammes), so the order of the demo's steps does not
// matter. It returns how many programmes it created (0 on a second run).
func loadDemoProgrammes(ctx context.Context, db *database.DB) (int, error) {
	return progress.EnsureProgrammes(ctx, db.Gorm, progress.NationalProgrammes)
}
