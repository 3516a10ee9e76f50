package learning

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"takumi/internal/apperr"
	"takumi/internal/catalog"
	"takumi/internal/database"
	"takumi/internal/dbtest"
	"takumi/internal/fixtures"
)

// playerFixture is a published self-paced course (estimated 5 hours) with a
// module of two required readings (the first needs 2 minutes on task), an
// optional resource and a required quiz that need not be passed.
type playerFixture struct {
	CourseID string
	Lessons  []string // reading (2 min), reading, resource (optional), quiz
}

func playerCourse(t *testing.T, db *database.DB, code string, withQuiz bool) playerFixture {
	t.Helper()
	c := fixtures.MustCreateCourse(t, db, fixtures.Course{
		Provider: fixtures.Org{NameJa: "再生テスト機関" + code},
		Author:   fixtures.User{Email: "player-author-" + code + "@example.jp", Name: "講師", NoPassword: true},
		Code:     code,
		Content: catalog.Content{TitleJa: "再生の基礎", TitleEn: "Player basics", SummaryJa: "概要", SkillArea: "digital_literacy",
			Level: catalog.LevelIntroductory, EstimatedHours: 5, Language: "ja", DeliveryMode: catalog.DeliverySelfPaced},
		Draft: true,
	})
	media := fixtures.MustCreateMedia(t, db, c.ProviderID, c.ID, "checklist.pdf", 2048, "k-"+code)
	f := playerFixture{CourseID: c.ID, Lessons: []string{catalog.NewID(), catalog.NewID(), catalog.NewID()}}
	lessons := []catalog.Lesson{
		{ID: f.Lessons[0], Kind: catalog.LessonReading, TitleJa: "一", TitleEn: "One", Required: true, MinMinutes: 2, BodyMd: "本文"},
		{ID: f.Lessons[1], Kind: catalog.LessonReading, TitleJa: "二", Required: true, BodyMd: "本文"},
		{ID: f.Lessons[2], Kind: catalog.LessonResource, TitleJa: "資料", MediaID: media},
	}
	if withQuiz {
		f.Lessons = append(f.Lessons, catalog.NewID())
		lessons = append(lessons, catalog.Lesson{ID: f.Lessons[3], Kind: catalog.LessonQuiz, TitleJa: "確認", Required: true, Quiz: &catalog.Quiz{PassPercent: 50,
			Questions: []catalog.Question{{ID: catalog.NewID(), Kind: catalog.QuestionTrueFalse, PromptMd: "正しい？",
				Options: []catalog.Option{{ID: catalog.NewID(), Text: "はい", Correct: true}, {ID: catalog.NewID(), Text: "いいえ"}}}}}})
	}
	c.MustPublish(t, []catalog.Module{{ID: catalog.NewID(), TitleJa: "第1章", Lessons: lessons}})
	return f
}

// playerLearner is learner n, in Tokyo (13), industry G.
func playerLearner(t *testing.T, db *database.DB, n int) Learner {
	t.Helper()
	return Learner{UserID: fixtures.MustCreateUser(t, db, fixtures.User{Email: fmt.Sprintf("player-learner%d@example.jp", n), Name: "受講者", NoPassword: true})}
}

// playerClock is a settable clock for the service.
type playerClock struct{ t time.Time }

func (c *playerClock) now() time.Time          { return c.t }
func (c *playerClock) advance(d time.Duration) { c.t = c.t.Add(d) }
func playerSeconds(t *testing.T, db *database.DB, enrolment, lesson string) int {
	t.Helper()
	var n int
	db.Gorm.Raw(`SELECT seconds_on_task FROM lesson_progress WHERE enrolment_id = ? AND lesson_id = ?`, enrolment, lesson).Row().Scan(&n)
	return n
}

