package learning_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"takumi/internal/apperr"
	"takumi/internal/catalog"
	"takumi/internal/database"
	"takumi/internal/dbtest"
	"takumi/internal/fixtures"
	"takumi/internal/learning"
)

// cohortsFixture is a published course of one provider, its author, an
// author of another provider, and the services on a fresh database.
type cohortsFixture struct {
	db       *database.DB
	courses  *catalog.Service
	s        *learning.Service
	author   catalog.Actor
	stranger catalog.Actor
	courseID string
}

func cohortsSetup(t *testing.T, mode string) *cohortsFixture {
	t.Helper()
	db := dbtest.New(t)
	c := fixtures.MustCreateCourse(t, db, fixtures.Course{
		Provider: fixtures.Org{NameJa: "日程テスト機関"},
		Author:   fixtures.User{Email: "cohorts-author@example.jp", Name: "講師", NoPassword: true},
		Code:     "cohorts-course",
		Content: catalog.Content{TitleJa: "現場の保全", SummaryJa: "概要", SkillArea: "digital_literacy", Level: catalog.LevelIntroductory,
			EstimatedHours: 1, Language: "ja", DeliveryMode: mode,
			Modules: []catalog.Module{{ID: catalog.NewID(), TitleJa: "第1章", Lessons: []catalog.Lesson{
				{ID: catalog.NewID(), Kind: catalog.LessonReading, TitleJa: "一", Required: true, BodyMd: "本文"}}}}},
	})
	stranger := fixtures.MustCreateUser(t, db, fixtures.User{Email: "cohorts-stranger@example.jp", Name: "講師", NoPassword: true})
	fixtures.MustAddMember(t, db, "別の研修機関", "provider", stranger, "instructor", false)
	return &cohortsFixture{db: db, courses: c.Courses, s: learning.NewService(db.Gorm, c.Courses, nil, nil, "http://127.0.0.1"),
		author: catalog.Actor{UserID: c.Author.UserID, IP: "192.0.2.1"}, stranger: catalog.Actor{UserID: stranger, IP: "192.0.2.1"},
		courseID: c.ID}
}

func (f *cohortsFixture) learner(t *testing.T, n int) learning.Learner {
	t.Helper()
	return learning.Learner{UserID: fixtures.MustCreateUser(t, f.db, fixtures.User{Email: fmt.Sprintf("cohorts-learner%d@example.jp", n), Name: "受講者", NoPassword: true})}
}

// cohortsInput is a valid session starting in a month.
func cohortsInput(capacity int) learning.CohortInput {
	start := time.Now().In(learning.CohortTZ).AddDate(0, 1, 0)
	return learning.CohortInput{NameJa: "2027年1月期", NameEn: "January 2027", StartsOn: start.Format(learning.CohortDateLayout),
		EndsOn: start.AddDate(0, 0, 30).Format(learning.CohortDateLayout), EnrolDeadline: start.AddDate(0, 0, -3).Format(learning.CohortDeadlineLayout),
		Capacity: fmt.Sprint(capacity)}
}

