package app

import (
	"context"

	"takumi/internal/database"
)

// loadDemoCohorts gives the demo's cohort-based course (industrial robot
// programming) two upcoming sessions, when it has none yet, so the session
// list, seats and the waiting list can be tried. It returns how many
// sessions it created (0 on a second run).
func loadDemoCohorts(ctx context.Context, db *database.DB) (int, error) {
	res := db.Gorm.WithContext(ctx).Exec(`
		INSERT INTO cohorts (course_id, name_ja, name_en, starts_on, ends_on, enrol_deadline, capacity)
		SELECT c.id, s.name_ja, s.name_en, s.starts_on, s.ends_on, s.deadline, s.capacity
		FROM courses c
		JOIN organisations o ON o.id = c.provider_id AND o.code = 'takumi-academy'
		CROSS JOIN (VALUES
			('名古屋 第1期（平日コース）', 'Nagoya, session 1 (weekdays)', current_date + 35, current_date + 39, (current_date + 28)::timestamptz + interval '18 hours', 12),
			('名古屋 第2期（土曜コース）', 'Nagoya, session 2 (Saturdays)', current_date + 63, current_date + 91, (current_date + 56)::timestamptz + interval '18 hours', 3)
		) AS s(name_ja, name_en, starts_on, ends_on, deadline, capacity)
		WHERE c.code = 'robot-programming-101' AND c.status = 'published'
		  AND NOT EXISTS (SELECT 1 FROM cohorts h WHERE h.course_id = c.id)`)
	return int(res.RowsAffected), res.Error
}