func TestPlayerTimeOnTask(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	clock := &playerClock{t: time.Now()}
	s := NewService(db.Gorm, nil, nil, nil, "http://127.0.0.1")
	s.now = clock.now
	f := playerCourse(t, db, "player-time", false)
	l := playerLearner(t, db, 1)
	e, _, err := s.Enrol(ctx, l, f.CourseID)
	if err != nil {
		t.Fatal(err)
	}
	if e.NextLessonID == nil || *e.NextLessonID != f.Lessons[0] {
		t.Fatalf("next lesson after enrolling: %v", e.NextLessonID)
	}
	lesson := f.Lessons[0]
	steps := []struct {
		name  string
		gap   time.Duration
		do    func() error
		total int
	}{
		{"FirstViewCountsNothing", 0, func() error { _, err := s.Player(ctx, l, e.ID, lesson); return err }, 0},
		{"ViewAfter30s", 30 * time.Second, func() error { _, err := s.Player(ctx, l, e.ID, lesson); return err }, 30},
		{"HeartbeatAfter30s", 30 * time.Second, func() error { _, err := s.Heartbeat(ctx, l, e.ID, lesson); return err }, 60},
		{"LongGapCapped", time.Hour, func() error { _, err := s.Player(ctx, l, e.ID, lesson); return err }, 180},
		{"HeartbeatGapCapped", 10 * time.Minute, func() error { _, err := s.Heartbeat(ctx, l, e.ID, lesson); return err }, 300},
		{"SubSecondGapsAddNothing", 400 * time.Millisecond, func() error { _, err := s.Heartbeat(ctx, l, e.ID, lesson); return err }, 300},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			clock.advance(st.gap)
			if err := st.do(); err != nil {
				t.Fatal(err)
			}
			if got := playerSeconds(t, db, e.ID, lesson); got != st.total {
				t.Fatalf("seconds on task %d, want %d", got, st.total)
			}
		})
	}
	t.Run("HeartbeatReturnsTheTimeLeft", func(t *testing.T) {
		lt, err := s.Heartbeat(ctx, l, e.ID, lesson)
		if err != nil {
			t.Fatal(err)
		}
		// 300 s on task against the lesson's 2 minutes: ready.
		if lt.SecondsOnTask != 300 || lt.MinMinutes != 2 || lt.Done || !lt.Ready() || lt.MeasuredAt.IsZero() {
			t.Fatalf("heartbeat time %+v", lt)
		}
	})
	t.Run("ErrHeartbeatUnopenedLesson", func(t *testing.T) {
		if _, err := s.Heartbeat(ctx, l, e.ID, f.Lessons[1]); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("heartbeat for a lesson never opened: %v", err)
		}
	})
	t.Run("PlayerShowsProgressAndNeighbours", func(t *testing.T) {
		p, err := s.Player(ctx, l, e.ID, f.Lessons[1])
		if err != nil {
			t.Fatal(err)
		}
		if p.Prev == nil || p.Prev.ID != f.Lessons[0] || p.Next == nil || p.Next.ID != f.Lessons[2] {
			t.Fatalf("neighbours %+v %+v", p.Prev, p.Next)
		}
		if p.State(f.Lessons[0]).SecondsOnTask != 300 || !p.State(f.Lessons[0]).Seen {
			t.Fatalf("state of the first lesson %+v", p.State(f.Lessons[0]))
		}
		r, err := s.Player(ctx, l, e.ID, f.Lessons[2])
		if err != nil || r.Media == nil || r.Media.Filename != "checklist.pdf" || r.Media.SizeBytes != 2048 {
			t.Fatalf("resource lesson media %+v, %v", r.Media, err)
		}
	})
}

