package learning

import (
	"context"
	"testing"
	"time"

	"takumi/internal/apperr"
	"takumi/internal/catalog"
	"takumi/internal/database"
	"takumi/internal/dbtest"
	"takumi/internal/fixtures"
)

// visitTestCourse is a self-paced course of the provider, not published
// yet (publish visitTestModule's lessons).
func visitTestCourse(t *testing.T, db *database.DB, code, provider string) *fixtures.CourseFixture {
	t.Helper()
	return fixtures.MustCreateCourse(t, db, fixtures.Course{
		Provider: fixtures.Org{NameJa: provider},
		Author:   fixtures.User{Email: code + "-author@example.jp", Name: "講師", NoPassword: true},
		Code:     code,
		Content: catalog.Content{TitleJa: "訪問", SummaryJa: "概要", SkillArea: "digital_literacy",
			Level: catalog.LevelIntroductory, EstimatedHours: 1, Language: "ja", DeliveryMode: catalog.DeliverySelfPaced},
		Draft: true,
	})
}

// visitTestModule is one module of required reading lessons with the ids.
func visitTestModule(ids ...string) []catalog.Module {
	var ls []catalog.Lesson
	for _, id := range ids {
		ls = append(ls, catalog.Lesson{ID: id, Kind: catalog.LessonReading, TitleJa: "課" + id[:4], Required: true, BodyMd: "本文"})
	}
	return []catalog.Module{{ID: "m1", TitleJa: "第1章", Lessons: ls}}
}