func TestCohortsCreate(t *testing.T) {
	t.Parallel()
	f := cohortsSetup(t, catalog.DeliveryCohort)
	ctx := context.Background()

	t.Run("OK", func(t *testing.T) {
		h, err := f.s.CreateCohort(ctx, f.author, f.courseID, cohortsInput(30))
		if err != nil {
			t.Fatal(err)
		}
		var deadline time.Time
		var capacity int
		f.db.Gorm.Raw(`SELECT enrol_deadline, capacity FROM cohorts WHERE id = ?`, h.ID).Row().Scan(&deadline, &capacity)
		want, _ := time.ParseInLocation(learning.CohortDeadlineLayout, cohortsInput(30).EnrolDeadline, learning.CohortTZ)
		if !deadline.Equal(want) || capacity != 30 {
			t.Fatalf("stored deadline %v capacity %d; want %v (Japan time) and 30", deadline, capacity, want)
		}
		var audited int
		f.db.Gorm.Raw(`SELECT count(*) FROM audit_events WHERE action = 'course.cohort_created' AND target_id = ? AND actor_id = ?`,
			h.ID, f.author.UserID).Row().Scan(&audited)
		if audited != 1 {
			t.Fatalf("%d audit entries for the new session", audited)
		}
		list, err := f.s.StudioCohorts(ctx, f.author, f.courseID)
		if err != nil || len(list) != 1 || list[0].Capacity != 30 || !list[0].Open {
			t.Fatalf("studio list %+v, %v", list, err)
		}
	})
	t.Run("ErrFields", func(t *testing.T) {
		in := cohortsInput(0)
		in.NameJa = " "
		in.EndsOn = "2020-01-01"
		in.EnrolDeadline = "tomorrow"
		_, err := f.s.CreateCohort(ctx, f.author, f.courseID, in)
		e, ok := apperr.As(err)
		if !ok || e.Code != apperr.Invalid {
			t.Fatalf("err %v", err)
		}
		want := map[string]string{"name_ja": "cohorts.err_name_required", "ends_on": "cohorts.err_ends_before_starts",
			"enrol_deadline": "cohorts.err_deadline_invalid", "capacity": "cohorts.err_capacity_range"}
		for k, v := range want {
			if e.Fields[k] != v {
				t.Errorf("field %s: %q, want %q", k, e.Fields[k], v)
			}
		}
	})
	t.Run("ErrDeadlinePastOrAfterEnd", func(t *testing.T) {
		in := cohortsInput(5)
		in.EnrolDeadline = time.Now().In(learning.CohortTZ).Add(-time.Hour).Format(learning.CohortDeadlineLayout)
		if _, err := f.s.CreateCohort(ctx, f.author, f.courseID, in); fieldOf(err, "enrol_deadline") != "cohorts.err_deadline_past" {
			t.Fatalf("past deadline: %v", err)
		}
		in = cohortsInput(5)
		in.EnrolDeadline = in.EndsOn + "T23:59"
		if _, err := f.s.CreateCohort(ctx, f.author, f.courseID, in); err != nil {
			t.Fatalf("deadline at the end of the last day refused: %v", err)
		}
		in.EnrolDeadline = in.EndsOn[:8] + "99T00:00"
		if _, err := f.s.CreateCohort(ctx, f.author, f.courseID, in); fieldOf(err, "enrol_deadline") != "cohorts.err_deadline_invalid" {
			t.Fatalf("bad date: %v", err)
		}
	})
	t.Run("ErrOtherProvider", func(t *testing.T) {
		if _, err := f.s.CreateCohort(ctx, f.stranger, f.courseID, cohortsInput(5)); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("another provider's author: %v", err)
		}
		if _, err := f.s.StudioCohorts(ctx, f.stranger, f.courseID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("another provider's author lists sessions: %v", err)
		}
	})
}

func fieldOf(err error, field string) string {
	if e, ok := apperr.As(err); ok {
		return e.Fields[field]
	}
	return ""
}

func TestCohortsSelfPacedCourseHasNone(t *testing.T) {
	t.Parallel()
	f := cohortsSetup(t, catalog.DeliverySelfPaced)
	_, err := f.s.CreateCohort(context.Background(), f.author, f.courseID, cohortsInput(5))
	if e, ok := apperr.As(err); !ok || e.Code != apperr.Conflict || e.Key != "cohorts.err_not_cohort_course" {
		t.Fatalf("session on a self-paced course: %v", err)
	}
}

