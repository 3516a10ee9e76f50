package app_test

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"takumi/internal/account"
	"takumi/internal/apiclient"
	"takumi/internal/app"
	"takumi/internal/config"
	"takumi/internal/credential"
	"takumi/internal/database"
	"takumi/internal/dbtest"
	"takumi/internal/i18n"
)

func TestLoadDemo(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	cfg := config.Config{Env: config.EnvDevelopment, DataDir: t.TempDir(), BaseURL: "https://demo.takumi.example"}

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
	creds, paths, enrolments := count("credentials"), count("learning_paths"), count("enrolments")
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
		if count("users") != users || count("organisations") != orgs || count("memberships") != members || count("audit_events") != audits || count("cohorts") != sessions ||
			count("credentials") != creds || count("learning_paths") != paths || count("enrolments") != enrolments {
			t.Fatal("running demo twice changed the database")
		}
		pw := func(s string) string { i := strings.Index(s, "password: "); return s[i : i+30] }
		if pw(first.String()) != pw(second.String()) {
			t.Fatal("second run printed a different password")
		}
		if demoPrinted(t, first.String(), "client_secret:") != demoPrinted(t, second.String(), "client_secret:") {
			t.Fatal("second run printed a different API client secret")
		}
		if !strings.Contains(second.String(), "nothing changed") {
			t.Fatalf("second run did not say nothing changed:\n%s", second.String())
		}
	})
	t.Run("APIClient", func(t *testing.T) {
		// The printed client id and secret get an access token (issue 19);
		// the second run printed the same ones.
		id := demoPrinted(t, first.String(), "client_id:")
		secret := demoPrinted(t, first.String(), "client_secret:")
		if _, err := apiclient.NewService(db.Gorm).IssueToken(ctx, id, secret, "", ""); err != nil {
			t.Fatalf("the printed API client does not get a token: %v", err)
		}
	})
	t.Run("Credentials", func(t *testing.T) { testDemoCredentials(t, db, cfg) })
	t.Run("LearnerOneLessonFromACredential", func(t *testing.T) {
		var e struct {
			Status  string
			Undone  int
			Quizzes int
		}
		// Required lessons of the course's published content without a
		// completed lesson_progress row.
		db.Gorm.Raw(`SELECT e.status,
			(SELECT count(*) FROM jsonb_path_query(r.content, '$.modules[*].lessons[*] ? (@.required == true)') l
			  WHERE NOT EXISTS (SELECT 1 FROM lesson_progress lp WHERE lp.enrolment_id = e.id AND lp.lesson_id = l->>'id' AND lp.completed_at IS NOT NULL)) AS undone,
			(SELECT count(*) FROM quiz_attempts qa WHERE qa.enrolment_id = e.id AND qa.passed) AS quizzes
			FROM enrolments e JOIN users u ON u.id = e.user_id JOIN courses c ON c.id = e.course_id
			JOIN course_revisions r ON r.course_id = c.id AND r.number = c.published_revision
			WHERE u.email = 'learner04@demo.takumi.localhost' AND c.code = 'quality-data-201'`).Scan(&e)
		if e.Status != "active" || e.Undone != 1 || e.Quizzes == 0 {
			t.Fatalf("learner04 in quality-data-201: %+v, want active with one lesson left and the quiz passed", e)
		}
		if out := first.String(); !strings.Contains(out, "One lesson from a credential: learner04@demo.takumi.localhost in quality-data-201") {
			t.Fatalf("demo output does not name the learner one lesson from a credential:\n%s", out)
		}
	})
	t.Run("ErrRefusedInProduction", func(t *testing.T) {
		if err := app.LoadDemo(ctx, config.Config{Env: config.EnvProduction}, db, &bytes.Buffer{}); err == nil {
			t.Fatal("demo data loaded in production")
		}
	})
}

