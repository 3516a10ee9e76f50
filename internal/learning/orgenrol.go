package learning

import (
	"context"
	"fmt"
	"takumi/internal/apperr"
	"time"

	"github.com/jackc/pgx/v5"
	"gorm.io/gorm"
)

// Enrolments an organisation makes for its people (bulk enrolment,
// internal/bulkenrol). The rules are learning's; the coordinator only says
// who and what.

// EnrolCohortFor enrols userID in a session of a published cohort-based
// course on behalf of orgID inside tx, as EnrolCohort does for a learner
// (a seat or the waitlist, with the events). Errors: as EnrolCohort.
func (s *Service) EnrolCohortFor(ctx context.Context, tx *gorm.DB, userID, courseID, cohortID, orgID string) (*Enrolment, error) {
	return s.enrolCohort(ctx, tx, userID, courseID, cohortID, orgID)
}

// EnrolSelfPacedFor enrols userID in a published self-paced course on
// behalf of orgID inside tx, with the "enrolled" event. Errors: not_found
// (course), conflict ("learning.err_needs_cohort", already enrolled).
func (s *Service) EnrolSelfPacedFor(ctx context.Context, tx *gorm.DB, userID, courseID, orgID string) error {
	_, err := s.enrolSelfPacedFor(ctx, tx, userID, courseID, orgID)
	return err
}

// enrolSelfPacedFor is EnrolSelfPacedFor, returning the enrolment.
func (s *Service) enrolSelfPacedFor(ctx context.Context, tx *gorm.DB, userID, courseID, orgID string) (*Enrolment, error) {
	c, err := publishedCourse(ctx, tx, courseID)
	if err != nil {
		return nil, err
	}
	if c.DeliveryMode != nil && *c.DeliveryMode == "cohort" {
		return nil, apperr.New(apperr.Conflict, "learning.err_needs_cohort")
	}
	e, err := insertEnrolment(ctx, tx, Enrolment{UserID: userID, CourseID: c.ID, OrgID: &orgID, Status: StatusActive, EnrolledAt: s.now()})
	if err != nil {
		return nil, err
	}
	if err := AppendEvent(ctx, tx, Event{Type: EventEnrolled, UserID: userID, EnrolmentID: e.ID, CourseID: c.ID, OrgID: orgID}); err != nil {
		return nil, err
	}
	return e, s.recompute(ctx, tx, e.ID, s.now())
}

// StagedBatch is one batch of a bulk import for EnrolStaged: the rows with
// idx in [From, To) of the session's staging tables.
type StagedBatch struct {
	OrgID    string
	ImportID string
	From, To int
	At       time.Time
}

// EnrolStaged enrols, inside the pgx transaction tx, the existing accounts
// of one batch of a bulk import, set-based: the caller (internal/bulkenrol)
// has staged the rows in the session's temporary tables bulk_rows (idx,
// email, cohort) and bulk_courses (ref, n_pub, course_id, provider_id,
// skill_area, next_lesson). The batch's cohorts are locked in a fixed order
// (no deadlocks with other batches or with learners enrolling one by one);
// seats are taken under those locks, so never more than capacity, the rest
// waitlisted in file order; each enrolment gets its "enrolled" and
// "seat_taken" or "waitlisted" events. Rows already enrolled are left
// alone. It returns how many enrolments it made.
func EnrolStaged(ctx context.Context, tx pgx.Tx, b StagedBatch) (int, error) {
	// The batch touches a few thousand rows of tables that this very job
	// makes grow (enrolments, invitations), faster than autovacuum
	// refreshes their statistics; with stale statistics the planner may
	// scan all of the organisation's rows for every row of the batch. The
	// look-ups below are LATERAL ... LIMIT 1 subqueries, which PostgreSQL
	// always runs per row as an index look-up, whatever the statistics say.
	if _, err := tx.Exec(ctx, `SELECT h.id FROM cohorts h WHERE h.id IN (
			SELECT DISTINCT r.cohort::uuid FROM bulk_rows r WHERE r.idx >= $1 AND r.idx < $2 AND r.cohort IS NOT NULL)
		ORDER BY h.id FOR UPDATE`, b.From, b.To); err != nil {
		return 0, fmt.Errorf("bulk lock cohorts: %w", err)
	}
	details := fmt.Sprintf(`{"import_id": %q}`, b.ImportID)
	var enrolled int
	err := tx.QueryRow(ctx, `
		WITH todo AS (
			SELECT r.idx, u.id AS user_id, c.course_id, r.cohort::uuid AS cohort_id, c.next_lesson
			FROM bulk_rows r JOIN bulk_courses c ON c.ref = r.course AND c.n_pub = 1
			JOIN users u ON u.email = r.email
			LEFT JOIN LATERAL (SELECT 1 AS found FROM enrolments e
				WHERE e.user_id = u.id AND e.course_id = c.course_id AND e.status <> 'withdrawn' AND e.superseded_at IS NULL LIMIT 1) live ON true
			WHERE r.idx >= $1 AND r.idx < $2 AND live.found IS NULL
		), cand AS (
			SELECT t.*, CASE WHEN t.cohort_id IS NULL THEN 'active'
			                 WHEN row_number() OVER (PARTITION BY t.cohort_id ORDER BY t.idx) <= h.capacity - h.seats_taken THEN 'active'
			                 ELSE 'waitlisted' END AS status
			FROM todo t LEFT JOIN cohorts h ON h.id = t.cohort_id
		), ins AS (
			INSERT INTO enrolments (user_id, course_id, cohort_id, org_id, status, waitlist_pos, enrolled_at, progress_percent, next_lesson_id)
			SELECT user_id, course_id, cohort_id, $3, status,
			       CASE WHEN status = 'waitlisted' THEN nextval('waitlist_order') END, $4, 0,
			       CASE WHEN status = 'active' THEN next_lesson END
			FROM (SELECT * FROM cand ORDER BY idx) o
			ON CONFLICT (user_id, course_id) WHERE status <> 'withdrawn' AND superseded_at IS NULL DO NOTHING
			RETURNING id, user_id, course_id, cohort_id, status
		), ev AS (
			INSERT INTO learning_events (occurred_at, event_type, user_id, enrolment_id, course_id, provider_id, skill_area,
				cohort_id, org_id, prefecture, industry, segment, details)
			SELECT $4, t.type, i.user_id, i.id, i.course_id, c.provider_id, c.skill_area, i.cohort_id, $3,
			       u.prefecture_code, u.industry_code, u.segment, $5::jsonb
			FROM ins i JOIN users u ON u.id = i.user_id
			JOIN bulk_courses c ON c.course_id = i.course_id AND c.n_pub = 1
			CROSS JOIN LATERAL (VALUES (1, 'enrolled'),
				(2, CASE WHEN i.cohort_id IS NULL THEN NULL WHEN i.status = 'active' THEN 'seat_taken' ELSE 'waitlisted' END)) t(n, type)
			WHERE t.type IS NOT NULL
		), seats AS (
			UPDATE cohorts h SET seats_taken = h.seats_taken + n.taken
			FROM (SELECT cohort_id, count(*) AS taken FROM ins WHERE status = 'active' AND cohort_id IS NOT NULL GROUP BY cohort_id) n
			WHERE h.id = n.cohort_id
		)
		SELECT count(*) FROM ins`, b.From, b.To, b.OrgID, b.At, details).Scan(&enrolled)
	if err != nil {
		return 0, fmt.Errorf("bulk enrol: %w", err)
	}
	return enrolled, nil
}