func TestCohortsCapacityRaisePromotes(t *testing.T) {
	t.Parallel()
	f := cohortsSetup(t, catalog.DeliveryCohort)
	ctx := context.Background()
	h, err := f.s.CreateCohort(ctx, f.author, f.courseID, cohortsInput(2))
	if err != nil {
		t.Fatal(err)
	}
	var learners []learning.Learner
	for i := 0; i < 5; i++ {
		l := f.learner(t, i)
		learners = append(learners, l)
		place, err := f.s.EnrolInCohort(ctx, l, h.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantPos := max(0, i-1)
		if place.Position != wantPos || place.Waitlisted() != (i >= 2) {
			t.Fatalf("learner %d: %+v, want position %d", i, place, wantPos)
		}
	}
	t.Run("ErrBelowTaken", func(t *testing.T) {
		_, _, err := f.s.UpdateCohort(ctx, f.author, f.courseID, h.ID, cohortsInput(1))
		if fieldOf(err, "capacity") != "cohorts.err_capacity_below_taken" {
			t.Fatalf("capacity below seats taken: %v", err)
		}
	})
	t.Run("ErrOtherCourseOrProvider", func(t *testing.T) {
		if _, _, err := f.s.UpdateCohort(ctx, f.stranger, f.courseID, h.ID, cohortsInput(9)); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("stranger: %v", err)
		}
		if _, _, err := f.s.UpdateCohort(ctx, f.author, f.courseID, catalog.NewID(), cohortsInput(9)); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("unknown session: %v", err)
		}
	})
	t.Run("OK", func(t *testing.T) {
		got, promoted, err := f.s.UpdateCohort(ctx, f.author, f.courseID, h.ID, cohortsInput(4))
		if err != nil {
			t.Fatal(err)
		}
		if promoted != 2 || got.SeatsTaken != 4 || got.Capacity != 4 {
			t.Fatalf("promoted %d, session %+v", promoted, got)
		}
		for i, l := range learners {
			place, err := f.s.MyCohortPlace(ctx, l, f.courseID)
			if err != nil {
				t.Fatal(err)
			}
			seated := i < 4
			if place.Waitlisted() == seated || (!seated && place.Position != 1) {
				t.Errorf("learner %d after the raise: %+v", i, place)
			}
		}
		var events int
		f.db.Gorm.Raw(`SELECT count(*) FROM learning_events WHERE cohort_id = ? AND event_type = 'seat_taken' AND details->>'from_waitlist' = 'true'`,
			h.ID).Row().Scan(&events)
		if events != 2 {
			t.Fatalf("%d seat_taken events from the waitlist, want 2", events)
		}
		var audited int
		f.db.Gorm.Raw(`SELECT count(*) FROM audit_events WHERE action = 'course.cohort_updated' AND target_id = ?`, h.ID).Row().Scan(&audited)
		if audited != 1 {
			t.Fatalf("%d audit entries for the edit (refused edits must not be recorded)", audited)
		}
	})
	t.Run("RaiseBeyondWaitlist", func(t *testing.T) {
		got, promoted, err := f.s.UpdateCohort(ctx, f.author, f.courseID, h.ID, cohortsInput(10))
		if err != nil || promoted != 1 || got.SeatsTaken != 5 {
			t.Fatalf("promoted %d, %+v, %v", promoted, got, err)
		}
		list, _ := f.s.CourseCohorts(ctx, f.courseID)
		if len(list) != 1 || list[0].Waitlisted != 0 || list[0].SeatsLeft() != 5 {
			t.Fatalf("public list %+v", list)
		}
	})
}