// testDemoCredentials checks the demo's credentials: issued by completing
// courses (never inserted by hand), one revoked, one expired, one for the
// learning path, and each verifying with the verdict its state calls for.
func testDemoCredentials(t *testing.T, db *database.DB, cfg config.Config) {
	t.Helper()
	ctx := context.Background()
	type row struct {
		credential.Credential
		Email, Course, Path, EnrolmentStatus string
	}
	var rows []row
	if err := db.Gorm.Raw(`SELECT cr.*, u.email, coalesce(c.code, '') AS course, coalesce(p.code, '') AS path,
			coalesce(e.status, '') AS enrolment_status
		FROM credentials cr JOIN users u ON u.id = cr.user_id
		LEFT JOIN courses c ON c.id = cr.course_id
		LEFT JOIN learning_paths p ON p.id = cr.path_id
		LEFT JOIN enrolments e ON e.id = cr.enrolment_id
		ORDER BY u.email, cr.issued_at`).Scan(&rows).Error; err != nil {
		t.Fatal(err)
	}
	if len(rows) < 3 {
		t.Fatalf("demo holds %d credentials, want at least 3", len(rows))
	}
	msgs, err := i18n.Load()
	if err != nil {
		t.Fatal(err)
	}
	keys, err := credential.LoadKeys(credential.KeySource{DataDir: cfg.DataDir, Development: true}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	svc, err := credential.NewService(db.Gorm, keys, cfg.BaseURL, msgs)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	var revoked, expired, path, valid int
	for _, r := range rows {
		want := credential.VerdictValid
		switch {
		case r.RevokedAt != nil:
			revoked++
			want = credential.VerdictRevoked
			if r.RevocationReason == "" || r.Email != "learner09@demo.takumi.localhost" {
				t.Errorf("revoked credential of %s with reason %q", r.Email, r.RevocationReason)
			}
		case r.ValidUntil != nil && r.ValidUntil.Before(now):
			expired++
			want = credential.VerdictExpired
		default:
			valid++
		}
		if r.PathID != nil {
			path++
			if r.Path != "ai-cloud-foundations" || r.Email != "learner01@demo.takumi.localhost" {
				t.Errorf("path credential %s for %s", r.Path, r.Email)
			}
		} else if r.EnrolmentStatus != "completed" {
			// SECURITY of the demo's honesty: a course credential exists only
			// for an enrolment the learning service completed.
			t.Errorf("credential %s of %s (%s) has enrolment status %q", r.ID, r.Email, r.Course, r.EnrolmentStatus)
		}
		rep := svc.VerifyStored(ctx, &r.Credential)
		if rep.Verdict != want {
			t.Errorf("credential of %s (%s%s): verdict %s, want %s; checks %+v", r.Email, r.Course, r.Path, rep.Verdict, want, rep.Checks)
		}
		if !strings.HasPrefix(rep.AchievementURL, cfg.BaseURL+"/") {
			t.Errorf("achievement %q is not on the demo's base URL", rep.AchievementURL)
		}
	}
	if revoked != 1 || expired != 1 || path != 1 || valid < 2 {
		t.Fatalf("demo credentials: %d revoked, %d expired, %d path, %d valid; want 1, 1, 1, at least 2", revoked, expired, path, valid)
	}
	var issuedEvents, revokeAudits int64
	db.Gorm.Raw(`SELECT count(*) FROM learning_events WHERE event_type = 'credential_issued'`).Scan(&issuedEvents)
	db.Gorm.Raw(`SELECT count(*) FROM audit_events WHERE action = 'credential.revoke'`).Scan(&revokeAudits)
	if int(issuedEvents) != len(rows) || revokeAudits != 1 {
		t.Fatalf("%d credential_issued events for %d credentials, %d revocation audits", issuedEvents, len(rows), revokeAudits)
	}
	var flagged int64
	db.Gorm.Raw(`SELECT count(*) FROM enrolments WHERE flagged_fast`).Scan(&flagged)
	if flagged != 0 {
		t.Fatalf("%d demo enrolments flagged as completed too fast", flagged)
	}
	var expiredStart time.Time
	db.Gorm.Raw(`SELECT e.enrolled_at FROM enrolments e JOIN courses c ON c.id = e.course_id
		WHERE c.code = 'sme-security-101'`).Scan(&expiredStart)
	if now.Sub(expiredStart) < 60*24*time.Hour {
		t.Fatalf("the expired credential's course was enrolled at %s, want months ago", expiredStart)
	}
}

// demoPrinted returns the value printed after label in the demo output.
func demoPrinted(t *testing.T, out, label string) string {
	t.Helper()
	i := strings.Index(out, label)
	if i < 0 {
		t.Fatalf("demo output lacks %q:\n%s", label, out)
	}
	rest := strings.TrimSpace(out[i+len(label):])
	return strings.Fields(rest)[0]
}
