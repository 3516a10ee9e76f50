package web_test

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/chromedp/chromedp"

	"takumi/internal/catalog"
	"takumi/internal/fixtures"
	"takumi/internal/learning"
)

// rosterSecret is the TOTP secret of the fixture's organisation admins.
const rosterSecret = "JBSWY3DPEHPK3PXP"

// rosterWorld is two employers, A and B, with their people, a provider with
// two published courses, and enrolments whose timestamps make flags:
//
//   - alice (member of A): course 1 completed in 20 minutes of a 10-hour
//     estimate (fast); also enrolled in course 2 by B (never shown to A).
//   - bob (member of A): course 1 completed in 10 days, a quiz attempt of
//     2 questions in 60 s (normal).
//   - carol (not a member, enrolled in course 1 by A): active at 50 %, a
//     quiz attempt of 2 questions in 3 s (machine speed).
//   - dave (member of B) and mallory (nobody's, self-enrolled): never on
//     A's roster.
type rosterWorld struct {
	orgA, orgB           string
	adminA, adminB       string // e-mail addresses
	course1, course2     string
	course2Title         string
	quizLesson           string
	questions            []string          // course 1's quiz questions
	instructor           string            // e-mail of course 1's instructor
	otherInstructor      string            // e-mail of another provider's instructor
	enrol                map[string]string // person -> course 1 enrolment id
	instructorID         string
	instructorProviderID string
}

