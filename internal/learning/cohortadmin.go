package learning

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"takumi/internal/apperr"
	"takumi/internal/audit"
	"takumi/internal/catalog"
	"takumi/internal/jst"
)

// Cohort is a scheduled session of a cohort-based course: its dates, the
// enrolment deadline, its capacity and how many seats are taken.
type Cohort struct {
	ID            string `gorm:"primaryKey;default:gen_random_uuid()"`
	CourseID      string
	NameJa        string
	NameEn        string
	StartsOn      time.Time // a date
	EndsOn        time.Time // a date
	EnrolDeadline time.Time
	Capacity      int
	SeatsTaken    int
	CreatedAt     time.Time
}

// TableName maps Cohort to its table.
func (Cohort) TableName() string { return "cohorts" }

// Name returns the session's name in lang, falling back to Japanese.
func (c *Cohort) Name(lang string) string {
	if lang == "en" && strings.TrimSpace(c.NameEn) != "" {
		return c.NameEn
	}
	return c.NameJa
}

// SeatsLeft is the number of free seats.
func (c *Cohort) SeatsLeft() int {
	if n := c.Capacity - c.SeatsTaken; n > 0 {
		return n
	}
	return 0
}

// CohortSummary is a session as the studio and the course page list it.
type CohortSummary struct {
	Cohort
	Waitlisted int  // people on its waitlist
	Open       bool // the enrolment deadline has not passed
}

// CohortTZ is the time zone of session dates and deadlines: Japan time,
// the one jst.Location.
var CohortTZ = jst.Location

// Layouts of the session form's values: dates, and the deadline as an HTML
// datetime-local value in Japan time.
const (
	CohortDateLayout     = jst.DateLayout
	CohortDeadlineLayout = "2006-01-02T15:04"
)

// CohortInput is a session as typed into the studio form; the domain parses
// and checks it.
type CohortInput struct {
	NameJa        string
	NameEn        string
	StartsOn      string // YYYY-MM-DD
	EndsOn        string // YYYY-MM-DD
	EnrolDeadline string // YYYY-MM-DDTHH:MM, Japan time
	Capacity      string // 1 to 100000
}

// MaxCohortCapacity is the largest capacity of a session.
const MaxCohortCapacity = 100000

type cohortValues struct {
	nameJa, nameEn   string
	startsOn, endsOn time.Time
	deadline         time.Time
	capacity         int
}

// check parses in, returning the values and the problems per form field.
// A new session's deadline must lie in the future.
func (in CohortInput) check(now time.Time, creating bool) (cohortValues, map[string]string) {
	errs := map[string]string{}
	v := cohortValues{nameJa: strings.TrimSpace(in.NameJa), nameEn: strings.TrimSpace(in.NameEn)}
	switch {
	case v.nameJa == "":
		errs["name_ja"] = "cohorts.err_name_required"
	case utf8.RuneCountInString(v.nameJa) > 200:
		errs["name_ja"] = "cohorts.err_name_too_long"
	}
	if utf8.RuneCountInString(v.nameEn) > 200 {
		errs["name_en"] = "cohorts.err_name_too_long"
	}
	date := func(field, s string) (time.Time, bool) {
		t, err := time.ParseInLocation(CohortDateLayout, strings.TrimSpace(s), CohortTZ)
		if err != nil || t.Year() < 2000 || t.Year() > 2100 {
			errs[field] = "cohorts.err_date_invalid"
			return t, false
		}
		return t, true
	}
	startOK, endOK := false, false
	v.startsOn, startOK = date("starts_on", in.StartsOn)
	v.endsOn, endOK = date("ends_on", in.EndsOn)
	if startOK && endOK && v.endsOn.Before(v.startsOn) {
		errs["ends_on"] = "cohorts.err_ends_before_starts"
	}
	deadline := strings.TrimSpace(in.EnrolDeadline)
	var err error
	v.deadline, err = time.ParseInLocation(CohortDeadlineLayout, deadline, CohortTZ)
	if err != nil {
		// Some browsers send seconds too.
		v.deadline, err = time.ParseInLocation(CohortDeadlineLayout+":05", deadline, CohortTZ)
	}
	switch {
	case err != nil || v.deadline.Year() < 2000 || v.deadline.Year() > 2100:
		errs["enrol_deadline"] = "cohorts.err_deadline_invalid"
	case creating && !v.deadline.After(now):
		errs["enrol_deadline"] = "cohorts.err_deadline_past"
	case endOK && !v.deadline.Before(v.endsOn.AddDate(0, 0, 1)):
		errs["enrol_deadline"] = "cohorts.err_deadline_after_end"
	}
	n, err := strconv.Atoi(strings.TrimSpace(in.Capacity))
	if err != nil || n < 1 || n > MaxCohortCapacity {
		errs["capacity"] = "cohorts.err_capacity_range"
	}
	v.capacity = n
	return v, errs
}

