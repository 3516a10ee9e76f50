package learning

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"takumi/internal/apperr"
)

// What the integration API (internal/apiclient, issue 19) does with an
// organisation's enrolments: the enrolments the organisation made
// (enrolments.org_id), listed by when they last changed, created for its
// members and withdrawn. The caller has authenticated the organisation's API
// client and records every call in the audit log.

// OrgEnrolment is one enrolment an organisation made, as its API shows it.
// SECURITY: the progress fields are nil while the person has not consented
// to the organisation seeing their progress (the roster's rule, issue 15
// finding 2: a non-member who has not granted the request, or anyone who
// withdrew consent).
type OrgEnrolment struct {
	ID              string
	UserID          string
	Email           string
	ExternalID      *string // the organisation's id for the person (SCIM externalId), when it gave one
	CourseID        string
	EnrolledAt      time.Time
	ChangedAt       time.Time
	AwaitingConsent bool
	Status          *string
	ProgressPercent *int
	CompletedAt     *time.Time
	WithdrawnAt     *time.Time
	LastActivityAt  *time.Time
	LessonsDone     *int
	SecondsOnTask   *int
}

// orgEnrolmentSQL selects OrgEnrolment rows; the changed expression is the
// one indexed by enrolments_org_changed_idx (migration 00036).
const orgEnrolmentSQL = `
SELECT e.id::text AS id, e.user_id::text AS user_id, u.email, x.external_id, e.course_id::text AS course_id,
       e.enrolled_at, GREATEST(e.enrolled_at, e.completed_at, e.withdrawn_at, e.last_activity_at) AS changed_at,
       ac.awaiting AS awaiting_consent,
       CASE WHEN NOT ac.awaiting THEN e.status END AS status,
       CASE WHEN NOT ac.awaiting THEN e.progress_percent END AS progress_percent,
       CASE WHEN NOT ac.awaiting THEN e.completed_at END AS completed_at,
       CASE WHEN NOT ac.awaiting THEN e.withdrawn_at END AS withdrawn_at,
       CASE WHEN NOT ac.awaiting THEN e.last_activity_at END AS last_activity_at,
       CASE WHEN NOT ac.awaiting THEN lp.done END AS lessons_done,
       CASE WHEN NOT ac.awaiting THEN lp.seconds END AS seconds_on_task
FROM enrolments e
JOIN users u ON u.id = e.user_id
LEFT JOIN progress_consents pc ON pc.org_id = e.org_id AND pc.user_id = e.user_id
CROSS JOIN LATERAL (SELECT (pc.withdrawn_at IS NOT NULL OR (pc.granted_at IS NULL AND NOT EXISTS (
    SELECT 1 FROM memberships m WHERE m.org_id = e.org_id AND m.user_id = e.user_id))) AS awaiting) ac
LEFT JOIN LATERAL (SELECT NULLIF(s.external_id, '') AS external_id FROM scim_users s
    WHERE s.org_id = e.org_id AND s.user_id = e.user_id) x ON true
CROSS JOIN LATERAL (SELECT count(*) FILTER (WHERE l.completed_at IS NOT NULL)::int AS done,
    COALESCE(sum(l.seconds_on_task), 0)::int AS seconds
    FROM lesson_progress l WHERE l.enrolment_id = e.id) lp
`

// OrgEnrolmentCursor is a position in the list: the last row's change time
// and id.
type OrgEnrolmentCursor struct {
	ChangedAt time.Time
	ID        string
}