// rosterCourse publishes a course with a reading and a quiz (lesson id
// quizLesson) of two true/false questions; it returns the course id and the
// question ids.
func rosterCourse(t *testing.T, ta *testApp, a catalog.Actor, provider, code, title string, hours float64, quizLesson string) (string, []string) {
	t.Helper()
	ctx := context.Background()
	cs := ta.App.Server.Courses
	c, err := cs.CreateCourse(ctx, a, catalog.NewCourse{ProviderID: provider, Code: code, Content: catalog.Content{
		TitleJa: title, TitleEn: title + " (en)", SummaryJa: "概要", SkillArea: "digital_literacy", Level: catalog.LevelIntroductory,
		EstimatedHours: hours, Language: "ja", DeliveryMode: catalog.DeliverySelfPaced}})
	if err != nil {
		t.Fatal(err)
	}
	questions := []string{catalog.NewID(), catalog.NewID()}
	quiz := &catalog.Quiz{PassPercent: 50, Questions: []catalog.Question{
		{ID: questions[0], Kind: catalog.QuestionTrueFalse, PromptMd: "安全帯は必要か", Options: []catalog.Option{
			{ID: catalog.NewID(), Text: "はい", Correct: true}, {ID: catalog.NewID(), Text: "いいえ"}}},
		{ID: questions[1], Kind: catalog.QuestionTrueFalse, PromptMd: "保護具は不要か", Options: []catalog.Option{
			{ID: catalog.NewID(), Text: "はい"}, {ID: catalog.NewID(), Text: "いいえ", Correct: true}}},
	}}
	if _, err := cs.EditDraft(ctx, a, c.ID, 0, func(ct *catalog.Content) error {
		ct.Modules = []catalog.Module{{ID: catalog.NewID(), TitleJa: "第1章", Lessons: []catalog.Lesson{
			{ID: catalog.NewID(), Kind: catalog.LessonReading, TitleJa: "読み物", Required: true, BodyMd: "本文"},
			{ID: quizLesson, Kind: catalog.LessonQuiz, TitleJa: "確認テスト", Required: true, Quiz: quiz},
		}}}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.Publish(ctx, a, c.ID); err != nil {
		t.Fatal(err)
	}
	return c.ID, questions
}

func rosterSetup(t *testing.T, ta *testApp) rosterWorld {
	t.Helper()
	ctx := context.Background()
	w := rosterWorld{adminA: "roster-admin-a@example.jp", adminB: "roster-admin-b@example.jp",
		instructor: "roster-instructor@example.jp", otherInstructor: "roster-other-instructor@example.jp",
		enrol: map[string]string{}, quizLesson: catalog.NewID()}
	w.instructorID = fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: w.instructor, Name: "講師 太郎"})
	w.instructorProviderID = fixtures.MustAddMember(t, ta.DB, "ロスター研修機関", "provider", w.instructorID, "instructor", false)
	other := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: w.otherInstructor, Name: "他社 講師"})
	fixtures.MustAddMember(t, ta.DB, "別の研修機関", "provider", other, "instructor", false)
	author := catalog.Actor{UserID: w.instructorID}
	w.course1, w.questions = rosterCourse(t, ta, author, w.instructorProviderID, "roster-safety", "現場安全の基礎", 10, w.quizLesson)
	w.course2Title = "機密保持の基礎"
	w.course2, _ = rosterCourse(t, ta, author, w.instructorProviderID, "roster-secrecy", w.course2Title, 2, catalog.NewID())

	aID := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: w.adminA, Name: "管理 エー", TOTPSecret: rosterSecret})
	w.orgA = fixtures.MustAddMember(t, ta.DB, "エー工業", "employer", aID, "admin", false)
	bID := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: w.adminB, Name: "管理 ビー", TOTPSecret: rosterSecret})
	w.orgB = fixtures.MustAddMember(t, ta.DB, "ビー商事", "employer", bID, "admin", false)

	people := map[string]string{}
	for _, p := range []struct{ key, name, org string }{
		{"alice", "青木 アリス", w.orgA}, {"bob", "馬場 ボブ", w.orgA}, {"carol", "加藤 キャロル", ""},
		{"dave", "大和 デイブ", w.orgB}, {"mallory", "松井 マロリー", ""},
	} {
		id := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "roster-" + p.key + "@example.jp", Name: p.name})
		people[p.key] = id
		if p.org != "" {
			ta.DB.Gorm.Exec(`INSERT INTO memberships (org_id, user_id, role) VALUES (?, ?, 'member')`, p.org, id)
		}
	}
	enrol := func(person, course, org string) string {
		t.Helper()
		e, err := ta.App.Server.Learning.EnrolSelfPaced(ctx, learning.Learner{UserID: people[person]}, course)
		if err != nil {
			t.Fatal(err)
		}
		if org != "" {
			ta.DB.Gorm.Exec(`UPDATE enrolments SET org_id = ? WHERE id = ?`, org, e.ID)
			// A person outside the organisation has consented to it seeing
			// their progress (TestRosterConsent covers the request).
			ta.DB.Gorm.Exec(`INSERT INTO progress_consents (org_id, user_id, granted_at) VALUES (?, ?, now())
				ON CONFLICT DO NOTHING`, org, people[person])
		}
		return e.ID
	}
	now := time.Now()
	day := 24 * time.Hour
	exec := func(sql string, args ...any) {
		t.Helper()
		if err := ta.DB.Gorm.Exec(sql, args...).Error; err != nil {
			t.Fatal(err)
		}
	}
	w.enrol["alice"] = enrol("alice", w.course1, w.orgA)
	exec(`UPDATE enrolments SET status = 'completed', progress_percent = 100, enrolled_at = ?, completed_at = ?, last_activity_at = ? WHERE id = ?`,
		now.Add(-2*day), now.Add(-2*day+20*time.Minute), now.Add(-2*day+20*time.Minute), w.enrol["alice"])
	enrol("alice", w.course2, w.orgB) // made by B: never on A's roster
	w.enrol["bob"] = enrol("bob", w.course1, "")
	exec(`UPDATE enrolments SET status = 'completed', progress_percent = 100, enrolled_at = ?, completed_at = ?, last_activity_at = ? WHERE id = ?`,
		now.Add(-20*day), now.Add(-10*day), now.Add(-10*day), w.enrol["bob"])
	w.enrol["carol"] = enrol("carol", w.course1, w.orgA)
	exec(`UPDATE enrolments SET progress_percent = 50, last_activity_at = ? WHERE id = ?`, now.Add(-time.Hour), w.enrol["carol"])
	w.enrol["dave"] = enrol("dave", w.course1, w.orgB)
	w.enrol["mallory"] = enrol("mallory", w.course1, "")
	attempt := func(enrolment string, seconds int, q2 bool) {
		t.Helper()
		results := fmt.Sprintf(`{%q: true, %q: %t}`, w.questions[0], w.questions[1], q2)
		exec(`INSERT INTO quiz_attempts (enrolment_id, lesson_id, revision, started_at, submitted_at, seed, score, max_score, passed, answers, results)
			VALUES (?, ?, 1, ?, ?, 1, 2, 2, true, '{}'::jsonb, ?::jsonb)`, enrolment, w.quizLesson,
			now.Add(-time.Duration(seconds)*time.Second), now, results)
	}
	// Question 1 right in all three attempts, question 2 only in bob's.
	attempt(w.enrol["bob"], 60, true)
	attempt(w.enrol["carol"], 3, false)
	attempt(w.enrol["dave"], 1, false) // machine speed, but B's
	return w
}