// cohortCourse checks that the actor may author the course and that its
// newest revision is cohort-based. SECURITY: other providers' courses
// answer not_found (catalog.Service.LatestRevision checks the editor).
func (s *Service) cohortCourse(ctx context.Context, a catalog.Actor, courseID string) (*catalog.Course, error) {
	c, rev, err := s.courses.LatestRevision(ctx, a, courseID)
	if err != nil {
		return nil, err
	}
	if rev.Content.DeliveryMode != catalog.DeliveryCohort {
		return nil, apperr.New(apperr.Conflict, "cohorts.err_not_cohort_course")
	}
	return c, nil
}

const cohortSummarySQL = `SELECT h.*,
	(SELECT count(*) FROM enrolments e WHERE e.cohort_id = h.id AND e.status = 'waitlisted') AS waitlisted,
	h.enrol_deadline > now() AS open
	FROM cohorts h `

// StudioCohorts lists every session of a course the actor may author,
// soonest first, with seats taken and waitlist length. Errors: not_found.
func (s *Service) StudioCohorts(ctx context.Context, a catalog.Actor, courseID string) ([]CohortSummary, error) {
	c, err := s.courses.Course(ctx, a, courseID)
	if err != nil {
		return nil, err
	}
	var rows []CohortSummary
	if err := s.db.WithContext(ctx).Raw(cohortSummarySQL+`WHERE h.course_id = ? ORDER BY h.starts_on, h.created_at`, c.ID).
		Scan(&rows).Error; err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	return rows, nil
}

// CreateCohort adds a session to a cohort-based course the actor authors
// and records "course.cohort_created" in the audit log, in one transaction.
// Errors: not_found, invalid (per field: name_ja, name_en, starts_on,
// ends_on, enrol_deadline, capacity), conflict ("cohorts.err_not_cohort_course").
func (s *Service) CreateCohort(ctx context.Context, a catalog.Actor, courseID string, in CohortInput) (*Cohort, error) {
	c, err := s.cohortCourse(ctx, a, courseID)
	if err != nil {
		return nil, err
	}
	v, errs := in.check(s.now(), true)
	if len(errs) > 0 {
		return nil, apperr.FieldErrors(errs)
	}
	h := Cohort{CourseID: c.ID, NameJa: v.nameJa, NameEn: v.nameEn, StartsOn: v.startsOn, EndsOn: v.endsOn,
		EnrolDeadline: v.deadline, Capacity: v.capacity, CreatedAt: s.now()}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Raw(`INSERT INTO cohorts (course_id, name_ja, name_en, starts_on, ends_on, enrol_deadline, capacity, created_at)
			VALUES (?, ?, ?, ?::date, ?::date, ?, ?, ?) RETURNING id`, h.CourseID, h.NameJa, h.NameEn,
			h.StartsOn.Format(CohortDateLayout), h.EndsOn.Format(CohortDateLayout), h.EnrolDeadline, h.Capacity, h.CreatedAt).
			Row().Scan(&h.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: a.UserID, Action: "course.cohort_created", TargetType: "cohort",
			TargetID: h.ID, OrgID: c.ProviderID, IP: a.IP, Details: map[string]any{"course_id": c.ID, "name": h.NameJa,
				"starts_on": h.StartsOn.Format(CohortDateLayout), "capacity": h.Capacity}})
	})
	if err != nil {
		return nil, apperr.Coded(err)
	}
	return &h, nil
}