func TestCohortsWaitlistPosition(t *testing.T) {
	t.Parallel()
	f := cohortsSetup(t, catalog.DeliveryCohort)
	ctx := context.Background()
	h, err := f.s.CreateCohort(ctx, f.author, f.courseID, cohortsInput(1))
	if err != nil {
		t.Fatal(err)
	}
	var ls []learning.Learner
	for i := 0; i < 4; i++ {
		ls = append(ls, f.learner(t, i))
		if _, err := f.s.EnrolInCohort(ctx, ls[i], h.ID); err != nil {
			t.Fatal(err)
		}
	}
	pos := func(l learning.Learner) int {
		t.Helper()
		p, err := f.s.MyCohortPlace(ctx, l, f.courseID)
		if err != nil {
			t.Fatal(err)
		}
		return p.Position
	}
	if pos(ls[0]) != 0 || pos(ls[1]) != 1 || pos(ls[2]) != 2 || pos(ls[3]) != 3 {
		t.Fatalf("positions %d %d %d %d", pos(ls[0]), pos(ls[1]), pos(ls[2]), pos(ls[3]))
	}
	// "My learning" shows the same place, with the session's name.
	for i, l := range ls[1:] {
		m, err := f.s.MyLearning(ctx, l)
		if err != nil {
			t.Fatal(err)
		}
		if len(m.Waitlisted) != 1 || m.Waitlisted[0].QueuePosition == nil || *m.Waitlisted[0].QueuePosition != i+1 ||
			m.Waitlisted[0].CohortID == nil || *m.Waitlisted[0].CohortID != h.ID ||
			m.Waitlisted[0].CohortName("ja") != "2027年1月期" || m.Waitlisted[0].CohortName("en") != "January 2027" {
			t.Fatalf("my learning of waiter %d: %+v", i+1, m.Waitlisted)
		}
	}
	t.Run("WaiterAheadWithdraws", func(t *testing.T) {
		p, _ := f.s.MyCohortPlace(ctx, ls[2], f.courseID)
		if err := f.s.Withdraw(ctx, ls[2], p.EnrolmentID); err != nil {
			t.Fatal(err)
		}
		if pos(ls[1]) != 1 || pos(ls[3]) != 2 {
			t.Fatalf("after a waiter withdrew: %d %d", pos(ls[1]), pos(ls[3]))
		}
	})
	t.Run("SeatedWithdrawsFirstWaiterPromoted", func(t *testing.T) {
		p, _ := f.s.MyCohortPlace(ctx, ls[0], f.courseID)
		if err := f.s.Withdraw(ctx, ls[0], p.EnrolmentID); err != nil {
			t.Fatal(err)
		}
		if p, _ := f.s.MyCohortPlace(ctx, ls[1], f.courseID); p.Status != learning.StatusActive || pos(ls[3]) != 1 {
			t.Fatalf("after the seated learner withdrew: %+v, next position %d", p, pos(ls[3]))
		}
		if _, err := f.s.MyCohortPlace(ctx, ls[0], f.courseID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("withdrawn learner still has a place: %v", err)
		}
	})
	t.Run("ErrUnknownSession", func(t *testing.T) {
		if _, err := f.s.EnrolInCohort(ctx, f.learner(t, 99), "not-a-uuid"); !apperr.Is(err, apperr.NotFound) {
			t.Fatal(err)
		}
		if _, err := f.s.EnrolInCohort(ctx, f.learner(t, 98), catalog.NewID()); !apperr.Is(err, apperr.NotFound) {
			t.Fatal(err)
		}
	})
	t.Run("ClosedAndEndedSessions", func(t *testing.T) {
		f.db.Gorm.Exec(`UPDATE cohorts SET enrol_deadline = now() - interval '1 minute' WHERE id = ?`, h.ID)
		var ended string
		f.db.Gorm.Raw(`INSERT INTO cohorts (course_id, name_ja, starts_on, ends_on, enrol_deadline, capacity)
			VALUES (?, '終わった回', current_date - 60, current_date - 30, now() - interval '70 days', 5) RETURNING id`, f.courseID).Row().Scan(&ended)
		list, err := f.s.CourseCohorts(ctx, f.courseID)
		if err != nil || len(list) != 1 || list[0].ID != h.ID || list[0].Open {
			t.Fatalf("public list %+v, %v: want only the closed, not ended session", list, err)
		}
		_, err = f.s.EnrolInCohort(ctx, f.learner(t, 97), h.ID)
		if e, ok := apperr.As(err); !ok || e.Key != "learning.err_deadline_passed" {
			t.Fatalf("enrol after the deadline: %v", err)
		}
	})
}