// rosterRowKeys lists the page's rows as "email|course" in order (course
// "" for a person without enrolments).
func rosterRowKeys(t *testing.T, doc *goquery.Document) []string {
	t.Helper()
	var out []string
	doc.Find("#roster tbody tr").Each(func(_ int, tr *goquery.Selection) {
		email := strings.TrimSpace(tr.Find("th .hint").First().Text())
		course := ""
		if tr.Find("td").Length() > 1 {
			course = strings.TrimSpace(tr.Find("td").First().Text())
		}
		out = append(out, email+"|"+course)
	})
	return out
}

func rosterCSVRows(t *testing.T, r *response) [][]string {
	t.Helper()
	if !strings.HasPrefix(r.Body, "\xEF\xBB\xBF") {
		t.Fatalf("CSV does not start with a UTF-8 BOM: %q", r.Body[:min(len(r.Body), 20)])
	}
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(r.Body, "\xEF\xBB\xBF"))).ReadAll()
	if err != nil {
		t.Fatalf("CSV: %v\n%s", err, r.Body)
	}
	return rows
}

func TestRosterOrgAdmin(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	w := rosterSetup(t, ta)
	a := ta.signedIn(t, w.adminA, rosterSecret)
	base := "/org/" + w.orgA + "/roster"
	hidden := []string{"大和 デイブ", "roster-dave@example.jp", "松井 マロリー", "roster-mallory@example.jp", w.course2Title, "管理 ビー", w.adminB}

	t.Run("OnlyOwnPeople", func(t *testing.T) {
		r := a.get(base)
		if r.StatusCode != http.StatusOK {
			t.Fatalf("status %d\n%.500s", r.StatusCode, r.Body)
		}
		for _, s := range hidden {
			if strings.Contains(r.Body, s) {
				t.Errorf("A's roster shows %q", s)
			}
		}
		got := rosterRowKeys(t, r.Doc(t))
		want := []string{"roster-alice@example.jp|現場安全の基礎", "roster-carol@example.jp|現場安全の基礎",
			"roster-admin-a@example.jp|", "roster-bob@example.jp|現場安全の基礎"}
		sort.Strings(got)
		sort.Strings(want)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("rows %v, want %v", got, want)
		}
		if c := r.Doc(t).Find("#roster-count").Text(); !strings.Contains(c, "4人・4件") {
			t.Errorf("count %q, want 4 people and 4 rows", c)
		}
		// In English, in words that read right for any number (it said
		// "1 people, 1 rows").
		a.post(base, "/language", map[string][]string{"lang": {"en"}, "return_to": {base}})
		if c := a.get(base).Doc(t).Find("#roster-count").Text(); c != "People: 4, rows: 4" {
			t.Errorf("English count %q, want People: 4, rows: 4", c)
		}
		a.post(base, "/language", map[string][]string{"lang": {"ja"}, "return_to": {base}})
		if r.Doc(t).Find(`#enrolment-`+w.enrol["carol"]+` th .badge`).Length() != 1 {
			t.Error("carol (enrolled by A, not a member) is not marked as enrolled by the organisation")
		}
	})
	t.Run("ErrOtherOrganisation", func(t *testing.T) {
		for _, p := range []string{"/org/" + w.orgB + "/roster", "/org/" + w.orgB + "/roster.csv", "/org/not-a-uuid/roster"} {
			if r := a.get(p); r.StatusCode != http.StatusNotFound || strings.Contains(r.Body, "大和") {
				t.Errorf("A's admin GET %s: status %d, want 404", p, r.StatusCode)
			}
		}
		learner := ta.signedIn(t, "roster-alice@example.jp", "")
		if r := learner.get(base); r.StatusCode != http.StatusForbidden {
			t.Errorf("a member who is not an admin: status %d, want 403", r.StatusCode)
		}
		if r := learner.get(base + ".csv"); r.StatusCode != http.StatusForbidden {
			t.Errorf("a member who is not an admin, CSV: status %d, want 403", r.StatusCode)
		}
	})
	t.Run("Flags", func(t *testing.T) {
		doc := a.get(base).Doc(t)
		row := func(who string) *goquery.Selection { return doc.Find("#enrolment-" + w.enrol[who]) }
		if f := row("alice").Find(".flag-fast"); f.Length() != 1 || !strings.Contains(f.Text(), "0.3時間で修了") || !strings.Contains(f.Text(), "10.0時間") {
			t.Errorf("alice's fast completion flag: %q", f.Text())
		}
		if row("alice").Find(".flag-machine").Length() != 0 {
			t.Error("alice has a machine-speed flag")
		}
		if f := row("carol").Find(".flag-machine"); f.Length() != 1 || !strings.Contains(f.Text(), "3.0秒で2問") {
			t.Errorf("carol's machine-speed flag: %q", f.Text())
		}
		if row("bob").Find(".flag-fast, .flag-machine").Length() != 0 {
			t.Errorf("bob (10 days, 60 s for 2 questions) is flagged: %q", row("bob").Text())
		}
		if l := doc.Find("#roster-legend").Text(); !strings.Contains(l, "10%未満") || !strings.Contains(l, "2秒未満") {
			t.Errorf("legend does not explain the thresholds: %q", l)
		}
	})
	t.Run("Filters", func(t *testing.T) {
		cases := []struct {
			name, query string
			want        []string
		}{
			{"Flagged", "?flagged=1", []string{"roster-alice@example.jp", "roster-carol@example.jp"}},
			{"Completed", "?status=completed", []string{"roster-alice@example.jp", "roster-bob@example.jp"}},
			{"SearchName", "?q=" + url.QueryEscape("キャロル"), []string{"roster-carol@example.jp"}},
			{"SearchEmail", "?q=ROSTER-BOB", []string{"roster-bob@example.jp"}},
			{"SearchWildcardIsLiteral", "?q=%25", nil},
			{"Course", "?course=" + w.course1, []string{"roster-alice@example.jp", "roster-bob@example.jp", "roster-carol@example.jp"}},
			{"OtherOrgsCourse", "?course=" + w.course2, nil},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				r := a.get(base + c.query)
				if r.StatusCode != http.StatusOK {
					t.Fatalf("status %d", r.StatusCode)
				}
				var got []string
				for _, k := range rosterRowKeys(t, r.Doc(t)) {
					got = append(got, strings.Split(k, "|")[0])
				}
				sort.Strings(got)
				if fmt.Sprint(got) != fmt.Sprint(c.want) {
					t.Fatalf("%s: rows %v, want %v", c.query, got, c.want)
				}
				if len(c.want) == 0 && r.Doc(t).Find("#roster-empty").Length() != 1 {
					t.Error("no empty-state message")
				}
			})
		}
	})
	t.Run("BadValuesIgnored", func(t *testing.T) {
		r := a.get(base + "?sort=" + url.QueryEscape("name; DROP TABLE users") + "&dir=sideways&status=nope&course=not-a-uuid&page=-3&flagged=maybe")
		if r.StatusCode != http.StatusOK {
			t.Fatalf("status %d, want 200 with the filters ignored", r.StatusCode)
		}
		if n := len(rosterRowKeys(t, r.Doc(t))); n != 4 {
			t.Fatalf("%d rows, want all 4", n)
		}
		if r := a.get(base + "?page=99"); r.StatusCode != http.StatusOK || len(rosterRowKeys(t, r.Doc(t))) != 4 {
			t.Fatalf("a page past the end: status %d", r.StatusCode)
		}
	})
	t.Run("Sort", func(t *testing.T) {
		cases := []struct{ query, want string }{
			// Completion dates: bob 10 days ago, alice 2 days ago; no date last.
			{"?sort=completed_at&status=completed", "roster-bob@example.jp roster-alice@example.jp"},
			{"?sort=completed_at&dir=desc&status=completed", "roster-alice@example.jp roster-bob@example.jp"},
			{"?sort=progress&dir=desc&course=" + w.course1, "roster-alice@example.jp roster-bob@example.jp roster-carol@example.jp"},
			{"?sort=progress&course=" + w.course1, "roster-carol@example.jp roster-alice@example.jp roster-bob@example.jp"},
			{"?sort=last_activity&dir=desc", "roster-carol@example.jp roster-alice@example.jp roster-bob@example.jp roster-admin-a@example.jp"},
			{"?sort=name&dir=desc", "roster-bob@example.jp roster-alice@example.jp roster-admin-a@example.jp roster-carol@example.jp"},
		}
		for _, c := range cases {
			var got []string
			for _, k := range rosterRowKeys(t, a.get(base+c.query).Doc(t)) {
				got = append(got, strings.Split(k, "|")[0])
			}
			if strings.Join(got, " ") != c.want {
				t.Errorf("%s: %v, want %s", c.query, got, c.want)
			}
		}
		doc := a.get(base + "?sort=progress&dir=desc").Doc(t)
		if s, _ := doc.Find(`th[aria-sort] a`).Attr("data-sort"); s != "progress" || doc.Find(`th[aria-sort="descending"]`).Length() != 1 {
			t.Errorf("sorted column not marked with aria-sort")
		}
	})
	t.Run("CSV", func(t *testing.T) {
		r := a.get(base + ".csv")
		if r.StatusCode != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") ||
			!strings.Contains(r.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("status %d, type %q, disposition %q", r.StatusCode, r.Header.Get("Content-Type"), r.Header.Get("Content-Disposition"))
		}
		rows := rosterCSVRows(t, r)
		if rows[0][0] != "氏名" || rows[0][1] != "メールアドレス" || len(rows[0]) != 12 { // 12th: invited at (issue 14)
			t.Fatalf("header row %v", rows[0])
		}
		for _, s := range hidden {
			if strings.Contains(r.Body, s) {
				t.Errorf("A's CSV contains %q", s)
			}
		}
		// The CSV has the same rows as the page, in the same order.
		var csvKeys []string
		for _, row := range rows[1:] {
			csvKeys = append(csvKeys, row[1]+"|"+row[3])
		}
		page := rosterRowKeys(t, a.get(base).Doc(t))
		if fmt.Sprint(csvKeys) != fmt.Sprint(page) {
			t.Fatalf("CSV rows %v, page rows %v", csvKeys, page)
		}
		for _, row := range rows[1:] {
			if row[1] == "roster-alice@example.jp" && (row[4] != "修了" || row[5] != "100" || row[9] != "はい" || row[10] != "0") {
				t.Errorf("alice's CSV row %v", row)
			}
			if row[1] == "roster-carol@example.jp" && (row[2] != "いいえ" || row[10] != "1") {
				t.Errorf("carol's CSV row %v", row)
			}
		}
		flagged := rosterCSVRows(t, a.get(base+".csv?flagged=1"))
		if len(flagged) != 3 {
			t.Errorf("flagged CSV has %d data rows, want 2", len(flagged)-1)
		}
	})
	t.Run("CSVNeutralisesFormulas", func(t *testing.T) {
		ta.DB.Gorm.Exec(`UPDATE users SET display_name = '=HYPERLINK("http://evil")' WHERE email = 'roster-bob@example.jp'`)
		defer ta.DB.Gorm.Exec(`UPDATE users SET display_name = '馬場 ボブ' WHERE email = 'roster-bob@example.jp'`)
		for _, row := range rosterCSVRows(t, a.get(base+".csv")) {
			if row[1] == "roster-bob@example.jp" && !strings.HasPrefix(row[0], "'=") {
				t.Errorf("formula not neutralised: %q", row[0])
			}
		}
	})
	t.Run("Audited", func(t *testing.T) {
		before := map[string]int{}
		for _, action := range []string{"org.roster_viewed", "org.roster_exported"} {
			var n int
			ta.DB.Gorm.Raw(`SELECT count(*) FROM audit_events WHERE action = ?`, action).Row().Scan(&n)
			before[action] = n
		}
		a.get(base + "?flagged=1&sort=progress")
		a.get(base + ".csv?status=completed")
		var viewed, exported struct {
			N       int
			Details string
		}
		ta.DB.Gorm.Raw(`SELECT count(*) OVER () AS n, details::text AS details FROM audit_events
			WHERE action = 'org.roster_viewed' AND org_id = ? AND actor_id = (SELECT id FROM users WHERE email = ?) ORDER BY id DESC LIMIT 1`,
			w.orgA, w.adminA).Scan(&viewed)
		ta.DB.Gorm.Raw(`SELECT count(*) OVER () AS n, details::text AS details FROM audit_events
			WHERE action = 'org.roster_exported' AND org_id = ? ORDER BY id DESC LIMIT 1`, w.orgA).Scan(&exported)
		if viewed.N <= before["org.roster_viewed"] || !strings.Contains(viewed.Details, `"flagged":true`) || !strings.Contains(viewed.Details, `"sort":"progress"`) {
			t.Errorf("view not audited with its filters: %d rows, last %s", viewed.N, viewed.Details)
		}
		if exported.N <= before["org.roster_exported"] || !strings.Contains(exported.Details, `"status":"completed"`) {
			t.Errorf("export not audited with its filters: %d rows, last %s", exported.N, exported.Details)
		}
		var refused int
		a.get("/org/" + w.orgB + "/roster")
		ta.DB.Gorm.Raw(`SELECT count(*) FROM audit_events WHERE action LIKE 'org.roster%' AND org_id = ?`, w.orgB).Row().Scan(&refused)
		if refused != 0 {
			t.Errorf("a refused view of B's roster was recorded as a view (%d)", refused)
		}
	})
	t.Run("OrgPageLinksRoster", func(t *testing.T) {
		if a.get("/org/"+w.orgA).Doc(t).Find(`a[href="`+base+`"]`).Length() != 1 {
			t.Error("the organisation page does not link the roster")
		}
	})
}

