package reporting_test

import (
	"context"
	"testing"

	"gorm.io/gorm"

	"takumi/internal/database"
	"takumi/internal/dbtest"
	"takumi/internal/reporting"
)

// registrationGroups is registration_counts summed over slots (groups of
// 0 left out) and the same groups counted from users, each as one string.
func registrationGroups(t *testing.T, db *database.DB) (kept, counted string) {
	t.Helper()
	for q, out := range map[string]*string{
		`SELECT coalesce(string_agg(concat_ws(' ', month, prefecture, industry, segment, n), ', ' ORDER BY month, prefecture, industry, segment), '')
		 FROM (SELECT month, prefecture, industry, segment, sum(n) AS n FROM registration_counts GROUP BY 1, 2, 3, 4 HAVING sum(n) <> 0) k`: &kept,
		`SELECT coalesce(string_agg(concat_ws(' ', month, prefecture, industry, segment, n), ', ' ORDER BY month, prefecture, industry, segment), '')
		 FROM (SELECT registration_month(created_at) AS month, coalesce(prefecture_code::text, '') AS prefecture,
		              coalesce(industry_code::text, '') AS industry, coalesce(segment, '') AS segment, count(*) AS n
		       FROM users GROUP BY 1, 2, 3, 4) u`: &counted,
	} {
		if err := db.Gorm.Raw(q).Row().Scan(out); err != nil {
			t.Fatal(err)
		}
	}
	return kept, counted
}

// TestRegistrationCountsKept: registration_counts (migration 00059) follows
// every kind of write to users, in one statement or many, on connections
// of different counter slots: after each step its groups are the users'
// groups counted afresh, and the refresh's registrations by month are the
// same as counting the users. A write the triggers did not see (a drift)
// shows, and RecountRegistrations repairs it.
func TestRegistrationCountsKept(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	check := func(step string) {
		t.Helper()
		kept, counted := registrationGroups(t, db)
		if kept != counted {
			t.Fatalf("%s: kept %q, counted %q", step, kept, counted)
		}
	}
	check("before")
	insert := `INSERT INTO users (email, password_hash, display_name, prefecture_code, industry_code, segment, privacy_notice_version, consented_at, created_at)
		SELECT 'reg' || g || '-' || ? || '@example.jp', 'x', '受講者', (ARRAY['13', '27', NULL])[1 + g % 3], (ARRAY['G', 'E'])[1 + g % 2],
		       (ARRAY['engineer', NULL, 'developer', 'other'])[1 + g % 4], '2026-11', now(), timestamptz '2026-05-31 14:30:00+00' + g * interval '1 hour'
		FROM generate_series(1, ?) g`
	steps := []struct {
		name, sql string
		args      []any
	}{
		{"40 users in one statement (across a Tokyo month's end)", insert, []any{"a", 40}},
		{"one user", insert, []any{"b", 1}},
		{"a move to another prefecture", `UPDATE users SET prefecture_code = '01' WHERE email = 'reg1-a@example.jp'`, nil},
		{"a prefecture removed, industry and segment changed", `UPDATE users SET prefecture_code = NULL, industry_code = 'A', segment = 'other' WHERE email LIKE 'reg1_-a@%'`, nil},
		{"only the segment changed", `UPDATE users SET segment = 'engineer' WHERE email = 'reg5-a@example.jp'`, nil},
		{"only the industry changed", `UPDATE users SET industry_code = 'A' WHERE email = 'reg6-a@example.jp'`, nil},
		{"registration time moved a month back", `UPDATE users SET created_at = created_at - interval '1 month' WHERE email LIKE 'reg2%-a@%'`, nil},
		{"a change the counts do not see", `UPDATE users SET display_name = '別名' WHERE email LIKE 'reg3%'`, nil},
		{"deletes", `DELETE FROM users WHERE email LIKE 'reg_-a@%' OR email = 'reg1-b@example.jp'`, nil},
	}
	for _, st := range steps {
		if err := db.Gorm.Exec(st.sql, st.args...).Error; err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		check(st.name)
	}
	// Two open transactions of one group on two connections: different
	// slots, neither waits for the other.
	tx1, tx2 := db.Gorm.Begin(), db.Gorm.Begin()
	for i, tx := range []*gorm.DB{tx1, tx2} {
		if err := tx.Exec(insert, []string{"c", "d"}[i], 3).Error; err != nil {
			t.Fatal(err)
		}
	}
	if err := tx1.Commit().Error; err != nil {
		t.Fatal(err)
	}
	if err := tx2.Commit().Error; err != nil {
		t.Fatal(err)
	}
	check("two transactions at once")

	// The refresh counts registrations from the kept groups: the same as
	// from the users.
	if err := reporting.RefreshLearnerStats(ctx, db.Gorm); err != nil {
		t.Fatal(err)
	}
	var got, want string
	if err := db.Gorm.Raw(`SELECT string_agg(concat_ws(' ', dim, month, value, n), ', ' ORDER BY dim, month, value)
		FROM registration_rollup WHERE dim IN ('', 'prefecture')`).Row().Scan(&got); err != nil {
		t.Fatal(err)
	}
	if err := db.Gorm.Raw(`SELECT string_agg(concat_ws(' ', dim, month, value, n), ', ' ORDER BY dim, month, value) FROM (
		SELECT '' AS dim, registration_month(created_at) AS month, '' AS value, count(*) AS n FROM users GROUP BY 2
		UNION ALL
		SELECT 'prefecture', registration_month(created_at), coalesce(prefecture_code::text, ''), count(*) FROM users GROUP BY 2, 3) u`).Row().Scan(&want); err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Fatalf("refreshed registrations %q, counted from the users %q", got, want)
	}

	// A write with the triggers off drifts; the recount repairs it.
	dbtest.ExecUnnotified(t, db, insert, "e", 5)
	if kept, counted := registrationGroups(t, db); kept == counted {
		t.Fatal("users written with the triggers off did not drift the counts")
	}
	if err := reporting.RecountRegistrations(ctx, db.Gorm); err != nil {
		t.Fatal(err)
	}
	check("after the recount")
}
