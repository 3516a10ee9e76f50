package app_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"takumi/internal/account"
	"takumi/internal/app"
	"takumi/internal/config"
	"takumi/internal/dbtest"
)

func TestLoadDemo(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	cfg := config.Config{Env: config.EnvDevelopment, DataDir: t.TempDir()}

	count := func(table string) int64 {
		var n int64
		db.Gorm.Table(table).Count(&n)
		return n
	}
	var first bytes.Buffer
	if err := app.LoadDemo(ctx, cfg, db, &first); err != nil {
		t.Fatal(err)
	}
	users, orgs, members, audits := count("users"), count("organisations"), count("memberships"), count("audit_events")
	sessions := count("cohorts")
	if sessions != 2 {
		t.Fatalf("demo made %d sessions for its cohort-based course, want 2", sessions)
	}

	t.Run("Accounts", func(t *testing.T) {
		if users < 25 || orgs != 3 {
			t.Fatalf("demo made %d users and %d organisations", users, orgs)
		}
		var roles struct{ Admins, Analysts, OrgAdmins, Instructors int64 }
		db.Gorm.Raw(`SELECT
			(SELECT count(*) FROM users WHERE is_platform_admin) AS admins,
			(SELECT count(*) FROM memberships m JOIN organisations o ON o.id = m.org_id WHERE m.analyst AND o.kind = 'ministry') AS analysts,
			(SELECT count(*) FROM memberships WHERE role = 'admin') AS org_admins,
			(SELECT count(*) FROM memberships m JOIN organisations o ON o.id = m.org_id WHERE m.role = 'instructor' AND o.kind = 'provider') AS instructors`).Scan(&roles)
		if roles.Admins != 1 || roles.Analysts != 1 || roles.OrgAdmins != 2 || roles.Instructors != 2 {
			t.Fatalf("demo roles: %+v", roles)
		}
		var aichi int64
		db.Gorm.Raw(`SELECT count(*) FROM organisations WHERE kind = 'employer' AND prefecture_code = '23' AND industry_code = 'E'`).Scan(&aichi)
		if aichi != 1 {
			t.Fatal("no manufacturer in Aichi among the demo employers")
		}
		var prefs int64
		db.Gorm.Raw(`SELECT count(DISTINCT prefecture_code) FROM users`).Scan(&prefs)
		if prefs < 5 {
			t.Fatalf("demo learners span only %d prefectures", prefs)
		}
	})
	t.Run("PrintsEveryAccountAndPassword", func(t *testing.T) {
		out := first.String()
		for _, a := range app.DemoAccountList() {
			if !strings.Contains(out, a.Email) {
				t.Errorf("demo output lacks %s", a.Email)
			}
		}
		var hash string
		db.Gorm.Raw("SELECT password_hash FROM users WHERE email = ?", app.DemoAccountList()[0].Email).Row().Scan(&hash)
		line := out[strings.Index(out, "password: ")+len("password: "):]
		pw := strings.TrimSpace(line[:strings.Index(line, "\n")])
		if ok, _ := account.CheckPassword(hash, pw); !ok {
			t.Fatalf("printed password %q does not sign in", pw)
		}
	})
	t.Run("IdempotentSamePassword", func(t *testing.T) {
		var second bytes.Buffer
		if err := app.LoadDemo(ctx, cfg, db, &second); err != nil {
			t.Fatal(err)
		}
		if count("users") != users || count("organisations") != orgs || count("memberships") != members || count("audit_events") != audits || count("cohorts") != sessions {
			t.Fatal("running demo twice changed the database")
		}
		pw := func(s string) string { i := strings.Index(s, "password: "); return s[i : i+30] }
		if pw(first.String()) != pw(second.String()) {
			t.Fatal("second run printed a different password")
		}
		if !strings.Contains(second.String(), "nothing changed") {
			t.Fatalf("second run did not say nothing changed:\n%s", second.String())
		}
	})
	t.Run("ErrRefusedInProduction", func(t *testing.T) {
		if err := app.LoadDemo(ctx, config.Config{Env: config.EnvProduction}, db, &bytes.Buffer{}); err == nil {
			t.Fatal("demo data loaded in production")
		}
	})
}