// TestRosterPagination: 60 members found by a search make two keyset pages
// of 50 and 10 rows, the next-page link keeps the search, pages never
// overlap, the previous-page link of the second page gives the first again,
// and a forged or another sort's cursor shows the first page.
func TestRosterPagination(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	adminID := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "roster-page-admin@example.jp", Name: "管理 頁", TOTPSecret: rosterSecret})
	orgID := fixtures.MustAddMember(t, ta.DB, "頁数テスト製作所", "employer", adminID, "admin", false)
	if err := ta.DB.Gorm.Exec(`WITH u AS (
			INSERT INTO users (email, password_hash, display_name, privacy_notice_version, consented_at)
			SELECT 'roster-many' || i || '@example.jp', 'x', '社員 ' || lpad(i::text, 2, '0'), '2026-11', now() FROM generate_series(1, 60) i
			RETURNING id)
		INSERT INTO memberships (org_id, user_id, role) SELECT ?, id, 'member' FROM u`, orgID).Error; err != nil {
		t.Fatal(err)
	}
	b := ta.signedIn(t, "roster-page-admin@example.jp", rosterSecret)
	first := b.get("/org/" + orgID + "/roster?q=" + url.QueryEscape("社員")).Doc(t)
	rows1 := rosterRowKeys(t, first)
	next, _ := first.Find(`#roster-pages a[rel="next"]`).Attr("href")
	if len(rows1) != 50 || !strings.Contains(next, "after=") || !strings.Contains(next, "q=") {
		t.Fatalf("page 1: %d rows, next link %q", len(rows1), next)
	}
	if first.Find(`#roster-pages a[rel="prev"]`).Length() != 0 {
		t.Error("the first page links a previous page")
	}
	if c := first.Find("#roster-count").Text(); !strings.Contains(c, "60人・60件") {
		t.Errorf("count %q, want 60 people and rows", c)
	}
	second := b.get(next).Doc(t)
	rows2 := rosterRowKeys(t, second)
	if len(rows2) != 10 || second.Find(`#roster-pages a[rel="next"]`).Length() != 0 {
		t.Fatalf("page 2: %d rows, want 10 and no next page", len(rows2))
	}
	prev, _ := second.Find(`#roster-pages a[rel="prev"]`).Attr("href")
	if back := rosterRowKeys(t, b.get(prev).Doc(t)); strings.Join(back, " ") != strings.Join(rows1, " ") {
		t.Errorf("previous page of page 2 (%s): %d rows, not page 1", prev, len(back))
	}
	u, _ := url.Parse(next)
	base := "/org/" + orgID + "/roster"
	for _, c := range []struct{ bad, firstPage string }{
		{"?after=bm9uc2Vuc2U", ""},
		{"?before=%00", ""},
		{"?sort=progress&after=" + url.QueryEscape(u.Query().Get("after")), "?sort=progress"}, // a cursor of the name order
	} {
		r := b.get(base + c.bad)
		got, want := rosterRowKeys(t, r.Doc(t)), rosterRowKeys(t, b.get(base+c.firstPage).Doc(t))
		if r.StatusCode != http.StatusOK || strings.Join(got, " ") != strings.Join(want, " ") {
			t.Errorf("%s: status %d, not the first page", c.bad, r.StatusCode)
		}
	}
	seen := map[string]bool{}
	for _, k := range append(rows1, rows2...) {
		if seen[k] {
			t.Fatalf("%s on both pages", k)
		}
		seen[k] = true
	}
}