func TestPlayerCompletion(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	clock := &playerClock{t: time.Now()}
	s := NewService(db.Gorm, nil, nil, nil, "http://127.0.0.1")
	s.now = clock.now
	f := playerCourse(t, db, "player-done", true)
	other := playerCourse(t, db, "player-other", false)
	l := playerLearner(t, db, 1)
	e, _, err := s.Enrol(ctx, l, f.CourseID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Player(ctx, l, e.ID, f.Lessons[0]); err != nil {
		t.Fatal(err)
	}

	t.Run("ErrTooEarly", func(t *testing.T) {
		clock.advance(50 * time.Second)
		_, err := s.CompleteLesson(ctx, l, e.ID, f.Lessons[0])
		var te *TooEarlyError
		if !errors.As(err, &te) || te.RemainingMinutes != 2 {
			t.Fatalf("complete after 50 s of a 2-minute lesson: %v", err)
		}
		if got := playerSeconds(t, db, e.ID, f.Lessons[0]); got != 50 {
			t.Fatalf("the refused request's time was not kept: %d s", got)
		}
	})
	t.Run("CompleteGapCappedAt600", func(t *testing.T) {
		clock.advance(15 * time.Minute)
		if _, err := s.CompleteLesson(ctx, l, e.ID, f.Lessons[0]); err != nil {
			t.Fatal(err)
		}
		if got := playerSeconds(t, db, e.ID, f.Lessons[0]); got != 650 {
			t.Fatalf("seconds on task %d, want 50 + 600", got)
		}
	})
	t.Run("CompletesOnce", func(t *testing.T) {
		c, err := s.CompleteLesson(ctx, l, e.ID, f.Lessons[0])
		if err != nil || !c.AlreadyDone || c.NextLessonID != f.Lessons[1] {
			t.Fatalf("second completion: %+v, %v", c, err)
		}
		var events int
		var details string
		db.Gorm.Raw(`SELECT count(*), max(details::text) FROM learning_events WHERE enrolment_id = ? AND event_type = 'lesson_completed'`, e.ID).Row().Scan(&events, &details)
		if events != 1 || details == "" {
			t.Fatalf("%d lesson_completed events (%s)", events, details)
		}
	})
	t.Run("ErrLessonOfAnotherCourse", func(t *testing.T) {
		if _, err := s.CompleteLesson(ctx, l, e.ID, other.Lessons[1]); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("complete a lesson of another course: %v", err)
		}
		if _, err := s.Player(ctx, l, e.ID, other.Lessons[1]); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("open a lesson of another course: %v", err)
		}
		var n int
		db.Gorm.Raw(`SELECT count(*) FROM lesson_progress WHERE lesson_id = ?`, other.Lessons[1]).Row().Scan(&n)
		if n != 0 {
			t.Fatal("progress was written for a lesson of another course")
		}
	})
	t.Run("ErrQuizLesson", func(t *testing.T) {
		if _, err := s.CompleteLesson(ctx, l, e.ID, f.Lessons[3]); !apperr.Is(err, apperr.Conflict) {
			t.Fatalf("mark a quiz complete: %v", err)
		}
	})
	t.Run("ErrSomeoneElsesEnrolment", func(t *testing.T) {
		b := playerLearner(t, db, 2)
		if _, err := s.Player(ctx, b, e.ID, f.Lessons[1]); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("player: %v", err)
		}
		if _, err := s.CompleteLesson(ctx, b, e.ID, f.Lessons[1]); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("complete: %v", err)
		}
		if _, err := s.Heartbeat(ctx, b, e.ID, f.Lessons[0]); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("heartbeat: %v", err)
		}
		if _, err := s.CourseOverview(ctx, b, e.ID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("overview: %v", err)
		}
	})
	t.Run("CourseCompletesWithRequiredLessonsAndFlagsFast", func(t *testing.T) {
		// The quiz is required; it counts once a lesson_progress row marks
		// it complete (the quiz page does that when it is passed).
		c, err := s.CompleteLesson(ctx, l, e.ID, f.Lessons[1])
		if err != nil || c.CourseCompleted {
			t.Fatalf("second reading: %+v, %v", c, err)
		}
		db.Gorm.Exec(`INSERT INTO lesson_progress (enrolment_id, lesson_id, completed_at) VALUES (?, ?, now())`, e.ID, f.Lessons[3])
		// The optional resource: opened, then completed: the course completes
		// (all required lessons are done) within the same transaction.
		if _, err := s.Player(ctx, l, e.ID, f.Lessons[2]); err != nil {
			t.Fatal(err)
		}
		c, err = s.CompleteLesson(ctx, l, e.ID, f.Lessons[2])
		if err != nil || !c.CourseCompleted || !c.FlaggedFast || c.NextLessonID != "" {
			t.Fatalf("completion of the last lesson: %+v, %v", c, err)
		}
		var status string
		var flagged bool
		var completions int
		db.Gorm.Raw(`SELECT status, flagged_fast FROM enrolments WHERE id = ?`, e.ID).Row().Scan(&status, &flagged)
		db.Gorm.Raw(`SELECT count(*) FROM learning_events WHERE enrolment_id = ? AND event_type = 'course_completed'`, e.ID).Row().Scan(&completions)
		if status != StatusCompleted || !flagged || completions != 1 {
			t.Fatalf("enrolment %s flagged=%v, %d course_completed events", status, flagged, completions)
		}
	})
	t.Run("NotFlaggedAtANormalPace", func(t *testing.T) {
		l2 := playerLearner(t, db, 3)
		e2, _, err := s.Enrol(ctx, l2, other.CourseID)
		if err != nil {
			t.Fatal(err)
		}
		clock.advance(2 * time.Hour)
		for _, id := range other.Lessons[:2] {
			if _, err := s.Player(ctx, l2, e2.ID, id); err != nil {
				t.Fatal(err)
			}
			clock.advance(3 * time.Minute)
			if _, err := s.CompleteLesson(ctx, l2, e2.ID, id); err != nil {
				t.Fatal(err)
			}
		}
		var status string
		var flagged bool
		db.Gorm.Raw(`SELECT status, flagged_fast FROM enrolments WHERE id = ?`, e2.ID).Row().Scan(&status, &flagged)
		if status != StatusCompleted || flagged {
			t.Fatalf("enrolment %s flagged=%v", status, flagged)
		}
	})
}