// UpdateCohort edits a session of a course the actor authors. Capacity
// cannot go below the seats already taken; when it goes up, the people
// first on the waitlist take the new seats in arrival order, each with a
// "seat_taken" event and an email, in the same transaction as the edit and
// the audit entry "course.cohort_updated". Returns the session and how many
// people were promoted. Errors: not_found, invalid (per field, including
// capacity "cohorts.err_capacity_below_taken"), conflict
// ("cohorts.err_not_cohort_course").
func (s *Service) UpdateCohort(ctx context.Context, a catalog.Actor, courseID, cohortID string, in CohortInput) (*Cohort, int, error) {
	c, err := s.cohortCourse(ctx, a, courseID)
	if err != nil {
		return nil, 0, err
	}
	if !validID(cohortID) {
		return nil, 0, apperr.New(apperr.NotFound, "error.not_found")
	}
	v, errs := in.check(s.now(), false)
	var h Cohort
	promoted := 0
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// SECURITY/integrity: the row lock makes concurrent enrolments wait
		// for this edit, so the seat count read here stays true.
		err := tx.Raw(`SELECT * FROM cohorts WHERE id = ? AND course_id = ? FOR UPDATE`, cohortID, c.ID).Scan(&h).Error
		if err != nil {
			return err
		}
		if h.ID == "" {
			return apperr.New(apperr.NotFound, "error.not_found")
		}
		if _, bad := errs["capacity"]; !bad && v.capacity < h.SeatsTaken {
			errs["capacity"] = "cohorts.err_capacity_below_taken"
		}
		if len(errs) > 0 {
			return apperr.FieldErrors(errs)
		}
		before := map[string]any{"capacity": h.Capacity, "name": h.NameJa, "starts_on": h.StartsOn.Format(CohortDateLayout),
			"ends_on": h.EndsOn.Format(CohortDateLayout), "enrol_deadline": h.EnrolDeadline.UTC().Format(time.RFC3339)}
		if err := tx.Exec(`UPDATE cohorts SET name_ja = ?, name_en = ?, starts_on = ?::date, ends_on = ?::date,
				enrol_deadline = ?, capacity = ? WHERE id = ?`, v.nameJa, v.nameEn, v.startsOn.Format(CohortDateLayout),
			v.endsOn.Format(CohortDateLayout), v.deadline, v.capacity, h.ID).Error; err != nil {
			return err
		}
		if promoted, err = s.fillFreeSeats(ctx, tx, h.ID, v.capacity-h.SeatsTaken); err != nil {
			return err
		}
		if err := tx.Raw(`SELECT * FROM cohorts WHERE id = ?`, h.ID).Scan(&h).Error; err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: a.UserID, Action: "course.cohort_updated", TargetType: "cohort",
			TargetID: h.ID, OrgID: c.ProviderID, IP: a.IP, Details: map[string]any{"course_id": c.ID, "before": before,
				"capacity": h.Capacity, "name": h.NameJa, "promoted": promoted}})
	})
	if err != nil {
		return nil, 0, apperr.Coded(err)
	}
	return &h, promoted, nil
}

// fillFreeSeats gives up to free seats of a session (whose row tx holds
// locked) to the first people on its waitlist. Each promotion reuses the
// withdrawal path: a seat is taken on the waitlist's behalf, then
// releaseSeat hands it to the first waiting person (seat_taken event with
// from_waitlist, email) or gives it back when nobody waits any more.
func (s *Service) fillFreeSeats(ctx context.Context, tx *gorm.DB, cohortID string, free int) (int, error) {
	if free <= 0 {
		return 0, nil
	}
	var waiting int
	if err := tx.WithContext(ctx).Raw(`SELECT count(*) FROM enrolments WHERE cohort_id = ? AND status = 'waitlisted'`, cohortID).
		Row().Scan(&waiting); err != nil {
		return 0, err
	}
	n := min(free, waiting)
	promoted := 0
	for i := 0; i < n; i++ {
		res := tx.Exec(`UPDATE cohorts SET seats_taken = seats_taken + 1 WHERE id = ? AND seats_taken < capacity`, cohortID)
		if res.Error != nil {
			return promoted, res.Error
		}
		if res.RowsAffected == 0 {
			break
		}
		var before int
		if err := tx.Raw(`SELECT seats_taken FROM cohorts WHERE id = ?`, cohortID).Row().Scan(&before); err != nil {
			return promoted, err
		}
		if err := s.releaseSeat(ctx, tx, cohortID); err != nil {
			return promoted, err
		}
		var after int
		if err := tx.Raw(`SELECT seats_taken FROM cohorts WHERE id = ?`, cohortID).Row().Scan(&after); err != nil {
			return promoted, err
		}
		if after < before { // nobody was left to take it
			break
		}
		promoted++
	}
	return promoted, nil
}