// TestRosterBrowserJourney: an organisation admin signs in with the
// two-factor code, opens the roster from the organisation page, shows only
// flagged rows, sorts by progress, finds the CSV link carrying the filters,
// and a search with no result; then, with 120 more members, walks the
// keyset pages with the next and previous links and searches by name; axe
// on each. Then the course's instructor
// opens the analytics page from the studio's course navigation (axe).
func TestRosterBrowserJourney(t *testing.T) {
	ta := startApp(t)
	w := rosterSetup(t, ta)
	ctx := newChrome(t)
	chromeSignIn(t, ctx, ta, "/org/"+w.orgA, w.adminA, rosterSecret, "#roster-link")
	clickAndWaitNewPage(t, ctx, "#roster-link")
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#roster")))
	checkAxe(t, ctx, "roster")

	do(t, ctx, chromedp.Click(chromedp.CSS("#f-flagged")))
	clickAndWaitNewPage(t, ctx, `#roster-filters button[type="submit"]`)
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#roster")))
	if n := get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('#roster tbody tr').length`)); n != 2 {
		t.Fatalf("flagged only: %d rows, want 2", n)
	}
	if !strings.Contains(location(t, ctx), "flagged=1") {
		t.Errorf("the filter is not in the URL: %s", location(t, ctx))
	}
	clickAndWaitNewPage(t, ctx, `th a[data-sort="progress"]`)
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS(`th[aria-sort="ascending"]`)))
	if first := text(t, ctx, "#roster tbody tr th"); !strings.Contains(first, "加藤 キャロル") {
		t.Errorf("sorted by progress ascending, the first row is %q, want carol (50%%)", first)
	}
	if href := attr(t, ctx, "#roster-csv", "href"); !strings.Contains(href, "/roster.csv?") || !strings.Contains(href, "flagged=1") || !strings.Contains(href, "sort=progress") {
		t.Errorf("CSV link %q does not carry the filters", href)
	}
	checkAxe(t, ctx, "roster (flagged, sorted)")

	do(t, ctx, chromedp.SetValue(chromedp.CSS("#f-q"), "該当なし"))
	clickAndWaitNewPage(t, ctx, `#roster-filters button[type="submit"]`)
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#roster-empty")))
	checkAxe(t, ctx, "roster (no results)")

	// 120 more members: keyset pages of 50, walked with the next and
	// previous links (plain links: no script needed), then a name search.
	if err := ta.DB.Gorm.Exec(`WITH u AS (
			INSERT INTO users (email, password_hash, display_name, privacy_notice_version, consented_at)
			SELECT 'roster-journey' || i || '@example.jp', 'x', '社員 ' || lpad(i::text, 3, '0'), '2026-11', now() FROM generate_series(1, 120) i
			RETURNING id)
		INSERT INTO memberships (org_id, user_id, role) SELECT ?, id, 'member' FROM u`, w.orgA).Error; err != nil {
		t.Fatal(err)
	}
	clickAndWaitNewPage(t, ctx, `#roster-filters .actions a`) // clear the filters
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#roster-next")))
	rowNames := func() []string {
		return get(t, ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#roster tbody th .hint')].map(e => e.textContent.trim())`))
	}
	page1 := rowNames()
	clickAndWaitNewPage(t, ctx, "#roster-next")
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#roster-prev")))
	page2 := rowNames()
	clickAndWaitNewPage(t, ctx, "#roster-next")
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#roster-prev")))
	page3 := rowNames()
	if len(page1) != 50 || len(page2) != 50 || len(page3) != 24 || page2[0] == page1[0] || page3[0] == page2[0] {
		t.Fatalf("keyset pages of %d, %d and %d rows (want 50, 50, 24), first rows %v", len(page1), len(page2), len(page3),
			[]string{page1[0], page2[0], page3[0]})
	}
	if loc := location(t, ctx); !strings.Contains(loc, "after=") || strings.Contains(loc, "page=") {
		t.Errorf("the deep page's address %s is not a keyset cursor", loc)
	}
	if n := get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('#roster-next').length`)); n != 0 {
		t.Error("the last page links a next page")
	}
	checkAxe(t, ctx, "roster (keyset page 3)")
	clickAndWaitNewPage(t, ctx, "#roster-prev")
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#roster-next")))
	if back := rowNames(); strings.Join(back, " ") != strings.Join(page2, " ") {
		t.Errorf("previous page of page 3 starts with %v, want page 2 (%v)", back[:1], page2[:1])
	}
	if !strings.Contains(location(t, ctx), "before=") {
		t.Errorf("the previous page's address %s is not a keyset cursor", location(t, ctx))
	}
	do(t, ctx, chromedp.SetValue(chromedp.CSS("#f-q"), "社員 105"))
	clickAndWaitNewPage(t, ctx, `#roster-filters button[type="submit"]`)
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#roster")))
	if got := rowNames(); strings.Join(got, " ") != "roster-journey105@example.jp" {
		t.Errorf("search for 社員 105: %v", got)
	}
	if c := text(t, ctx, "#roster-count"); !strings.Contains(c, "1人・1件") {
		t.Errorf("search count %q, want 1 person and row", c)
	}

	// The instructor's analytics page, from the course navigation.
	ictx := newChrome(t)
	do(t, ictx,
		chromedp.Navigate(ta.URL+"/login?next="+url.QueryEscape("/studio/courses/"+w.course1)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/login"]`)),
		chromedp.SendKeys(chromedp.CSS("#f-email"), w.instructor),
		chromedp.SendKeys(chromedp.CSS("#f-password"), fixtures.Password),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("nav.studio-course-nav")),
	)
	clickAndWaitNewPage(t, ictx, `nav.studio-course-nav a[href$="/analytics"]`)
	do(t, ictx, chromedp.WaitVisible(chromedp.CSS("#analytics-lessons")))
	if n := text(t, ictx, "#a-enrolments"); n != "5" {
		t.Errorf("analytics enrolments %q, want 5 (every enrolment in the course)", n)
	}
	checkAxe(t, ictx, "course analytics")
}
