package learning

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"takumi/internal/apperr"
	"takumi/internal/catalog"
	"takumi/internal/i18n"
	"takumi/internal/mail"
)

// Enrolment statuses.
const (
	StatusActive     = "active"
	StatusWaitlisted = "waitlisted"
	StatusCompleted  = "completed"
	StatusWithdrawn  = "withdrawn"
)

// Enrolment is one person's place in one course.
type Enrolment struct {
	ID              string `gorm:"primaryKey;default:gen_random_uuid()"`
	UserID          string
	CourseID        string
	CohortID        *string
	OrgID           *string
	Status          string
	WaitlistPos     *int64
	EnrolledAt      time.Time
	CompletedAt     *time.Time
	WithdrawnAt     *time.Time
	LastActivityAt  *time.Time
	ProgressPercent int
	NextLessonID    *string
	FlaggedFast     bool
	// SupersededAt is set on a completed enrolment when the learner enrols
	// again to renew an expired credential.
	SupersededAt *time.Time
}

// TableName maps Enrolment to its table.
func (Enrolment) TableName() string { return "enrolments" }

// Learner is the person acting on their own learning.
type Learner struct {
	UserID string
	IP     string
}

// Service carries out learning use cases.
type Service struct {
	db       *gorm.DB
	courses  *catalog.Service
	mail     *mail.Queue
	messages *i18n.Catalog
	baseURL  string
	now      func() time.Time
	// onComplete runs inside the transaction completing an enrolment.
	onComplete CompletionHook
	// contents keeps published revisions' parsed content: the catalog
	// service's cache.
	contents *catalog.ContentCache
	// onLesson runs inside the transaction completing a lesson.
	onLesson LessonHook
	// visits remembers each enrolment's course and revision for the
	// player's one-statement visit (visit.go); media keeps media rows
	// (immutable) for lessons that show a file.
	visits *visitGuesses
	media  *mediaCache
}

// NewService returns the learning service.
// Without a catalog service (tools and tests that do not serve courses)
// it makes one of its own on db, without media storage.
func NewService(db *gorm.DB, courses *catalog.Service, q *mail.Queue, messages *i18n.Catalog, baseURL string) *Service {
	if courses == nil {
		courses = catalog.NewService(db, nil)
	}
	return &Service{db: db, courses: courses, mail: q, messages: messages, baseURL: baseURL, now: time.Now, contents: courses.Contents(),
		visits: newVisitGuesses(visitGuessMax), media: newMediaCache(mediaCacheMax)}
}

// WithClock returns a shallow copy of the service that reads the time from
// now instead of the system clock (same database, hooks and settings). It
// exists so `takumi demo` can let learners complete courses in the past
// (an expired credential); the web app never uses it.
func (s *Service) WithClock(now func() time.Time) *Service {
	c := *s
	c.now = now
	return &c
}

// EnrolSelfPaced enrols the learner in a published self-paced course and
// appends an "enrolled" event, in one transaction. Errors: not_found (no such
// published course), conflict ("learning.err_already_enrolled",
// "learning.err_needs_cohort" for cohort-based courses).
func (s *Service) EnrolSelfPaced(ctx context.Context, l Learner, courseID string) (*Enrolment, error) {
	var e *Enrolment
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		c, err := publishedCourse(ctx, tx, courseID)
		if err != nil {
			return err
		}
		if c.DeliveryMode != nil && *c.DeliveryMode == catalog.DeliveryCohort {
			return apperr.New(apperr.Conflict, "learning.err_needs_cohort")
		}
		if err := supersedeExpired(ctx, tx, l.UserID, c.ID, s.now()); err != nil {
			return err
		}
		e, err = insertEnrolment(ctx, tx, Enrolment{UserID: l.UserID, CourseID: c.ID, Status: StatusActive, EnrolledAt: s.now()})
		if err != nil {
			return err
		}
		if err := AppendEvent(ctx, tx, Event{Type: EventEnrolled, UserID: l.UserID, EnrolmentID: e.ID, CourseID: c.ID, At: e.EnrolledAt}); err != nil {
			return err
		}
		return s.recompute(ctx, tx, e.ID, s.now())
	})
	if err != nil {
		return nil, apperr.Coded(err)
	}
	return e, nil
}

// insertEnrolment inserts e, turning the one-live-enrolment unique index
// into a clear conflict.
func insertEnrolment(ctx context.Context, tx *gorm.DB, e Enrolment) (*Enrolment, error) {
	err := tx.WithContext(ctx).Clauses(clause.OnConflict{DoNothing: true}).Create(&e).Error
	if err != nil {
		return nil, err
	}
	if e.ID == "" {
		return nil, apperr.New(apperr.Conflict, "learning.err_already_enrolled")
	}
	return &e, nil
}

