package learning

import (
	"context"

	"gorm.io/gorm"
)

// PlannedCohort is a session of a cohort-based course laid out in days
// from today (the database's current_date), for the operator's tools
// (`takumi demo`).
type PlannedCohort struct {
	NameJa, NameEn string
	StartsInDays   int
	EndsInDays     int
	DeadlineInDays int // enrolment closes at 18:00 that day
	Capacity       int
}

// AddCohortsIfNone gives the published course with code courseCode of the
// provider with URL code providerCode the planned sessions, when it has no
// session yet. It returns how many it created (0 on a second run).
func AddCohortsIfNone(ctx context.Context, db *gorm.DB, providerCode, courseCode string, plan []PlannedCohort) (int, error) {
	created := 0
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var courseID string
		if err := tx.Raw(`SELECT c.id FROM courses c JOIN organisations o ON o.id = c.provider_id AND o.code = ?
			WHERE c.code = ? AND c.status = 'published'
			  AND NOT EXISTS (SELECT 1 FROM cohorts h WHERE h.course_id = c.id)
			FOR UPDATE OF c`, providerCode, courseCode).Scan(&courseID).Error; err != nil || courseID == "" {
			return err
		}
		for _, p := range plan {
			res := tx.Exec(`INSERT INTO cohorts (course_id, name_ja, name_en, starts_on, ends_on, enrol_deadline, capacity)
				VALUES (?, ?, ?, current_date + ?::int, current_date + ?::int, (current_date + ?::int)::timestamptz + interval '18 hours', ?)`,
				courseID, p.NameJa, p.NameEn, p.StartsInDays, p.EndsInDays, p.DeadlineInDays, p.Capacity)
			if res.Error != nil {
				return res.Error
			}
			created += int(res.RowsAffected)
		}
		return nil
	})
	return created, err
}