func TestPlayerMyLearningAndHistory(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	s := NewService(db.Gorm, nil, nil, nil, "http://127.0.0.1")
	a := playerCourse(t, db, "player-mine-a", false)
	b := playerCourse(t, db, "player-mine-b", false)
	l := playerLearner(t, db, 1)
	ea, _, err := s.Enrol(ctx, l, a.CourseID)
	if err != nil {
		t.Fatal(err)
	}
	eb, already, err := s.Enrol(ctx, l, b.CourseID)
	if err != nil || already {
		t.Fatal(err)
	}
	t.Run("EnrolTwiceReturnsTheEnrolment", func(t *testing.T) {
		again, already, err := s.Enrol(ctx, l, a.CourseID)
		if err != nil || !already || again.ID != ea.ID {
			t.Fatalf("second enrolment: %+v %v %v", again, already, err)
		}
		var n int
		db.Gorm.Raw(`SELECT count(*) FROM enrolments WHERE user_id = ? AND course_id = ?`, l.UserID, a.CourseID).Row().Scan(&n)
		if n != 1 {
			t.Fatalf("%d enrolments", n)
		}
	})
	// Lesson one of course B: done.
	db.Gorm.Exec(`INSERT INTO lesson_progress (enrolment_id, lesson_id, seconds_on_task) VALUES (?, ?, 600)`, eb.ID, b.Lessons[0])
	if _, err := s.CompleteLesson(ctx, l, eb.ID, b.Lessons[0]); err != nil {
		t.Fatal(err)
	}
	if err := s.Withdraw(ctx, l, ea.ID); err != nil {
		t.Fatal(err)
	}
	t.Run("MyLearning", func(t *testing.T) {
		m, err := s.MyLearning(ctx, l)
		if err != nil {
			t.Fatal(err)
		}
		if len(m.InProgress) != 1 || len(m.Completed) != 0 || len(m.Waitlisted) != 0 {
			t.Fatalf("my learning %+v", m)
		}
		c := m.InProgress[0]
		if c.EnrolmentID != eb.ID || c.ProgressPercent != 50 || c.NextLessonID == nil || *c.NextLessonID != b.Lessons[1] ||
			c.Course.Title("en") != "Player basics" || c.LastActivityAt == nil {
			t.Fatalf("in progress %+v", c)
		}
		// The time left, from the progress read with the enrolments, is
		// what the course overview computes from its own query.
		ov, err := s.CourseOverview(ctx, l, eb.ID)
		if err != nil {
			t.Fatal(err)
		}
		want := ov.Time()
		if c.Time == nil || c.Time.Percent != want.Percent || c.Time.RemainingMinutes != want.RemainingMinutes ||
			c.Time.NeededMinutes != want.NeededMinutes || want.Percent == 0 {
			t.Fatalf("my learning's time %+v, the overview's %+v", c.Time, want)
		}
	})
	t.Run("History", func(t *testing.T) {
		h, err := s.History(ctx, l, "", "en")
		if err != nil {
			t.Fatal(err)
		}
		var types []string
		for _, ev := range h.Events {
			types = append(types, ev.EventType)
		}
		want := []string{"withdrawn", "lesson_completed", "enrolled", "enrolled"}
		if fmt.Sprint(types) != fmt.Sprint(want) {
			t.Fatalf("history %v, want %v", types, want)
		}
		if h.Events[1].LessonTitle != "One" || h.Events[1].Seconds != 600 || h.Next != "" {
			t.Fatalf("lesson event %+v, next %q", h.Events[1], h.Next)
		}
	})
	t.Run("HistoryPages", func(t *testing.T) {
		for i := 0; i < HistoryPageSize; i++ {
			db.Gorm.Exec(`INSERT INTO learning_events (occurred_at, event_type, user_id, course_id, provider_id)
				SELECT now() - interval '1 day', 'enrolled', ?, id, provider_id FROM courses WHERE id = ?`, l.UserID, a.CourseID)
		}
		first, err := s.History(ctx, l, "", "ja")
		if err != nil || len(first.Events) != HistoryPageSize || first.Next == "" {
			t.Fatalf("first page: %d events, next %q, %v", len(first.Events), first.Next, err)
		}
		second, err := s.History(ctx, l, first.Next, "ja")
		if err != nil || len(second.Events) != 4 || second.Next != "" {
			t.Fatalf("second page: %d events, next %q, %v", len(second.Events), second.Next, err)
		}
		if _, err := s.History(ctx, l, "x-1", "ja"); !apperr.Is(err, apperr.Invalid) {
			t.Fatalf("bad cursor: %v", err)
		}
		other, _ := s.History(ctx, playerLearner(t, db, 9), "", "ja")
		if len(other.Events) != 0 {
			t.Fatalf("another learner sees %d events", len(other.Events))
		}
	})
}