// publishedCourse returns a published course (locked for share).
func publishedCourse(ctx context.Context, tx *gorm.DB, courseID string) (*catalog.Course, error) {
	if !validID(courseID) {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	var c catalog.Course
	err := tx.WithContext(ctx).Omit("SearchGrams").Where("id = ? AND status = 'published'", courseID).Take(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	if err != nil {
		return nil, err
	}
	return &c, nil
}

// Enrolment returns the learner's own enrolment. SECURITY: someone else's
// enrolment answers not_found. Errors: not_found.
func (s *Service) Enrolment(ctx context.Context, l Learner, enrolmentID string) (*Enrolment, error) {
	return ownEnrolment(ctx, s.db, l, enrolmentID, false)
}

func ownEnrolment(ctx context.Context, db *gorm.DB, l Learner, id string, lock bool) (*Enrolment, error) {
	if !validID(id) {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	var e Enrolment
	q := db.WithContext(ctx)
	if lock {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	err := q.Where("id = ? AND user_id = ?", id, l.UserID).Take(&e).Error
	if errors.Is(err, gorm.ErrRecordNotFound) || (err != nil && isInvalidUUID(err)) {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	if err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	return &e, nil
}

// EnrolmentForCourse returns the learner's live enrolment in a course.
// Errors: not_found.
func (s *Service) EnrolmentForCourse(ctx context.Context, l Learner, courseID string) (*Enrolment, error) {
	if !validID(courseID) {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	var e Enrolment
	err := s.db.WithContext(ctx).Where("user_id = ? AND course_id = ? AND status <> 'withdrawn' AND superseded_at IS NULL", l.UserID, courseID).Take(&e).Error
	if errors.Is(err, gorm.ErrRecordNotFound) || (err != nil && isInvalidUUID(err)) {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	if err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	return &e, nil
}

// CourseEnrolment is EnrolmentForCourse and, for a completed enrolment,
// Renewable in one round trip: the learner's live enrolment in the course
// and whether its credential has expired (so that enrolling again renews
// it). The course page uses it. Errors: not_found.
func (s *Service) CourseEnrolment(ctx context.Context, l Learner, courseID string) (*Enrolment, bool, error) {
	if !validID(courseID) {
		return nil, false, apperr.New(apperr.NotFound, "error.not_found")
	}
	// The enrolment EnrolmentForCourse finds, and renewableSQL's test of
	// its credential (the live enrolment is the one not superseded).
	var rows []struct {
		Enrolment
		Renewable bool
	}
	err := s.db.WithContext(ctx).Raw(`SELECT e.*, e.status = 'completed' AND EXISTS (SELECT 1 FROM credentials cr
		    WHERE cr.enrolment_id = e.id AND cr.revoked_at IS NULL AND cr.valid_until IS NOT NULL AND cr.valid_until <= ?) AS renewable
		FROM enrolments e
		WHERE e.user_id = ? AND e.course_id = ? AND e.status <> 'withdrawn' AND e.superseded_at IS NULL
		LIMIT 1`, s.now(), l.UserID, courseID).Find(&rows).Error // Find: see loadCourseView
	if err != nil && isInvalidUUID(err) {
		return nil, false, apperr.New(apperr.NotFound, "error.not_found")
	}
	if err != nil {
		return nil, false, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	if len(rows) == 0 {
		return nil, false, apperr.New(apperr.NotFound, "error.not_found")
	}
	return &rows[0].Enrolment, rows[0].Renewable, nil
}

// Withdraw ends the learner's active or waitlisted enrolment and appends a
// "withdrawn" event. A seat it held is released and offered to the first
// person on the cohort's waitlist (see cohorts.go). Errors: not_found,
// conflict ("learning.err_not_withdrawable" for completed enrolments).
func (s *Service) Withdraw(ctx context.Context, l Learner, enrolmentID string) error {
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		e, err := ownEnrolment(ctx, tx, l, enrolmentID, true)
		if err != nil {
			return err
		}
		return s.withdrawLocked(ctx, tx, e)
	})
	return apperr.Coded(err)
}

// withdrawLocked withdraws e, locked by the caller in tx: the rules of
// Withdraw, shared with WithdrawForOrg.
func (s *Service) withdrawLocked(ctx context.Context, tx *gorm.DB, e *Enrolment) error {
	if e.Status != StatusActive && e.Status != StatusWaitlisted {
		return apperr.New(apperr.Conflict, "learning.err_not_withdrawable")
	}
	now := s.now()
	heldSeat := e.Status == StatusActive && e.CohortID != nil
	if err := tx.Model(&Enrolment{}).Where("id = ?", e.ID).
		Updates(map[string]any{"status": StatusWithdrawn, "withdrawn_at": now, "waitlist_pos": nil}).Error; err != nil {
		return err
	}
	if err := AppendEvent(ctx, tx, Event{Type: EventWithdrawn, UserID: e.UserID, EnrolmentID: e.ID,
		CourseID: e.CourseID, CohortID: deref(e.CohortID), Details: map[string]any{"from": e.Status}}); err != nil {
		return err
	}
	if heldSeat {
		return s.releaseSeat(ctx, tx, *e.CohortID)
	}
	return nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// renewableSQL selects the learner's completed, not yet superseded
// enrolment in a course whose credential has expired (and was not
// revoked): taking the course again renews it.
const renewableSQL = `e.user_id = ? AND e.course_id = ? AND e.status = 'completed' AND e.superseded_at IS NULL
	AND EXISTS (SELECT 1 FROM credentials cr WHERE cr.enrolment_id = e.id AND cr.revoked_at IS NULL
	            AND cr.valid_until IS NOT NULL AND cr.valid_until <= ?)`

// supersedeExpired marks the learner's completed enrolment superseded when
// its credential has expired, so that a new enrolment (and, on completion,
// a new credential) can follow. Any other live enrolment stays and the
// insert that follows reports "already enrolled".
func supersedeExpired(ctx context.Context, tx *gorm.DB, userID, courseID string, now time.Time) error {
	return tx.WithContext(ctx).Exec(`UPDATE enrolments e SET superseded_at = ? WHERE `+renewableSQL,
		now, userID, courseID, now).Error
}

// Renewable reports whether the learner's credential for the course has
// expired, so that enrolling again renews it (the course page offers it).
func (s *Service) Renewable(ctx context.Context, l Learner, courseID string) (bool, error) {
	if !validID(courseID) {
		return false, nil
	}
	var ok bool
	err := s.db.WithContext(ctx).Raw(`SELECT EXISTS (SELECT 1 FROM enrolments e WHERE `+renewableSQL+`)`,
		l.UserID, courseID, s.now()).Scan(&ok).Error
	return ok, err
}
