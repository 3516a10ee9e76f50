// Package archtest holds tests of the code base's structure: rules that no
// single package's tests can see.
package archtest

import (
	"fmt"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
)

// owners maps every table the application writes to the one package that
// writes it (docs/architecture.md shows the same map; TestArchitectureDoc
// keeps the two equal). Another package that needs a change calls the
// owner's function and passes its transaction.
var owners = map[string]string{
	// account: people and how they sign in
	"users":          "internal/account",
	"email_tokens":   "internal/account",
	"recovery_codes": "internal/account",
	"login_attempts": "internal/account",
	// app: scs's sessions, each with its signed-in user's id (migration 00056)
	"sessions": "internal/app",
	// org: organisations, who belongs, who is invited
	"organisations":      "internal/org",
	"organisation_logos": "internal/org",
	"memberships":        "internal/org",
	"org_member_counts":  "internal/org", // kept by triggers (migration 00052)
	"invitations":        "internal/org",
	"progress_consents":  "internal/org",
	// catalog: what is taught
	"courses":               "internal/catalog",
	"course_revisions":      "internal/catalog",
	"media":                 "internal/catalog",
	"learning_paths":        "internal/catalog",
	"learning_path_courses": "internal/catalog",
	"skill_areas":           "internal/catalog",
	// learning: who studies what, and the learning-event log
	"enrolments":      "internal/learning",
	"lesson_progress": "internal/learning",
	"quiz_attempts":   "internal/learning",
	"cohorts":         "internal/learning",
	"learning_events": "internal/learning",
	// learning: course analytics' counters (issue 20), kept by triggers (migrations 00038, 00039, 00051, 00054)
	"quiz_stats":              "internal/learning",
	"quiz_question_stats":     "internal/learning",
	"lesson_stats":            "internal/learning",
	"course_enrolment_stats":  "internal/learning",
	"course_activity_days":    "internal/learning",
	"course_duration_buckets": "internal/learning",
	"course_duration_values":  "internal/learning",
	// learning: the employer roster's read model (issue 20), kept by triggers (migration 00048)
	"roster_entries":       "internal/learning",
	"roster_counts":        "internal/learning",
	"roster_filter_counts": "internal/learning", // migration 00053
	// bulkenrol: CSV imports (and their session's temporary staging tables)
	"enrolment_imports":      "internal/bulkenrol",
	"enrolment_import_files": "internal/bulkenrol",
	"pending_enrolments":     "internal/bulkenrol",
	"bulk_rows":              "internal/bulkenrol",
	"bulk_courses":           "internal/bulkenrol",
	"bulk_errors":            "internal/bulkenrol",
	// credential
	"credentials":                "internal/credential",
	"status_lists":               "internal/credential",
	"provider_credential_counts": "internal/credential", // kept by triggers (migration 00054)
	// progress: the engine and programmes
	"programmes":             "internal/progress",
	"programme_achievements": "internal/progress",
	"progress_engine_state":  "internal/progress",
	"progress_rollup":        "internal/progress",
	"progress_monthly":       "internal/progress",
	"activity_rollup":        "internal/progress",
	"learner_activity":       "internal/progress",
	// reporting: the ministry dashboard's read models
	"active_learners":      "internal/reporting",
	"activity_monthly":     "internal/reporting",
	"course_stats":         "internal/reporting",
	"provider_stats":       "internal/reporting",
	"registration_rollup":  "internal/reporting",
	"registration_counts":  "internal/reporting", // kept by triggers on users (migration 00059)
	"ministry_stats_state": "internal/reporting",
	// audit and mail
	"audit_events":    "internal/audit",
	"dev_mail":        "internal/mail",
	"mail_deliveries": "internal/mail",
	// SCORM packages (catalog) and run-time data (learning), issue 16
	"scorm_packages": "internal/catalog",
	"scorm_files":    "internal/catalog",
	"scorm_attempts": "internal/learning",
	// apiclient: the integration API's clients, tokens, idempotency keys and rate windows (issue 19)
	"api_clients":       "internal/apiclient",
	"api_access_tokens": "internal/apiclient",
	"api_idempotency":   "internal/apiclient",
	"api_rate_windows":  "internal/apiclient",
	"api_token_windows": "internal/apiclient",
	// webhook: the integration API's webhook endpoints and delivery log (issue 19)
	"webhook_endpoints":  "internal/webhook",
	"webhook_deliveries": "internal/webhook",
	// Partner issuers (issue 19 item 4, migration 00043).
	"partner_issuers":      "internal/partner",
	"partner_achievements": "internal/partner",
	"partner_status_lists": "internal/partner",
	"partner_credentials":  "internal/partner",
	// jobs: instance heartbeats, and the rescue of River jobs whose instance died
	"job_instances": "internal/jobs",
	"river_job":     "internal/jobs",
	// xAPI learning record store (issue 17)
	"xapi_clients":       "internal/xapi",
	"xapi_statements":    "internal/xapi",
	"xapi_attachments":   "internal/xapi",
	"xapi_documents":     "internal/xapi",
	"xapi_activities":    "internal/xapi",
	"cmi5_sessions":      "internal/learning", // issue 17 cmi5
	"xapi_forwards":      "internal/xapi",     // issue 17 forwarding
	"xapi_forward_queue": "internal/xapi",
	// sso: organisation single sign-on (issue 18)
	"org_email_domains":    "internal/sso",
	"identity_providers":   "internal/sso",
	"sso_identities":       "internal/sso",
	"saml_requests":        "internal/sso",
	"saml_assertions_used": "internal/sso",
	"scim_tokens":          "internal/sso",
	"scim_users":           "internal/sso",
}

