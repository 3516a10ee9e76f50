package learning_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"gorm.io/gorm"

	"takumi/internal/dbtest"
	"takumi/internal/fixtures"
	"takumi/internal/learning"
)

// TestAnalyticsCountersMatchRecount: course analytics read the lesson and
// quiz counters that migrations 00038 and 00039 keep with every change of
// lesson_progress, quiz_attempts and enrolments. After each step of a
// random sequence of changes — lessons opened, completed, un-completed,
// heartbeats, rows deleted; attempts started, submitted (results as
// booleans, as objects with "answered" and "correct", or not an object at
// all; passed true, false or NULL), resubmitted with other results, taken
// back, their answers erased, deleted; enrolments waitlisted and back,
// moved to the other course or removed with their rows — the counters
// equal a recount from every row (the queries analytics ran before), for
// both courses. The summary too (migration 00051): enrolments change
// status (completed with or without a completion time, withdrawn, back to
// active), their last activity moves (within the same day, across days,
// around the 30-day boundary, to NULL), people enrol again after
// withdrawing (two enrolments of one person in one course), enrolments are
// inserted and changed several at once; after each step the status
// counts, active learners (since several moments, on day boundaries and
// inside days) and the median equal analytics_summary_full.sql.
func TestAnalyticsCountersMatchRecount(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	fx := []analyticsFixture{analyticsCourse(t, db, "qs1"), analyticsCourse(t, db, "qs2")}
	s := learning.NewService(db.Gorm, fx[0].courses, nil, nil, "http://127.0.0.1")
	var enrolments []string
	for i := range 8 {
		user := fixtures.MustCreateUser(t, db, fixtures.User{Email: fmt.Sprintf("quizstats%d@example.jp", i), Name: "受講者", NoPassword: true})
		for c := range fx {
			if i%3 == 2 && c == 1 {
				continue // some learners take only the first course
			}
			e, err := s.EnrolSelfPaced(ctx, learning.Learner{UserID: user}, fx[c].courseID)
			if err != nil {
				t.Fatal(err)
			}
			enrolments = append(enrolments, e.ID)
		}
	}
	rng := rand.New(rand.NewPCG(20, 38))
	exec := func(q string, args ...any) error {
		t.Helper()
		return db.Gorm.Exec(q, args...).Error
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	// A quiz and one of its questions, or an unknown one (results are
	// whatever the attempt stored).
	question := func() string {
		f := fx[rng.IntN(2)]
		if rng.IntN(10) == 0 {
			return "stray-question"
		}
		return f.questions[rng.IntN(len(f.questions))]
	}
	results := func() any {
		switch rng.IntN(8) {
		case 0:
			return nil
		case 1:
			return `[]`
		case 2:
			return `{}`
		}
		out := "{"
		for i := range 1 + rng.IntN(3) {
			if i > 0 {
				out += ","
			}
			var v string
			switch rng.IntN(4) {
			case 0:
				v = fmt.Sprintf(`{"correct": %t}`, rng.IntN(2) == 0)
			case 1:
				v = fmt.Sprintf(`{"correct": %t, "answered": %t}`, rng.IntN(2) == 0, rng.IntN(2) == 0)
			default:
				v = fmt.Sprintf("%t", rng.IntN(2) == 0)
			}
			out += fmt.Sprintf("%q: %s", question(), v)
		}
		return out + "}"
	}
	passed := func() any {
		if rng.IntN(5) == 0 {
			return nil
		}
		return rng.IntN(2) == 0
	}
	now := time.Now()
	someAttempt := func() string {
		id := "00000000-0000-0000-0000-000000000000" // none yet: the change changes nothing
		db.Gorm.Raw(`SELECT id FROM quiz_attempts ORDER BY random() LIMIT 1`).Row().Scan(&id)
		return id
	}
	steps := map[string]int{}
	spread := 0 // the most duration buckets a course's completions fell in
	for step := range 800 {
		live := enrolments[rng.IntN(len(enrolments))]
		lesson := fx[rng.IntN(2)].lessons[2]
		if rng.IntN(12) == 0 {
			lesson = "another-lesson"
		}
		var op string
		switch r := rng.IntN(200); {
		case r >= 140 && r < 155:
			op = "status"
			status := []string{"active", "completed", "completed", "withdrawn", "waitlisted"}[rng.IntN(5)]
			var done any
			if status == "completed" && rng.IntN(4) > 0 {
				done = now.Add(-time.Duration(rng.IntN(40*24)) * time.Hour)
			}
			// Refused when it would give the learner two live enrolments
			// in the course (enrolments_one_live).
			if exec(`UPDATE enrolments SET status = ?, completed_at = ? WHERE id = ?`, status, done, live) != nil {
				op = "status (refused)"
			}
		case r >= 155 && r < 175:
			op = "activity"
			var at any
			switch rng.IntN(6) {
			case 0:
				at = nil
			case 1: // around the 30-day boundary
				at = now.Add(-30*24*time.Hour + time.Duration(rng.IntN(48)-24)*time.Hour)
			case 2: // within the same day
				must(exec(`UPDATE enrolments SET last_activity_at = last_activity_at + interval '1 second' WHERE id = ?`, live))
				at = "keep"
			default:
				at = now.Add(-time.Duration(rng.IntN(45*24*60)) * time.Minute)
			}
			if at != "keep" {
				must(exec(`UPDATE enrolments SET last_activity_at = ? WHERE id = ?`, at, live))
			}
		case r >= 175 && r < 183:
			op = "enrol again"
			// The learner withdraws and enrols again: a second enrolment
			// of the same person in the same course.
			var user, course string
			must(db.Gorm.Raw(`SELECT user_id, course_id FROM enrolments WHERE id = ?`, live).Row().Scan(&user, &course))
			must(exec(`UPDATE enrolments SET status = 'withdrawn', withdrawn_at = now() WHERE user_id = ? AND course_id = ?`, user, course))
			var id string
			must(db.Gorm.Raw(`INSERT INTO enrolments (user_id, course_id, status, enrolled_at, last_activity_at)
				VALUES (?, ?, 'active', ?, ?) RETURNING id`, user, course, now.Add(-time.Duration(rng.IntN(60*24))*time.Hour),
				now.Add(-time.Duration(rng.IntN(40*24))*time.Hour)).Row().Scan(&id))
			enrolments = append(enrolments, id)
		case r >= 183 && r < 190:
			op = "many at once"
			// One statement changing several enrolments of both courses.
			must(exec(`UPDATE enrolments SET last_activity_at = last_activity_at - interval '20 hours',
				completed_at = CASE WHEN status = 'completed' THEN COALESCE(completed_at, now()) - interval '3 hours' END
				WHERE id IN (SELECT id FROM enrolments ORDER BY random() LIMIT 5)`))
		case r >= 196:
			op = "same duration"
			// Completions taking exactly as long as others: ties, one
			// row of course_duration_values with a count above one.
			must(exec(`UPDATE enrolments SET status = 'completed', completed_at = enrolled_at + make_interval(days => ?::int)
				WHERE id IN (SELECT e.id FROM enrolments e WHERE e.status IN ('active', 'completed') ORDER BY random() LIMIT 3)
				  AND NOT EXISTS (SELECT 1 FROM enrolments x WHERE x.user_id = enrolments.user_id AND x.course_id = enrolments.course_id
				                  AND x.id <> enrolments.id AND x.status IN ('active', 'completed', 'waitlisted'))`, 1+rng.IntN(3)))
		case r >= 190:
			op = "enrolled at"
			must(exec(`UPDATE enrolments SET enrolled_at = enrolled_at - make_interval(hours => ?::int) WHERE id = ?`, rng.IntN(100), live))
		case r >= 100 && r < 112:
			op = "open lesson"
			l := fx[rng.IntN(2)].lessons[rng.IntN(3)]
			var done any
			if rng.IntN(3) == 0 {
				done = now
			}
			must(exec(`INSERT INTO lesson_progress (enrolment_id, lesson_id, completed_at) VALUES (?, ?, ?)
				ON CONFLICT (enrolment_id, lesson_id) DO UPDATE SET last_seen_at = now(), seconds_on_task = lesson_progress.seconds_on_task + 5`, live, l, done))
		case r >= 112 && r < 122:
			op = "complete lesson"
			must(exec(`UPDATE lesson_progress SET completed_at = CASE WHEN completed_at IS NULL THEN now() END
				WHERE (enrolment_id, lesson_id) IN (SELECT enrolment_id, lesson_id FROM lesson_progress ORDER BY random() LIMIT 1)`))
		case r >= 122 && r < 127:
			op = "heartbeat"
			must(exec(`UPDATE lesson_progress SET seconds_on_task = seconds_on_task + 30, last_seen_at = now(), completed_at = completed_at`))
		case r >= 127 && r < 131:
			op = "delete lesson progress"
			must(exec(`DELETE FROM lesson_progress WHERE (enrolment_id, lesson_id) IN (SELECT enrolment_id, lesson_id FROM lesson_progress ORDER BY random() LIMIT 1)`))
		case r >= 131:
			op = "waitlist"
			// Refused for a withdrawn enrolment of someone who enrolled
			// again (enrolments_one_live).
			if exec(`UPDATE enrolments SET status = CASE WHEN status = 'waitlisted' THEN 'active' ELSE 'waitlisted' END WHERE id = ?`, live) != nil {
				op = "waitlist (refused)"
			}
		case r < 35:
			op = "start"
			var sub any
			if rng.IntN(3) > 0 {
				sub = now
			}
			must(exec(`INSERT INTO quiz_attempts (enrolment_id, lesson_id, revision, started_at, submitted_at, seed, passed, answers, results)
				VALUES (?, ?, 1, ?, ?, 1, ?, '{}'::jsonb, ?::jsonb)`, live, lesson, now.Add(-time.Minute), sub, passed(), results()))
		case r < 60:
			op = "submit"
			must(exec(`UPDATE quiz_attempts SET submitted_at = ?, passed = ?, results = ?::jsonb WHERE id = ?`, now, passed(), results(), someAttempt()))
		case r < 70:
			op = "take back"
			must(exec(`UPDATE quiz_attempts SET submitted_at = NULL WHERE id = ?`, someAttempt()))
		case r < 78:
			op = "erase answers"
			must(exec(`UPDATE quiz_attempts SET answers = NULL WHERE id = ?`, someAttempt()))
		case r < 86:
			op = "delete attempt"
			must(exec(`DELETE FROM quiz_attempts WHERE id = ?`, someAttempt()))
		case r < 92:
			op = "move lesson"
			must(exec(`UPDATE quiz_attempts SET lesson_id = ? WHERE id = ?`, lesson, someAttempt()))
		case r < 97:
			op = "move enrolment"
			// Refused when the learner already has a live enrolment in the
			// other course (enrolments_one_live): nothing changes then.
			if exec(`UPDATE enrolments SET course_id = CASE WHEN course_id = ? THEN ?::uuid ELSE ?::uuid END WHERE id = ?`,
				fx[0].courseID, fx[1].courseID, fx[0].courseID, live) != nil {
				op = "move enrolment (refused)"
			}
		default:
			op = "remove enrolment"
			if len(enrolments) > 4 {
				must(exec(`DELETE FROM enrolments WHERE id = ?`, live))
				for i, e := range enrolments {
					if e == live {
						enrolments = append(enrolments[:i], enrolments[i+1:]...)
						break
					}
				}
			}
		}
		steps[op]++
		for _, f := range fx {
			compareCounters(t, db.Gorm, f.courseID, fmt.Sprintf("step %d (%s)", step, op))
			var n int
			db.Gorm.Raw(`SELECT count(*) FROM course_duration_buckets WHERE course_id = ? AND completions > 0`, f.courseID).Row().Scan(&n)
			spread = max(spread, n)
		}
		if t.Failed() {
			return
		}
	}
	// A recount from every row leaves the counters as they were.
	if err := s.RecountAnalytics(ctx); err != nil {
		t.Fatal(err)
	}
	for _, f := range fx {
		compareCounters(t, db.Gorm, f.courseID, "after RecountAnalytics")
	}
	// The median must have been found across buckets, not in one.
	if spread < 4 || steps["same duration"] == 0 {
		t.Fatalf("completions fell in at most %d duration buckets of a course: the median's search is not exercised", spread)
	}
	var submitted int
	db.Gorm.Raw(`SELECT count(*) FROM quiz_attempts WHERE submitted_at IS NOT NULL`).Row().Scan(&submitted)
	var progress int
	db.Gorm.Raw(`SELECT count(*) FROM lesson_progress`).Row().Scan(&progress)
	if submitted < 30 || progress < 10 || steps["remove enrolment"] == 0 || steps["move enrolment"] == 0 || steps["waitlist"] == 0 ||
		steps["status"] < 10 || steps["activity"] < 10 || steps["enrol again"] == 0 || steps["many at once"] == 0 {
		t.Fatalf("the sequence proves little: %d submitted attempts, %d lesson progress rows, steps %v", submitted, progress, steps)
	}
	t.Logf("%d submitted attempts, %d lesson progress rows; steps %v", submitted, progress, steps)
}

// compareCounters fails when the kept counters of course differ from a
// recount (a counter at zero and no row are the same).
func compareCounters(t *testing.T, g *gorm.DB, course, when string) {
	t.Helper()
	read := func(q string) map[string][2]int64 {
		t.Helper()
		rows, err := g.Raw(q, map[string]any{"course": course}).Rows()
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		cols, _ := rows.Columns()
		out := map[string][2]int64{}
		for rows.Next() {
			var lesson, question string
			var a, b int64
			dest := []any{&lesson, &a, &b}
			if len(cols) == 4 {
				dest = []any{&lesson, &question, &a, &b}
			}
			if err := rows.Scan(dest...); err != nil {
				t.Fatal(err)
			}
			if a != 0 || b != 0 {
				out[lesson+"/"+question] = [2]int64{a, b}
			}
		}
		return out
	}
	for _, q := range [][2]string{
		{learning.AnalyticsQuizzesSQL, learning.AnalyticsQuizzesFullSQL},
		{learning.AnalyticsQuestionsSQL, learning.AnalyticsQuestionsFullSQL},
		{learning.AnalyticsLessonsSQL, learning.AnalyticsLessonsFullSQL},
	} {
		kept, recount := read(q[0]), read(q[1])
		if fmt.Sprint(kept) != fmt.Sprint(recount) {
			t.Errorf("%s: kept %v, recount %v", when, kept, recount)
		}
	}
	// The completions per duration bucket (migration 00054), which the
	// median's exact order statistic reads.
	buckets := func(q string) string {
		t.Helper()
		var rows []struct {
			Bucket, Completions int64
		}
		if err := g.Raw(q, course).Scan(&rows).Error; err != nil {
			t.Fatal(err)
		}
		return fmt.Sprint(rows)
	}
	if kept, recount := buckets(`SELECT bucket, completions FROM course_duration_buckets
			WHERE course_id = ? AND completions <> 0 ORDER BY bucket`),
		buckets(`SELECT enrolment_duration_bucket(extract(epoch FROM completed_at - enrolled_at)::float8) AS bucket, count(*) AS completions
			FROM enrolments WHERE course_id = ? AND status = 'completed' AND completed_at IS NOT NULL GROUP BY 1 ORDER BY 1`); kept != recount {
		t.Errorf("%s: duration buckets: kept %s, recount %s", when, kept, recount)
	}
	var values [2]string
	for i, q := range []string{`SELECT bucket || ':' || seconds::text || ':' || completions FROM course_duration_values
			WHERE course_id = ? ORDER BY seconds`,
		`SELECT enrolment_duration_bucket(s) || ':' || s::text || ':' || count(*) FROM (
			SELECT extract(epoch FROM completed_at - enrolled_at)::float8 AS s FROM enrolments
			WHERE course_id = ? AND status = 'completed' AND completed_at IS NOT NULL) x GROUP BY s ORDER BY s`} {
		var rows []string
		if err := g.Raw(q, course).Scan(&rows).Error; err != nil {
			t.Fatal(err)
		}
		values[i] = fmt.Sprint(rows)
	}
	if values[0] != values[1] {
		t.Errorf("%s: durations: kept %s, recount %s", when, values[0], values[1])
	}
	// The summary, for "since" 30 days ago (what the page asks), at the
	// start of a UTC day, just before the next one, and 10 days ago.
	now := time.Now()
	day := now.UTC().Truncate(24 * time.Hour).Add(-30 * 24 * time.Hour)
	for _, since := range []time.Time{now.Add(-30 * 24 * time.Hour), day, day.Add(24*time.Hour - time.Microsecond), now.Add(-10 * 24 * time.Hour)} {
		args := map[string]any{"course": course, "since": since}
		var kept, recount summaryRow
		if err := g.Raw(learning.AnalyticsSummarySQL, args).Scan(&kept).Error; err != nil {
			t.Fatal(err)
		}
		if err := g.Raw(learning.AnalyticsSummaryFullSQL, args).Scan(&recount).Error; err != nil {
			t.Fatal(err)
		}
		if kept.String() != recount.String() {
			t.Errorf("%s: summary since %s: kept %s, recount %s", when, since.UTC().Format(time.RFC3339Nano), kept, recount)
		}
	}
}

type summaryRow struct {
	Enrolments, Active, Waitlisted, Completed, Withdrawn, ActiveLearners int
	MedianCompletionSeconds                                              *float64
}

// String shows the median to the last bit (the figures must be identical,
// not close).
func (r summaryRow) String() string {
	m := "NULL"
	if r.MedianCompletionSeconds != nil {
		m = fmt.Sprintf("%b", *r.MedianCompletionSeconds)
	}
	return fmt.Sprintf("enrolments %d active %d waitlisted %d completed %d withdrawn %d active learners %d median %s",
		r.Enrolments, r.Active, r.Waitlisted, r.Completed, r.Withdrawn, r.ActiveLearners, m)
}