// TestMyLearningProgressText reads sqlMyLearning's progress column from
// PostgreSQL and parses it back: every lesson_progress row of the
// enrolment (passed quizzes are not read: they count through their
// lesson's completion), whatever its lesson id holds (spaces, digits, a
// multibyte name, an empty id), with its time on task and completion.
func TestMyLearningProgressText(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	s := NewService(db.Gorm, nil, nil, nil, "http://127.0.0.1")
	f := playerCourse(t, db, "player-text", false)
	l := playerLearner(t, db, 1)
	e, _, err := s.Enrol(ctx, l, f.CourseID)
	if err != nil {
		t.Fatal(err)
	}
	done := time.Date(2026, 12, 7, 9, 30, 15, 0, time.UTC)
	want := map[string]progressRow{
		"12 3 - 1 x":  {SecondsOnTask: 42},
		"レッスン 1":      {SecondsOnTask: 7, CompletedAt: &done},
		"":            {SecondsOnTask: 0},
		f.Lessons[0]:  {SecondsOnTask: 600, CompletedAt: &done},
		"7 trailing ": {SecondsOnTask: 2147483647},
	}
	for id, r := range want {
		if err := db.Gorm.Exec(`INSERT INTO lesson_progress (enrolment_id, lesson_id, seconds_on_task, completed_at) VALUES (?, ?, ?, ?)`,
			e.ID, id, r.SecondsOnTask, r.CompletedAt).Error; err != nil {
			t.Fatal(err)
		}
	}
	var rows []struct {
		EnrolmentID  string
		ProgressText *string
	}
	sr, err := queryRows(ctx, db.Gorm, sqlMyLearning, l.UserID, 1, 1, MyLearningPageSize, myLearningLimit)
	if err != nil {
		t.Fatal(err)
	}
	for sr.Next() {
		c, text, _, _, err := scanMyCourse(sr)
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, struct {
			EnrolmentID  string
			ProgressText *string
		}{c.EnrolmentID, text})
	}
	if err := sr.Err(); err != nil {
		t.Fatal(err)
	}
	sr.Close()
	if len(rows) != 1 || rows[0].ProgressText == nil {
		t.Fatalf("rows %+v", rows)
	}
	got, err := parseProgress(*rows[0].ProgressText)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) {
		t.Fatalf("%d records, want %d: %q", len(got), len(want), *rows[0].ProgressText)
	}
	for _, g := range got {
		w, ok := want[g.LessonID]
		if !ok || g.SecondsOnTask != w.SecondsOnTask || g.Passed || (g.CompletedAt == nil) != (w.CompletedAt == nil) ||
			(w.CompletedAt != nil && !g.CompletedAt.Equal(*w.CompletedAt)) {
			t.Errorf("record %+v, want %+v (found %v)", g, w, ok)
		}
	}
	for _, bad := range []string{"3 1 - 1 ab", "x 1 - 0 a", "1 1 - 2 a", "1 1 -", "1 1 yesterday 0 a"} {
		if _, err := parseProgress(bad); err == nil {
			t.Errorf("parseProgress(%q) accepted", bad)
		}
	}
}