// CourseCohorts lists the sessions of a published course that have not
// ended (in Japan time), soonest first, with seats left, waitlist length and
// whether enrolment is still open. Public. Errors: not_found.
func (s *Service) CourseCohorts(ctx context.Context, courseID string) ([]CohortSummary, error) {
	if _, err := publishedCourse(ctx, s.db, courseID); err != nil {
		return nil, apperr.Coded(err)
	}
	var rows []CohortSummary
	if err := s.db.WithContext(ctx).Raw(cohortSummarySQL+`WHERE h.course_id = ? AND h.ends_on >= (now() AT TIME ZONE 'Asia/Tokyo')::date
		ORDER BY h.starts_on, h.created_at`, courseID).Scan(&rows).Error; err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	return rows, nil
}

// CohortPlace is a learner's place in a session: seated, or on the
// waitlist at a position.
type CohortPlace struct {
	EnrolmentID  string
	CourseID     string
	CohortID     string
	CohortNameJa string
	CohortNameEn string
	Status       string // StatusActive, StatusWaitlisted or StatusCompleted
	// Position is the 1-based place on the waitlist (the number of people
	// waiting who arrived earlier, plus one); 0 when not waitlisted.
	Position int
}

// CohortName returns the session's name in lang.
func (p *CohortPlace) CohortName(lang string) string {
	return (&Cohort{NameJa: p.CohortNameJa, NameEn: p.CohortNameEn}).Name(lang)
}

// Waitlisted reports whether the learner is waiting for a seat.
func (p *CohortPlace) Waitlisted() bool { return p.Status == StatusWaitlisted }

// MyCohortPlace returns the learner's own place in a session of the course
// (their live enrolment). SECURITY: only the learner's own enrolment is
// read. Errors: not_found (no live enrolment in a session of the course).
func (s *Service) MyCohortPlace(ctx context.Context, l Learner, courseID string) (*CohortPlace, error) {
	if !validID(courseID) {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	return cohortPlace(ctx, s.db, `e.user_id = ? AND e.course_id = ? AND e.status <> 'withdrawn' AND e.superseded_at IS NULL`, l.UserID, courseID)
}

func cohortPlace(ctx context.Context, db *gorm.DB, where string, args ...any) (*CohortPlace, error) {
	var p CohortPlace
	err := db.WithContext(ctx).Raw(`SELECT e.id AS enrolment_id, e.course_id, e.cohort_id, e.status,
			h.name_ja AS cohort_name_ja, h.name_en AS cohort_name_en,
			CASE WHEN e.status = 'waitlisted' THEN
				(SELECT count(*) + 1 FROM enrolments w WHERE w.cohort_id = e.cohort_id AND w.status = 'waitlisted' AND w.waitlist_pos < e.waitlist_pos)
			ELSE 0 END AS position
		FROM enrolments e JOIN cohorts h ON h.id = e.cohort_id WHERE `+where, args...).Scan(&p).Error
	if err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	if p.EnrolmentID == "" {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	return &p, nil
}

// EnrolInCohort enrols the learner in the session cohortID of its
// published course (EnrolCohort: a seat, or the waitlist in arrival order)
// and returns their place. Errors: not_found, conflict (see EnrolCohort).
func (s *Service) EnrolInCohort(ctx context.Context, l Learner, cohortID string) (*CohortPlace, error) {
	if !validID(cohortID) {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	var courseID string
	err := s.db.WithContext(ctx).Raw(`SELECT course_id FROM cohorts WHERE id = ?`, cohortID).Row().Scan(&courseID)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	if err != nil {
		return nil, apperr.Coded(err)
	}
	e, err := s.EnrolCohort(ctx, l, courseID, cohortID)
	if err != nil {
		return nil, err
	}
	return cohortPlace(ctx, s.db, `e.id = ? AND e.user_id = ?`, e.ID, l.UserID)
}
