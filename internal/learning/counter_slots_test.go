package learning_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"
	"time"

	"takumi/internal/dbtest"
	"takumi/internal/fixtures"
)

// TestCounterSlotsDoNotSerialise: the learners of one course do not queue
// behind each other's counter rows (migration 00055). Two transactions, on
// connections of different counter slots, each enrol a person in the same
// course, open and complete a lesson and submit the quiz, and stay open;
// the second must not wait for the first (their times to complete differ:
// the median's count per exact duration, course_duration_values, is one row
// per duration, shared by people who took exactly as long) (lock_timeout 2 s: with one
// counter row per course it waited until the first committed, and the
// lock timeout failed it). After both commit, the analytics read the
// same figures as a recount from every row.
func TestCounterSlotsDoNotSerialise(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	f := analyticsCourse(t, db, "slots")
	users := []string{
		fixtures.MustCreateUser(t, db, fixtures.User{Email: "slot-a@example.jp", Name: "受講者 A", NoPassword: true}),
		fixtures.MustCreateUser(t, db, fixtures.User{Email: "slot-b@example.jp", Name: "受講者 B", NoPassword: true}),
	}

	// Two connections whose backends fall in different slots (the slot is
	// the backend's process id modulo 8); ten at most.
	var conns []*sql.Conn
	slots := map[int]bool{}
	for i := 0; len(conns) < 2 && i < 10; i++ {
		c, err := db.SQL.Conn(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var pid int
		if err := c.QueryRowContext(ctx, `SELECT pg_backend_pid()`).Scan(&pid); err != nil {
			t.Fatal(err)
		}
		defer c.Close() // held until the end, so that the next one is another backend
		if !slots[pid%8] {
			slots[pid%8] = true
			conns = append(conns, c)
		}
	}
	if len(conns) < 2 {
		t.Fatal("no two connections in different counter slots")
	}

	var txs []*sql.Tx
	for i, c := range conns {
		tx, err := c.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		if _, err := tx.ExecContext(ctx, `SET LOCAL lock_timeout = '2s'`); err != nil {
			t.Fatal(err)
		}
		now := time.Now()
		step := func(what, q string, args ...any) {
			t.Helper()
			if _, err := tx.ExecContext(ctx, q, args...); err != nil {
				t.Fatalf("transaction %d, %s while the other is open: %v", i+1, what, err)
			}
		}
		var enrolment string
		if err := tx.QueryRowContext(ctx, `INSERT INTO enrolments (user_id, course_id, status, enrolled_at, last_activity_at)
			VALUES ($1, $2, 'active', $3, $3) RETURNING id`, users[i], f.courseID, now.Add(-time.Duration(i+1)*time.Hour)).Scan(&enrolment); err != nil {
			t.Fatalf("transaction %d, enrol while the other is open: %v", i+1, err)
		}
		step("open a lesson", `INSERT INTO lesson_progress (enrolment_id, lesson_id) VALUES ($1, $2)`, enrolment, f.lessons[0])
		step("complete it", `UPDATE lesson_progress SET completed_at = $3 WHERE enrolment_id = $1 AND lesson_id = $2`,
			enrolment, f.lessons[0], now)
		step("submit the quiz", `INSERT INTO quiz_attempts (enrolment_id, lesson_id, revision, started_at, submitted_at, seed, passed, results)
			VALUES ($1, $2, 1, $3, $3, 1, true, jsonb_build_object($4::text, true))`, enrolment, f.lessons[2], now, f.questions[0])
		step("complete the course", `UPDATE enrolments SET status = 'completed', completed_at = $2 WHERE id = $1`, enrolment, now)
		txs = append(txs, tx)
	}
	for _, tx := range txs {
		if err := tx.Commit(); err != nil {
			t.Fatal(err)
		}
	}
	var rows, distinct int
	if err := db.Gorm.Raw(`SELECT count(*), count(DISTINCT slot) FROM course_enrolment_stats WHERE course_id = ?`, f.courseID).
		Row().Scan(&rows, &distinct); err != nil {
		t.Fatal(err)
	}
	if rows != 2 || distinct != 2 {
		t.Fatalf("course_enrolment_stats: %d rows in %d slots, want 2 in 2", rows, distinct)
	}
	compareCounters(t, db.Gorm, f.courseID, fmt.Sprintf("after two writers in slots %v", slots))
}