// exception lets a package other than the owner write some tables, for a
// stated reason.
type exception struct {
	Pkg    string
	Tables []string
	Reason string
}

var exceptions = []exception{
	{
		Pkg:    "internal/seed",
		Tables: []string{"users", "organisations", "courses", "course_revisions", "enrolments", "lesson_progress", "learning_events"},
		Reason: "synthetic scale data (`takumi seed`: 1 M learners, 5 M enrolments, 50 M events), loaded with COPY " +
			"because row-by-row owner calls would take hours; refused in production (seed.ErrProduction)",
	},
	{
		Pkg:    "scripts",
		Tables: []string{"users", "memberships", "enrolments", "lesson_progress", "quiz_attempts", "credentials"},
		Reason: "benchmark data (scripts/page-bench-data.sql) generated set-wise into a throw-away benchmark database, " +
			"never run against a deployment (the counters its load skips are recounted by their owners after it, `takumi recount`; credentials are unsigned placeholders for the issued list)",
	},
	{
		// Capacity (issue 13).
		Pkg:    "scripts/capacity",
		Tables: []string{"users"},
		Reason: "capacity load run (docs/capacity.md): N learners without a password, created set-wise in the run's own " +
			"private PostgreSQL, never a deployment",
	},
	{
		Pkg:    "internal/fixtures",
		Tables: []string{"users", "organisations", "memberships", "media"},
		Reason: "test fixtures, imported only by tests (TestFixturesOnlyInTests): they insert a row in a state " +
			"(a chosen password hash, an analyst flag, a stored file) that the owners' functions reach only through several steps",
	},
}

// keptByTriggersOnly names owned tables that no Go or SQL file of the
// owner writes: triggers and an SQL function defined in the owner's
// migrations keep them (the owner's repair calls that function), so the
// "nothing writes it any more" check would not see them.
var keptByTriggersOnly = map[string]bool{
	"roster_entries":       true, // migration 00048; learning.Service.RebuildRoster calls roster_rebuild()
	"roster_counts":        true,
	"roster_filter_counts": true, // migration 00053, kept by statement triggers on roster_entries
}

// violation is a write by a package that does not own the table.
type violation struct {
	Table, Owner string
	Write        write
}

func (v violation) String() string {
	if v.Owner == "" {
		return fmt.Sprintf("table %s has no owner in internal/archtest/ownership_test.go, written by %s at %s (%s)",
			v.Table, v.Write.Pkg, v.Write.Pos, v.Write.How)
	}
	return fmt.Sprintf("table %s is owned by %s but %s writes it at %s (%s)", v.Table, v.Owner, v.Write.Pkg, v.Write.Pos, v.Write.How)
}

// checkOwnership returns every write by a package other than the table's
// owner that no exception allows, and every write to a table with no owner.
func checkOwnership(writes []write, owners map[string]string, exceptions []exception) []violation {
	allowed := map[string]bool{}
	for _, e := range exceptions {
		for _, t := range e.Tables {
			allowed[e.Pkg+" "+t] = true
		}
	}
	var out []violation
	for _, w := range writes {
		owner := owners[w.Table]
		if owner == w.Pkg || allowed[w.Pkg+" "+w.Table] {
			continue
		}
		out = append(out, violation{Table: w.Table, Owner: owner, Write: w})
	}
	return out
}

// TestOneOwnerPerTable fails when a table is written by a package that is
// not its owner (or an allowed exception), naming the table, the packages
// and the place.
func TestOneOwnerPerTable(t *testing.T) {
	writes, err := scanTree("../..")
	if err != nil {
		t.Fatal(err)
	}
	if len(writes) < 100 {
		t.Fatalf("only %d writes found: is the scanner reading the tree?", len(writes))
	}
	for _, v := range checkOwnership(writes, owners, exceptions) {
		t.Error(v)
	}
	// Every owner and exception still names something the code writes, so
	// the map does not rot.
	seen := map[string]bool{}
	for _, w := range writes {
		seen[w.Table] = true
		seen[w.Pkg+" "+w.Table] = true
	}
	for table := range owners {
		if !seen[table] && !keptByTriggersOnly[table] {
			t.Errorf("owner map names %s, which nothing writes any more: remove it", table)
		}
	}
	for _, e := range exceptions {
		for _, table := range e.Tables {
			if !seen[e.Pkg+" "+table] {
				t.Errorf("exception lets %s write %s, which it no longer does: remove it", e.Pkg, table)
			}
		}
	}
}