// TestPlayerOneStatementVisit: once the player knows an enrolment's course
// and revision it opens a lesson in one statement (visit.go). Every check
// of the two-statement path must still hold on that path: another
// learner's enrolment, a lesson not in the content, a lesson removed by a
// newer revision, a withdrawn or waitlisted enrolment write nothing; and
// the page shows what the two-statement path shows.
func TestPlayerOneStatementVisit(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	clock := &playerClock{t: time.Now()}
	s := NewService(db.Gorm, nil, nil, nil, "http://127.0.0.1")
	s.now = clock.now
	lessons := []string{catalog.NewID(), catalog.NewID(), catalog.NewID()}
	c := visitTestCourse(t, db, "one-visit", "一文訪問機関")
	c.MustPublish(t, visitTestModule(lessons...))
	a, b := playerLearner(t, db, 51), playerLearner(t, db, 52)
	e, _, err := s.Enrol(ctx, a, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	rows := func() (n, seconds int) {
		t.Helper()
		if err := db.Gorm.Raw(`SELECT count(*), coalesce(sum(seconds_on_task), 0) FROM lesson_progress WHERE enrolment_id = ?`, e.ID).
			Row().Scan(&n, &seconds); err != nil {
			t.Fatal(err)
		}
		return n, seconds
	}
	visit := func(l Learner, lesson string) (*PlayerPage, error) {
		clock.advance(10 * time.Second)
		return s.Player(ctx, l, e.ID, lesson)
	}
	// Two visits: the first through the two statements, which remembers
	// the course and revision; the second through one.
	for i := range 2 {
		if _, err := visit(a, lessons[0]); err != nil {
			t.Fatal(err)
		}
		if _, ok := s.visits.get(e.ID); !ok {
			t.Fatalf("visit %d: the enrolment's course and revision are not remembered", i+1)
		}
	}
	if n, secs := rows(); n != 1 || secs != 10 {
		t.Fatalf("after two visits 10 s apart: %d rows, %d s", n, secs)
	}
	t.Run("OneStatementPageMatchesTwoStatements", func(t *testing.T) {
		if _, err := s.CompleteLesson(ctx, a, e.ID, lessons[0]); err != nil {
			t.Fatal(err)
		}
		fast, err := visit(a, lessons[1])
		if err != nil {
			t.Fatal(err)
		}
		fresh := NewService(db.Gorm, nil, nil, nil, "http://127.0.0.1")
		fresh.now = clock.now
		clock.advance(10 * time.Second)
		slow, err := fresh.Player(ctx, a, e.ID, lessons[1])
		if err != nil {
			t.Fatal(err)
		}
		var done time.Time
		if err := db.Gorm.Raw(`SELECT completed_at FROM lesson_progress WHERE enrolment_id = ? AND lesson_id = ?`, e.ID, lessons[0]).Row().Scan(&done); err != nil {
			t.Fatal(err)
		}
		for _, p := range []*PlayerPage{fast, slow} {
			st := p.State(lessons[0])
			if !st.Seen || st.CompletedAt == nil || !st.CompletedAt.Equal(done) || st.SecondsOnTask != 10 {
				t.Errorf("first lesson's state %+v (completed at %v)", st, done)
			}
			if !p.State(lessons[1]).Seen || p.Lesson.ID != lessons[1] || p.Prev == nil || p.Prev.ID != lessons[0] ||
				p.Next == nil || p.Next.ID != lessons[2] || p.Course.Code != "one-visit" || p.Enrolment.ID != e.ID {
				t.Errorf("page %+v", p)
			}
		}
		if slow.State(lessons[1]).SecondsOnTask != fast.State(lessons[1]).SecondsOnTask+10 {
			t.Errorf("second lesson %d s then %d s, want 10 s more", fast.State(lessons[1]).SecondsOnTask, slow.State(lessons[1]).SecondsOnTask)
		}
	})
	n0, secs0 := rows()
	errs := []struct {
		name   string
		setup  func()
		l      Learner
		lesson string
		want   apperr.Code
	}{
		{"ErrAnotherLearnersEnrolment", nil, b, lessons[0], apperr.NotFound},
		{"ErrLessonNotInContent", nil, a, catalog.NewID(), apperr.NotFound},
		// Published again without the third lesson: the remembered
		// revision still has it, the current one does not.
		{"ErrLessonRemovedByNewRevision", func() { c.MustPublish(t, visitTestModule(lessons[0], lessons[1])) }, a, lessons[2], apperr.NotFound},
		{"ErrWaitlisted", func() {
			if err := db.Gorm.Exec(`UPDATE enrolments SET status = 'waitlisted', waitlist_pos = 1 WHERE id = ?`, e.ID).Error; err != nil {
				t.Fatal(err)
			}
		}, a, lessons[0], apperr.Conflict},
		{"ErrWithdrawn", func() {
			if err := db.Gorm.Exec(`UPDATE enrolments SET status = 'active', waitlist_pos = NULL WHERE id = ?`, e.ID).Error; err != nil {
				t.Fatal(err)
			}
			if err := s.Withdraw(ctx, a, e.ID); err != nil {
				t.Fatal(err)
			}
		}, a, lessons[0], apperr.NotFound},
	}
	for _, tc := range errs {
		t.Run(tc.name, func(t *testing.T) {
			if tc.setup != nil {
				tc.setup()
			}
			if _, ok := s.visits.get(e.ID); !ok {
				t.Fatal("not on the one-statement path: nothing remembered")
			}
			if _, err := visit(tc.l, tc.lesson); !apperr.Is(err, tc.want) {
				t.Fatalf("visit: %v, want %s", err, tc.want)
			}
			if n, secs := rows(); n != n0 || secs != secs0 {
				t.Fatalf("progress changed: %d rows, %d s (was %d, %d)", n, secs, n0, secs0)
			}
		})
	}
	t.Run("NewRevisionStillVisited", func(t *testing.T) {
		if err := db.Gorm.Exec(`UPDATE enrolments SET status = 'active', withdrawn_at = NULL WHERE id = ?`, e.ID).Error; err != nil {
			t.Fatal(err)
		}
		p, err := visit(a, lessons[1])
		if err != nil {
			t.Fatal(err)
		}
		g, _ := s.visits.get(e.ID)
		if p.Revision != g.revision || p.Next != nil {
			t.Fatalf("revision %d, remembered %d, next %+v", p.Revision, g.revision, p.Next)
		}
		// The gap since the lesson's last visit: five refused visits and
		// this one, 10 s apart (the refused ones moved nothing).
		if n, secs := rows(); n != n0 || secs != secs0+60 {
			t.Fatalf("%d rows, %d s; want %d, %d", n, secs, n0, secs0+60)
		}
	})
}

// TestPlayerVisitActivityOncePerMinute: a visit moves the enrolment's last
// activity at most once a minute, and always once a minute has passed,
// whether the instance sends the visit with the activity update or,
// knowing the last activity is within the minute, without it (visit.go,
// visitGuess.activity); a move made elsewhere (another instance, a quiz)
// is respected.
func TestPlayerVisitActivityOncePerMinute(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	t0 := time.Now().UTC().Truncate(time.Second)
	clock := &playerClock{t: t0}
	s := NewService(db.Gorm, nil, nil, nil, "http://127.0.0.1")
	s.now = clock.now
	lesson := catalog.NewID()
	c := visitTestCourse(t, db, "activity-visit", "活動記録機関")
	c.MustPublish(t, visitTestModule(lesson))
	a := playerLearner(t, db, 61)
	e, _, err := s.Enrol(ctx, a, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	last := func() time.Time {
		t.Helper()
		var at time.Time
		if err := db.Gorm.Raw(`SELECT last_activity_at FROM enrolments WHERE id = ?`, e.ID).Row().Scan(&at); err != nil {
			t.Fatal(err)
		}
		return at
	}
	other := NewService(db.Gorm, nil, nil, nil, "http://127.0.0.1")
	other.now = clock.now
	steps := []struct {
		name  string
		at    time.Duration // the visit's time, after t0
		by    *Service      // the instance visiting; nil: none, last activity set to at
		want  time.Duration // last activity after the step, after t0
		quiet bool          // the visit is sent without the activity update
	}{
		{"FirstVisit", 0, s, 0, false},
		{"WithinTheMinute", 20 * time.Second, s, 0, true},
		{"StillWithinTheMinute", 59 * time.Second, s, 0, true},
		{"AMinuteLater", 61 * time.Second, s, 61 * time.Second, false},
		{"WithinTheNewMinute", 80 * time.Second, s, 61 * time.Second, true},
		// A quiz answered on another instance moves it to 100 s.
		{"MovedElsewhere", 100 * time.Second, nil, 100 * time.Second, false},
		// This instance knows 61 s: due at 125 s, but the row has 100 s.
		{"DueHereNotInTheRow", 125 * time.Second, s, 100 * time.Second, false},
		{"ThenWithinTheRowsMinute", 150 * time.Second, s, 100 * time.Second, true},
		{"ThenDue", 161 * time.Second, s, 161 * time.Second, false},
		// Another instance, which knows nothing, within the minute.
		{"AnotherInstance", 200 * time.Second, other, 161 * time.Second, false},
	}
	for _, st := range steps {
		clock.t = t0.Add(st.at)
		g, ok := s.visits.get(e.ID)
		if quiet := ok && !g.activityDue(clock.now()); st.by == s && quiet != st.quiet {
			t.Fatalf("%s: sent without the activity update %v, want %v (remembered %+v)", st.name, quiet, st.quiet, g)
		}
		if st.by == nil {
			if err := db.Gorm.Exec(`UPDATE enrolments SET last_activity_at = ? WHERE id = ?`, clock.now(), e.ID).Error; err != nil {
				t.Fatal(err)
			}
		} else if _, err := st.by.Player(ctx, a, e.ID, lesson); err != nil {
			t.Fatal(err)
		}
		if got := last(); !got.Equal(t0.Add(st.want)) {
			t.Fatalf("%s: last activity at t0+%v, want t0+%v", st.name, got.Sub(t0), st.want)
		}
	}
}