// OrgEnrolments returns up to limit of orgID's enrolments that changed at
// or after since (zero: all), ordered by change time then id, after the
// cursor (nil: from the start). Errors: internal.
func (s *Service) OrgEnrolments(ctx context.Context, orgID string, since time.Time, after *OrgEnrolmentCursor, limit int) ([]OrgEnrolment, error) {
	// PERFORMANCE: the page's ids come from enrolments_org_changed_idx
	// alone (an index range scan in change order, stopping at the limit);
	// only those rows are joined with people, consent and lesson progress.
	// The cursor condition is left out of the first page's query rather
	// than switched off with an OR, which would hide the index range.
	const changed = `GREATEST(e.enrolled_at, e.completed_at, e.withdrawn_at, e.last_activity_at)`
	where := `e.org_id = @org AND ` + changed + ` >= @since`
	args := map[string]any{"org": orgID, "since": since, "limit": limit}
	if after != nil {
		if !validID(after.ID) {
			return nil, apperr.New(apperr.Invalid, "api.err_cursor")
		}
		where += ` AND (` + changed + `, e.id) > (@after_at, CAST(@after_id AS uuid))`
		args["after_at"], args["after_id"] = after.ChangedAt, after.ID
	}
	q := `WITH page AS MATERIALIZED (SELECT e.id FROM enrolments e WHERE ` + where + ` ORDER BY ` + changed + `, e.id LIMIT @limit)
` + orgEnrolmentSQL + `WHERE e.id IN (SELECT id FROM page)
ORDER BY ` + changed + `, e.id`
	var out []OrgEnrolment
	if err := s.db.WithContext(ctx).Raw(q, args).Scan(&out).Error; err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	return out, nil
}

// OrgEnrolmentByID returns one of orgID's enrolments. SECURITY: an
// enrolment another organisation (or the learner) made answers not_found.
// Errors: not_found, internal.
func (s *Service) OrgEnrolmentByID(ctx context.Context, orgID, id string) (*OrgEnrolment, error) {
	return orgEnrolmentByID(ctx, s.db, orgID, id)
}

func orgEnrolmentByID(ctx context.Context, db *gorm.DB, orgID, id string) (*OrgEnrolment, error) {
	if !validID(id) {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	var out []OrgEnrolment
	if err := db.WithContext(ctx).Raw(orgEnrolmentSQL+`WHERE e.org_id = ? AND e.id = ?`, orgID, id).Scan(&out).Error; err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	if len(out) == 0 {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	return &out[0], nil
}

// EnrolForOrg enrols userID, whom the caller has checked to be one of
// orgID's members, in a published self-paced course on behalf of orgID
// inside tx, with the "enrolled" event, and returns the enrolment as the API
// shows it. Errors: not_found (course), conflict ("learning.err_needs_cohort",
// "learning.err_already_enrolled").
func (s *Service) EnrolForOrg(ctx context.Context, tx *gorm.DB, orgID, userID, courseID string) (*OrgEnrolment, error) {
	e, err := s.enrolSelfPacedFor(ctx, tx, userID, courseID, orgID)
	if err != nil {
		return nil, apperr.Coded(err)
	}
	return orgEnrolmentByID(ctx, tx, orgID, e.ID)
}

// WithdrawForOrg withdraws one of the enrolments orgID made, as Withdraw
// does for the learner, inside tx. Errors: not_found (not orgID's),
// conflict ("learning.err_not_withdrawable").
func (s *Service) WithdrawForOrg(ctx context.Context, tx *gorm.DB, orgID, enrolmentID string) (*OrgEnrolment, error) {
	if !validID(enrolmentID) {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	var e Enrolment
	err := tx.WithContext(ctx).Clauses(clause.Locking{Strength: "UPDATE"}).
		Where("id = ? AND org_id = ?", enrolmentID, orgID).Take(&e).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	if err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	if err := s.withdrawLocked(ctx, tx, &e); err != nil {
		return nil, apperr.Coded(err)
	}
	return orgEnrolmentByID(ctx, tx, orgID, e.ID)
}

// orgAwaitingConsentSQL is true when the organisation may not see the
// person's progress: they withdrew consent, or are not a member and never
// granted it (the roster's rule; the same expression as orgEnrolmentSQL's).
const orgAwaitingConsentSQL = `SELECT (pc.withdrawn_at IS NOT NULL OR (pc.granted_at IS NULL AND NOT EXISTS (
    SELECT 1 FROM memberships m WHERE m.org_id = @org AND m.user_id = @user)))
FROM (SELECT 1) one LEFT JOIN progress_consents pc ON pc.org_id = @org AND pc.user_id = @user`

// OrgSeesProgress reports whether orgID may see userID's progress (the
// API's and the webhooks' rule), inside tx.
func OrgSeesProgress(ctx context.Context, tx *gorm.DB, orgID, userID string) (bool, error) {
	var awaiting bool
	if err := tx.WithContext(ctx).Raw(orgAwaitingConsentSQL, map[string]any{"org": orgID, "user": userID}).Row().Scan(&awaiting); err != nil {
		return false, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	return !awaiting, nil
}