// TestOwnershipCheckFindsASecondWriter feeds the check a tree with a second
// writer of users (SQL in a Go string, a gorm write and a .sql file) and a
// table with no owner, and expects each to be reported with its place.
func TestOwnershipCheckFindsASecondWriter(t *testing.T) {
	root := t.TempDir()
	put := func(path, body string) {
		t.Helper()
		full := filepath.Join(root, path)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	put("internal/account/user.go", `package account

type User struct{ ID string }

func save(db DB) { db.Exec("UPDATE users SET display_name = ? WHERE id = ?", "a", "b") }
`)
	put("internal/rogue/rogue.go", `package rogue

import "takumi/internal/account"

func erase(tx DB, id string) {
	tx.Exec(`+"`"+`DELETE FROM users
		WHERE id = ?`+"`"+`, id)
	tx.Where("id = ?", id).Delete(&account.User{})
	tx.Exec("SELECT 1 FROM users FOR UPDATE")
	tx.Exec("INSERT INTO gadgets (id) VALUES (?) ON CONFLICT (id) DO UPDATE SET id = EXCLUDED.id", id)
}
`)
	put("internal/rogue/sql/wipe.sql", "-- a comment naming UPDATE users\nSELECT 1;\nTRUNCATE users;\n")
	put("internal/rogue/rogue_test.go", `package rogue

func fixture(tx DB) { tx.Exec("DELETE FROM users") }
`)
	put("migrations/00001_init.sql", "INSERT INTO users (id) VALUES ('x');\n")

	writes, err := scanTree(root)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, v := range checkOwnership(writes, map[string]string{"users": "internal/account"}, nil) {
		got = append(got, v.String())
	}
	sort.Strings(got)
	want := []string{
		"table gadgets has no owner in internal/archtest/ownership_test.go, written by internal/rogue at internal/rogue/rogue.go:10 (INSERT)",
		"table users is owned by internal/account but internal/rogue writes it at internal/rogue/rogue.go:6 (DELETE)",
		"table users is owned by internal/account but internal/rogue writes it at internal/rogue/rogue.go:8 (gorm Delete)",
		"table users is owned by internal/account but internal/rogue writes it at internal/rogue/sql/wipe.sql:3 (TRUNCATE)",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("violations:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// An exception allows the rogue's writes to users, and only those.
	ex := []exception{{Pkg: "internal/rogue", Tables: []string{"users"}, Reason: "test"}}
	if v := checkOwnership(writes, map[string]string{"users": "internal/account", "gadgets": "internal/rogue"}, ex); len(v) != 0 {
		t.Fatalf("violations despite the exception: %v", v)
	}
}

// TestArchitectureDoc keeps docs/architecture.md's table → owner map equal
// to the owner map above.
func TestArchitectureDoc(t *testing.T) {
	body, err := os.ReadFile("../../docs/architecture.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^\\| `([a-z0-9_]+)` \\| `(internal/[a-z]+)` \\|")
	doc := map[string]string{}
	for _, m := range row.FindAllStringSubmatch(string(body), -1) {
		doc[m[1]] = m[2]
	}
	for table, owner := range owners {
		if doc[table] != owner {
			t.Errorf("docs/architecture.md: %s is owned by %q there, %q here", table, doc[table], owner)
		}
	}
	for table := range doc {
		if _, ok := owners[table]; !ok {
			t.Errorf("docs/architecture.md names %s, which the owner map does not", table)
		}
	}
	for _, e := range exceptions {
		if !strings.Contains(string(body), "`"+e.Pkg+"`") {
			t.Errorf("docs/architecture.md does not list the exception for %s", e.Pkg)
		}
	}
}

// TestFixturesOnlyInTests keeps internal/fixtures, which writes other
// domains' tables directly, out of the binary: only _test.go files may
// import it.
func TestFixturesOnlyInTests(t *testing.T) {
	root := "../.."
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && (d.Name() == "node_modules" || d.Name() == "testdata" || (strings.HasPrefix(d.Name(), ".") && d.Name() != "..")) {
			return filepath.SkipDir
		}
		if d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") || strings.Contains(p, "internal/fixtures/") {
			return nil
		}
		f, err := parser.ParseFile(token.NewFileSet(), p, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		for _, imp := range f.Imports {
			if imp.Path.Value == `"takumi/internal/fixtures"` {
				t.Errorf("%s imports internal/fixtures; only tests may", p)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
