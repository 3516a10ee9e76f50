package web_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/google/uuid"
	"github.com/pquerna/otp/totp"
	"github.com/xuri/excelize/v2"
	"gorm.io/gorm"

	"takumi/internal/app"
	"takumi/internal/config"
	"takumi/internal/database"
	"takumi/internal/dbtest"
	"takumi/internal/fixtures"
	"takumi/internal/jst"
	"takumi/internal/learning"
	"takumi/internal/progress"
	"takumi/internal/reporting"
)

// ministryWorld is a small nation for the dashboard: 58 learners who
// earned a qualifying credential (Tokyo 30, Osaka 25, Aichi 3, so Aichi is
// "<10" and Osaka, the smallest other, its complement "x"), courses with
// enrolments in the transactional table (one with 3 completions), and an
// analyst of a ministry organisation with two-factor sign-in.
type ministryWorld struct {
	db            *database.DB
	analyst       string // email
	analystSecret string
	analystEn     string // an English-speaking analyst
	analystEnKey  string
	ministryOrg   string
	providers     []string
	courses       map[string]string // code -> id
	learners      []string
}

func newMinistryWorld(t testing.TB, db *database.DB) *ministryWorld {
	t.Helper()
	w := &ministryWorld{db: db, courses: map[string]string{}}
	g := db.Gorm
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for i, name := range []string{"未来技術アカデミー", "関西デジタル学院", "小さな研修所"} {
		w.providers = append(w.providers, fixtures.MustCreateOrg(t, db, fixtures.Org{NameJa: name,
			NameEn: []string{"Future Tech Academy", "Kansai Digital School", "Small Training Office"}[i], Code: fmt.Sprintf("min-prov-%d", i)}))
	}
	for _, c := range []struct {
		code, area, title string
		provider          int
	}{
		{"ai-basics", "ai_data", "AI活用の基礎", 0}, {"cloud-ops", "cloud", "クラウド運用", 0},
		{"sec-first", "cybersecurity", "セキュリティ入門", 0}, {"robot-cell", "robotics", "ロボットセル設計", 1},
		{"tiny-course", "robotics", "小規模講座", 2},
	} {
		var id string
		must(g.Raw(`INSERT INTO courses (provider_id, code, status, skill_area_code, title_ja, title_en) VALUES (?, ?, 'published', ?, ?, ?) RETURNING id`,
			w.providers[c.provider], c.code, c.area, c.title, c.code+" (en)").Row().Scan(&id))
		w.courses[c.code] = id
	}
	prefs := append(append(repeat("13", 30), repeat("27", 25)...), repeat("23", 3)...)
	for i, pref := range prefs {
		var id string
		must(g.Raw(`INSERT INTO users (email, password_hash, display_name, prefecture_code, industry_code, segment, privacy_notice_version, consented_at)
			VALUES (?, 'x', '受講者', ?, ?, ?, '2026-11', now()) RETURNING id`, fmt.Sprintf("ministry-learner-%d@example.jp", i),
			pref, []string{"G", "E"}[i%2], []string{"engineer", "developer", "other"}[i%3]).Row().Scan(&id))
		w.learners = append(w.learners, id)
	}
	must(g.Exec(`INSERT INTO programmes (code, name_ja, name_en, target, starts_on, ends_on, flagship, skill_areas)
		VALUES ('ai-ready', 'AI人材100万人', '1,000,000 AI-ready workers', 1000000, '2026-01-01', '2030-12-31', true, '{ai_data,generative_ai}')`).Error)
	must(g.Exec(`INSERT INTO programmes (code, name_ja, name_en, target, starts_on, ends_on, skill_areas)
		VALUES ('cyber', 'セキュリティ人材', 'Cybersecurity workforce', 50000, '2026-01-01', '2028-03-31', '{cybersecurity}')`).Error)
	// Every learner enrols, completes and earns the flagship's credential
	// for ai-basics, spread over July 2026 (Tokyo time): one month, so
	// that the figures below are that month's (every period is protected
	// month by month, docs/ministry-dashboard.md: Tokyo's 30 spread over
	// five months would be hidden in each). The
	// events are written as learning.AppendEvent writes them, but with an
	// old transaction id: the progress engine reads only transactions older
	// than every running one in the whole PostgreSQL cluster, and on a
	// shared test server another database's long COPY would otherwise keep
	// these events from it until that ends.
	must(g.Transaction(func(tx *gorm.DB) error {
		for i, u := range w.learners {
			at := time.Date(2026, time.July, 3+i%20, 10, 0, 0, 0, jst.Location)
			for _, ev := range []struct {
				typ     string
				at      time.Time
				details string
			}{
				{learning.EventEnrolled, at, "{}"},
				{learning.EventCourseCompleted, at.Add(72 * time.Hour), "{}"},
				{learning.EventCredentialIssued, at.Add(73 * time.Hour), `{"credential_id":"` + uuid.NewString() + `"}`},
			} {
				if err := tx.Exec(`INSERT INTO learning_events (occurred_at, xact_id, event_type, user_id, course_id, provider_id,
					skill_area, prefecture, industry, segment, details)
					SELECT ?, '1'::xid8, ?, u.id, c.id, c.provider_id, c.skill_area_code, u.prefecture_code, u.industry_code, u.segment, ?::jsonb
					FROM users u, courses c WHERE u.id = ? AND c.id = ?`, ev.at, ev.typ, ev.details, u, w.courses["ai-basics"]).Error; err != nil {
					return err
				}
			}
		}
		return nil
	}))
	// Enrolments (the transactional table the course statistics read):
	// ai-basics 58 enrolled / 40 completed (2 flagged fast), cloud-ops 12 / 3,
	// sec-first 25 / 20, robot-cell 15 / 12, tiny-course 5 / 2.
	enrol := func(course string, n, completed, flagged int) {
		for i := range n {
			at := time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Hour)
			status, done := "active", any(nil)
			if i < completed {
				status, done = "completed", at.Add(time.Duration(48+i)*time.Hour)
			}
			must(g.Exec(`INSERT INTO enrolments (user_id, course_id, status, enrolled_at, completed_at, flagged_fast) VALUES (?, ?, ?, ?, ?, ?)`,
				w.learners[i], w.courses[course], status, at, done, i < flagged).Error)
		}
	}
	enrol("ai-basics", 58, 40, 2)
	enrol("cloud-ops", 12, 3, 0)
	enrol("sec-first", 25, 20, 0)
	enrol("robot-cell", 15, 12, 0)
	enrol("tiny-course", 5, 2, 0)
	w.ministryOrg = fixtures.MustCreateOrg(t, db, fixtures.Org{NameJa: "経済産業省 デジタル人材室", NameEn: "METI Digital Talent Office", Kind: "ministry"})
	w.analyst = "ministry-analyst@example.jp"
	w.analystSecret = w.addAnalyst(t, w.analyst, "ja", true)
	w.catchUp(t)
	return w
}

// addAnalyst creates an account with two-factor sign-in in lang, a member
// of the ministry organisation (an analyst when analyst), and returns its
// TOTP secret.
func (w *ministryWorld) addAnalyst(t testing.TB, email, lang string, analyst bool) string {
	t.Helper()
	key, err := totp.Generate(totp.GenerateOpts{Issuer: "Takumi", AccountName: email})
	if err != nil {
		t.Fatal(err)
	}
	id := fixtures.MustCreateUser(t, w.db, fixtures.User{Email: email, Name: "分析 担当", Industry: "L", Segment: "other",
		Language: lang, TOTPSecret: key.Secret()})
	fixtures.MustCreateMembership(t, w.db, w.ministryOrg, id, "member", analyst)
	return key.Secret()
}

// catchUp applies the event log and recomputes the read models.
func (w *ministryWorld) catchUp(t testing.TB) {
	t.Helper()
	ctx := context.Background()
	if _, err := progress.NewEngine(w.db.Gorm, 5000).CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	if err := reporting.RefreshCourseStats(ctx, w.db.Gorm); err != nil {
		t.Fatal(err)
	}
	if err := reporting.RefreshLearnerStats(ctx, w.db.Gorm); err != nil {
		t.Fatal(err)
	}
}

func repeat(s string, n int) []string {
	out := make([]string, n)
	for i := range out {
		out[i] = s
	}
	return out
}

// analystBrowser signs in as the world's analyst (or the English one).
func (w *ministryWorld) analystBrowser(t *testing.T, ta *testApp, english bool) *browser {
	t.Helper()
	email, secret := w.analyst, w.analystSecret
	if english {
		if w.analystEn == "" {
			w.analystEn = "ministry-analyst-en@example.jp"
			w.analystEnKey = w.addAnalyst(t, w.analystEn, "en", true)
		}
		email, secret = w.analystEn, w.analystEnKey
	}
	return ta.signedIn(t, email, secret)
}

// cellText is the text of a table's cell (column col, 0 = row header) in
// the row with data-key key.
func cellText(doc *goquery.Document, table, key string, col int) string {
	return strings.TrimSpace(doc.Find(`#table-` + table + ` tbody tr[data-key="` + key + `"]`).Children().Eq(col).Text())
}

func TestMinistryAccess(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	w := newMinistryWorld(t, ta.DB)
	paths := []string{"/ministry", "/ministry?prefecture=13", "/ministry/export?table=funnel&format=csv"}

	t.Run("AnonymousSignsIn", func(t *testing.T) {
		b := ta.newBrowser(t)
		for _, p := range paths {
			r := b.get(p)
			if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
				t.Fatalf("%s: %d to %q, want 303 to /login", p, r.StatusCode, r.Header.Get("Location"))
			}
		}
	})
	t.Run("LearnerForbidden", func(t *testing.T) {
		fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "ministry-plain-learner@example.jp"})
		b := ta.signedIn(t, "ministry-plain-learner@example.jp", "")
		for _, p := range paths {
			if r := b.get(p); r.StatusCode != http.StatusForbidden {
				t.Fatalf("learner %s: %d, want 403", p, r.StatusCode)
			}
		}
	})
	t.Run("EmployerAdminForbidden", func(t *testing.T) {
		id, secret := adminTOTPUser(t, ta, "ministry-employer-admin@example.jp", false)
		fixtures.MustAddMember(t, ta.DB, "株式会社ものづくり", "employer", id, "admin", false)
		b := ta.signedIn(t, "ministry-employer-admin@example.jp", secret)
		for _, p := range paths {
			if r := b.get(p); r.StatusCode != http.StatusForbidden {
				t.Fatalf("employer admin %s: %d, want 403", p, r.StatusCode)
			}
		}
	})
	t.Run("MinistryMemberWithoutAnalystForbidden", func(t *testing.T) {
		secret := w.addAnalyst(t, "ministry-clerk@example.jp", "ja", false)
		b := ta.signedIn(t, "ministry-clerk@example.jp", secret)
		if r := b.get("/ministry"); r.StatusCode != http.StatusForbidden {
			t.Fatalf("ministry member without the analyst role: %d, want 403", r.StatusCode)
		}
	})
	t.Run("AnalystSees", func(t *testing.T) {
		b := w.analystBrowser(t, ta, false)
		r := b.get("/ministry")
		if r.StatusCode != http.StatusOK {
			t.Fatalf("analyst: %d\n%.600s", r.StatusCode, r.Body)
		}
		if h1 := r.Doc(t).Find("main h1").Text(); h1 != "省庁ダッシュボード" {
			t.Fatalf("heading %q", h1)
		}
	})
}

func TestMinistryNoProgrammes(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	w := &ministryWorld{db: ta.DB}
	ta.DB.Gorm.Raw(`INSERT INTO organisations (name_ja, kind) VALUES ('デジタル庁', 'ministry') RETURNING id`).Row().Scan(&w.ministryOrg)
	w.analyst = "ministry-first-day@example.jp"
	w.analystSecret = w.addAnalyst(t, w.analyst, "ja", true)
	b := w.analystBrowser(t, ta, false)
	r := b.get("/ministry")
	if r.StatusCode != http.StatusOK {
		t.Fatalf("status %d", r.StatusCode)
	}
	doc := r.Doc(t)
	if !strings.Contains(doc.Find("#ministry-no-programmes").Text(), "まだプログラムが登録されていない") || doc.Find("#table-funnel").Length() != 0 {
		t.Fatal("no explanation of the empty dashboard")
	}
	if r := b.get("/ministry/export?table=funnel&format=csv"); r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("export without programmes: %d", r.StatusCode)
	}
}

func TestMinistryDashboard(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	w := newMinistryWorld(t, ta.DB)
	b := w.analystBrowser(t, ta, false)

	t.Run("National", func(t *testing.T) {
		r := b.get("/ministry")
		if r.StatusCode != http.StatusOK {
			t.Fatalf("status %d", r.StatusCode)
		}
		doc := r.Doc(t)
		// 58 learners plus the analyst, all registered this month.
		want := map[string]string{"registered": "59", "enrolled": "58", "completed": "58", "credentialed": "58"}
		for stage, n := range want {
			if got := cellText(doc, "funnel", stage, 1); got != n {
				t.Errorf("funnel %s = %q, want %s", stage, got, n)
			}
		}
		// The fixture's events are months old: nobody was active lately.
		if got := cellText(doc, "funnel", "active_30d", 1); got != "0" {
			t.Errorf("active in 30 days = %q, want 0", got)
		}
		// Aichi's 3 learners are hidden, Osaka (the smallest other) too.
		if got := cellText(doc, "breakdown_prefecture", "v:23", 1); got != "<10" {
			t.Errorf("Aichi = %q, want <10", got)
		}
		if got := cellText(doc, "breakdown_prefecture", "v:27", 1); got != "x" {
			t.Errorf("Osaka = %q, want x (complementary)", got)
		}
		if got := cellText(doc, "breakdown_prefecture", "v:13", 1); got != "30" {
			t.Errorf("Tokyo = %q, want 30", got)
		}
		if got := cellText(doc, "breakdown_prefecture", "total", 1); got != "58" {
			t.Errorf("total = %q, want 58", got)
		}
		// Course statistics: cloud-ops has 3 completions: "<10", no rate,
		// no median; its provider's other courses keep it unrecoverable.
		cloud := w.courses["cloud-ops"]
		if got := cellText(doc, "courses", cloud, 4); got != "<10" {
			t.Errorf("cloud-ops completions = %q, want <10", got)
		}
		if rate, median := cellText(doc, "courses", cloud, 5), cellText(doc, "courses", cloud, 6); rate != "—" || median != "—" {
			t.Errorf("cloud-ops rate %q median %q, want both withheld", rate, median)
		}
		if got := cellText(doc, "courses", w.courses["sec-first"], 4); got != "x" {
			t.Errorf("sec-first completions = %q, want x (complement within the provider)", got)
		}
		ai := w.courses["ai-basics"]
		if e, c, rate := cellText(doc, "courses", ai, 3), cellText(doc, "courses", ai, 4), cellText(doc, "courses", ai, 5); e != "58" || c != "40" || rate != "69.0" {
			t.Errorf("ai-basics %s / %s rate %s, want 58 / 40 rate 69.0", e, c, rate)
		}
		// Medians: completions 48..87 hours after enrolling → 67.5 h = 2.8 days.
		if got := cellText(doc, "courses", ai, 6); got != "2.8" {
			t.Errorf("ai-basics median days = %q, want 2.8", got)
		}
		// Providers: the small one is "<10", the next smallest "x"; flags.
		if got := cellText(doc, "providers", w.providers[2], 3); got != "<10" {
			t.Errorf("small provider completions = %q, want <10", got)
		}
		if got := cellText(doc, "providers", w.providers[1], 3); got != "x" {
			t.Errorf("second provider completions = %q, want x", got)
		}
		// Its only course would give the hidden provider total back: hidden too.
		if got := cellText(doc, "courses", w.courses["robot-cell"], 4); got != "x" {
			t.Errorf("robot-cell completions = %q, want x (its provider's total is hidden)", got)
		}
		if got := cellText(doc, "providers", w.providers[0], 6); got != "<10" {
			t.Errorf("flagged fast = %q, want <10", got)
		}
		// Series and every breakdown but none filtered are there, with exports.
		for _, id := range []string{"series_month", "series_week", "breakdown_industry", "breakdown_prefecture", "breakdown_provider", "breakdown_segment", "breakdown_skill_area"} {
			if doc.Find("#table-"+id).Length() != 1 {
				t.Errorf("no table %s", id)
			}
		}
		for _, id := range []string{"funnel", "courses", "providers", "series_month", "series_week", "breakdown_prefecture"} {
			if doc.Find("#export-"+id+" a.export-csv").Length() != 1 || doc.Find("#export-"+id+" a.export-xlsx").Length() != 1 {
				t.Errorf("table %s has no CSV and XLSX links", id)
			}
		}
		if doc.Find("svg#chart-month rect").Length() == 0 {
			t.Error("no monthly chart")
		}
	})
	t.Run("NoLinkToAnyPerson", func(t *testing.T) {
		doc := b.get("/ministry?compare_a=prefecture:13&compare_b=prefecture:27").Doc(t)
		doc.Find("main a[href]").Each(func(_ int, a *goquery.Selection) {
			href, _ := a.Attr("href")
			if !strings.HasPrefix(href, "/ministry") && !strings.HasPrefix(href, "#") && href != "/progress/methodology" {
				t.Errorf("the dashboard links to %q", href)
			}
		})
		for _, id := range w.learners {
			if strings.Contains(doc.Text(), id) {
				t.Fatal("a learner id appears on the dashboard")
			}
		}
		if strings.Contains(doc.Text(), "ministry-learner-") {
			t.Fatal("a learner's email appears on the dashboard")
		}
	})
	t.Run("PrefectureFilter", func(t *testing.T) {
		doc := b.get("/ministry?prefecture=23").Doc(t)
		for _, stage := range []string{"enrolled", "completed", "credentialed"} {
			if got := cellText(doc, "funnel", stage, 1); got != "<10" {
				t.Errorf("Aichi %s = %q, want <10", stage, got)
			}
		}
		// Osaka is the complement of Aichi in every funnel line.
		doc = b.get("/ministry?prefecture=27").Doc(t)
		if got := cellText(doc, "funnel", "enrolled", 1); got != "x" {
			t.Errorf("Osaka enrolled = %q, want x", got)
		}
		doc = b.get("/ministry?prefecture=13").Doc(t)
		if got := cellText(doc, "funnel", "enrolled", 1); got != "30" {
			t.Errorf("Tokyo enrolled = %q, want 30", got)
		}
		if doc.Find("#table-breakdown_prefecture").Length() != 0 {
			t.Error("the filtered dimension still has a breakdown")
		}
		if v, _ := doc.Find("#f-place option[selected]").Attr("value"); v != "prefecture:13" {
			t.Errorf("place select keeps %q", v)
		}
	})
	t.Run("RegionFilter", func(t *testing.T) {
		// Chubu holds Aichi's 3 (hidden) and nothing else: hidden.
		doc := b.get("/ministry?region=Chubu").Doc(t)
		if got := cellText(doc, "funnel", "enrolled", 1); got != "<10" {
			t.Errorf("Chubu enrolled = %q, want <10", got)
		}
		// Kinki has Osaka (hidden as Aichi's complement) alone: its total
		// would give Osaka back, so it is hidden too.
		doc = b.get("/ministry?region=Kinki").Doc(t)
		if got := cellText(doc, "funnel", "enrolled", 1); got != "x" {
			t.Errorf("Kinki enrolled = %q, want x", got)
		}
	})
	t.Run("SkillAreaAndProviderNotAvailable", func(t *testing.T) {
		for _, q := range []string{"skill_area=ai_data", "provider=" + w.providers[0]} {
			r := b.get("/ministry?" + q)
			if r.StatusCode != http.StatusOK {
				t.Fatalf("%s: %d", q, r.StatusCode)
			}
			doc := r.Doc(t)
			for _, stage := range []string{"registered", "active_30d"} {
				if got := cellText(doc, "funnel", stage, 1); got != "この絞り込みでは集計できません" {
					t.Errorf("%s: %s = %q, want not available", q, stage, got)
				}
			}
			if got := cellText(doc, "funnel", "enrolled", 1); got != "58" {
				t.Errorf("%s: enrolled = %q, want 58", q, got)
			}
		}
		doc := b.get("/ministry?skill_area=cloud").Doc(t)
		if doc.Find("#table-providers").Length() != 0 || doc.Find("#providers-not-available").Length() != 1 {
			t.Error("skill area filter: provider table should be replaced by its explanation")
		}
		if n := doc.Find("#table-courses tbody tr").Length(); n != 1 {
			t.Errorf("skill area cloud lists %d courses, want 1", n)
		}
		// The provider filter keeps the national protection: sec-first is still "x".
		doc = b.get("/ministry?provider=" + w.providers[0]).Doc(t)
		if got := cellText(doc, "courses", w.courses["sec-first"], 4); got != "x" {
			t.Errorf("provider filter shows sec-first completions %q, want x as nationally", got)
		}
	})
	t.Run("Compare", func(t *testing.T) {
		doc := b.get("/ministry?compare_a=prefecture:13&compare_b=prefecture:23").Doc(t)
		if doc.Find("#table-compare").Length() != 1 || doc.Find("svg#chart-compare").Length() != 1 {
			t.Fatal("no comparison")
		}
		if got := cellText(doc, "compare", "total", 1); got != "30" {
			t.Errorf("Tokyo total %q", got)
		}
		if got := cellText(doc, "compare", "total", 2); got != "<10" {
			t.Errorf("Aichi total %q, want <10", got)
		}
		// Aichi's line is small: every non-zero month hidden.
		doc.Find(`#table-compare tbody tr`).Each(func(_ int, tr *goquery.Selection) {
			if v := strings.TrimSpace(tr.Children().Eq(2).Text()); v != "<10" && v != "0" {
				t.Errorf("Aichi month shows %q", v)
			}
		})
	})
}

func TestMinistryBadInput(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	w := newMinistryWorld(t, ta.DB)
	ja := w.analystBrowser(t, ta, false)
	en := w.analystBrowser(t, ta, true)
	cases := []struct {
		name, query, ja, en string
	}{
		{"TwoFiltersWithoutPlace", "industry=G&segment=engineer", "組み合わせられる絞り込みは", "Filters combine only as a prefecture or region"},
		{"TwoPlaces", "prefecture=13&region=Kanto", "組み合わせられる絞り込みは", "Filters combine only as a prefecture or region"},
		{"ThreeFilters", "prefecture=13&industry=G&segment=engineer", "組み合わせられる絞り込みは", "Filters combine only as a prefecture or region"},
		{"BadTerm", "term=fy2026q5", "期間は一覧から選んでください", "Choose the period from the list"},
		{"ReversedDates", "from=2026-09&to=2026-03", "開始月が終了月より後になっています", "The start month is after the end month"},
		{"UnknownPrefecture", "prefecture=99", "その絞り込みの値はありません", "That filter value does not exist"},
		{"UnknownProvider", "provider=" + uuid.NewString(), "その絞り込みの値はありません", "That filter value does not exist"},
		{"BadDate", "from=April", "「年-月」で入力してください", "Enter dates as year-month"},
		{"AbsurdRange", "from=1999-01", "2020年1月以降", "January 2020 onwards"},
		{"UnknownProgramme", "programme=nope", "そのプログラムはありません", "There is no such programme"},
		{"CompareMixed", "compare_a=prefecture:13&compare_b=industry:G", "都道府県と産業は比べられません", "A prefecture cannot be compared with an industry"},
		{"CompareOne", "compare_a=prefecture:13", "二つ選んでください", "Choose two things to compare"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, lb := range []struct {
				b    *browser
				want string
			}{{ja, tc.ja}, {en, tc.en}} {
				for _, path := range []string{"/ministry?", "/ministry/export?table=funnel&format=csv&"} {
					r := lb.b.get(path + tc.query)
					if r.StatusCode != http.StatusUnprocessableEntity {
						t.Fatalf("%s%s: %d, want 422", path, tc.query, r.StatusCode)
					}
					doc := r.Doc(t)
					if msg := doc.Find("#ministry-error").Text(); !strings.Contains(msg, lb.want) {
						t.Fatalf("%s%s: message %q, want %q", path, tc.query, msg, lb.want)
					}
					if doc.Find("#table-funnel").Length() != 0 {
						t.Fatal("figures shown under a refused filter")
					}
					if doc.Find("form#ministry-filter").Length() != 1 {
						t.Fatal("the form is gone")
					}
				}
			}
		})
	}
	t.Run("FormKeepsWhatWasTyped", func(t *testing.T) {
		doc := ja.get("/ministry?from=2026-09&to=2026-03&industry=G").Doc(t)
		if v, _ := doc.Find("#f-from option[selected]").Attr("value"); v != "2026-09" {
			t.Errorf("from kept as %q", v)
		}
		if v, _ := doc.Find("#f-to option[selected]").Attr("value"); v != "2026-03" {
			t.Errorf("to kept as %q", v)
		}
		if v, _ := doc.Find("#f-by option[selected]").Attr("value"); v != "industry:G" {
			t.Errorf("industry kept as %q", v)
		}
		doc = ja.get("/ministry?prefecture=99").Doc(t)
		if v, _ := doc.Find("#f-place option[selected]").Attr("value"); v != "prefecture:99" {
			t.Errorf("unknown prefecture kept as %q", v)
		}
	})
	t.Run("ExportUnknownTableOrFormat", func(t *testing.T) {
		for _, q := range []string{"table=users&format=csv", "table=funnel&format=pdf", "table=breakdown_prefecture&format=csv&prefecture=13", "table=compare&format=csv", "table=series&period=day&format=csv"} {
			if r := ja.get("/ministry/export?" + q); r.StatusCode != http.StatusUnprocessableEntity {
				t.Errorf("%s: %d, want 422", q, r.StatusCode)
			}
		}
	})
}

// exportOf fetches one export and checks its envelope.
func exportOf(t *testing.T, b *browser, query, format string) []byte {
	t.Helper()
	r := b.get("/ministry/export?" + query + "&format=" + format)
	if r.StatusCode != http.StatusOK {
		t.Fatalf("export %s %s: %d\n%.400s", query, format, r.StatusCode, r.Body)
	}
	if cd := r.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment; filename=\"takumi-ai-ready-") || !strings.HasSuffix(cd, "."+format+"\"") {
		t.Fatalf("export %s: Content-Disposition %q", query, cd)
	}
	return []byte(r.Body)
}

// readCSVExport parses a CSV export: the header row and the rows, a blank
// line, then metadata lines ("# key", value). It fails unless the header is
// the first line, so a spreadsheet takes the file as a table.
func readCSVExport(t *testing.T, body []byte) (meta map[string]string, header []string, rows [][]string) {
	t.Helper()
	if !bytes.HasPrefix(body, []byte("\uFEFF")) {
		t.Fatal("CSV without a byte-order mark")
	}
	table, tail, ok := bytes.Cut(bytes.TrimPrefix(body, []byte("\uFEFF")), []byte("\n\n"))
	if !ok {
		t.Fatalf("CSV without a blank line before its metadata:\n%s", body)
	}
	read := func(b []byte) [][]string {
		cr := csv.NewReader(bytes.NewReader(b))
		cr.FieldsPerRecord = -1
		recs, err := cr.ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		return recs
	}
	meta = map[string]string{}
	for _, r := range read(tail) {
		key, isMeta := strings.CutPrefix(r[0], reporting.MetadataPrefix)
		if len(r) != 2 || !isMeta {
			t.Fatalf("metadata line %q", r)
		}
		meta[key] += r[1]
	}
	recs := read(table)
	if len(recs) == 0 || strings.HasPrefix(recs[0][0], "#") {
		t.Fatalf("no header row first:\n%s", body)
	}
	for _, r := range recs {
		if strings.HasPrefix(r[0], reporting.MetadataPrefix) {
			t.Fatalf("a metadata line among the rows: %q", r)
		}
	}
	return meta, recs[0], recs[1:]
}

// readXLSXExport opens an XLSX export and returns its data sheet's rows
// and its metadata sheet's rows.
func readXLSXExport(t *testing.T, body []byte, dataSheet, metaSheet string) (data, meta [][]string) {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if data, err = f.GetRows(dataSheet); err != nil {
		t.Fatal(err)
	}
	if meta, err = f.GetRows(metaSheet); err != nil {
		t.Fatal(err)
	}
	return data, meta
}

func TestMinistryExports(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	w := newMinistryWorld(t, ta.DB)
	b := w.analystBrowser(t, ta, false)

	// The page and every export state one as-of time, once: not the
	// engine's run in the metadata and the funnel's or the course tables'
	// refresh in a note.
	t.Run("OneAsOfTime", func(t *testing.T) {
		stamp := regexp.MustCompile(`\d{4}-\d{2}-\d{2} \d{2}:\d{2} JST`)
		page := b.get("/ministry").Doc(t).Find("main").Text()
		if n := len(stamp.FindAllString(page, -1)); n != 1 {
			t.Errorf("the page states %d as-of times: %q", n, stamp.FindAllString(page, -1))
		}
		for _, table := range []string{"funnel", "courses", "providers", "breakdown_prefecture"} {
			_, meta := readXLSXExport(t, exportOf(t, b, "table="+table, "xlsx"), "データ", "説明")
			var times []string
			for _, row := range meta {
				times = append(times, stamp.FindAllString(strings.Join(row, " "), -1)...)
			}
			if len(times) != 1 {
				t.Errorf("%s XLSX states %d as-of times: %q", table, len(times), times)
			}
			csvMeta, _, _ := readCSVExport(t, exportOf(t, b, "table="+table, "csv"))
			if !stamp.MatchString(csvMeta["集計時点"]) {
				t.Errorf("%s CSV as-of %q", table, csvMeta["集計時点"])
			}
		}
	})

	t.Run("SmallCellHiddenInCSVAndXLSX", func(t *testing.T) {
		body := exportOf(t, b, "table=breakdown_prefecture", "csv")
		meta, header, rows := readCSVExport(t, body)
		if header[0] != "都道府県" || header[1] != "対象者数" {
			t.Fatalf("header %q", header)
		}
		got := map[string]string{}
		for _, r := range rows {
			got[r[0]] = r[1]
		}
		if got["愛知県"] != "<10" || got["大阪府"] != "x" || got["東京都"] != "30" || got["合計"] != "58" {
			t.Fatalf("CSV rows %v", got)
		}
		if !strings.Contains(meta["プログラム"], "AI人材100万人") || meta["期間"] != "2026-01 – "+jst.Month(time.Now()) ||
			!strings.Contains(meta["秘匿のきまり"], "<10") || meta["絞り込み"] != "絞り込みなし（全国）" || meta["集計時点"] == "" {
			t.Fatalf("CSV metadata %v", meta)
		}
		if strings.Contains(string(body), ",3\n") || strings.Contains(string(body), ",25\n") {
			t.Fatal("a hidden number is in the CSV")
		}

		data, xmeta := readXLSXExport(t, exportOf(t, b, "table=breakdown_prefecture", "xlsx"), "データ", "説明")
		xl := map[string]string{}
		for _, r := range data[1:] {
			xl[r[0]] = r[1]
		}
		if data[0][0] != "都道府県" || xl["愛知県"] != "<10" || xl["大阪府"] != "x" || xl["東京都"] != "30" {
			t.Fatalf("XLSX rows %v", data)
		}
		f, _ := excelize.OpenReader(bytes.NewReader(exportOf(t, b, "table=breakdown_prefecture", "xlsx")))
		defer f.Close()
		for i, r := range data {
			if r[0] == "愛知県" {
				typ, _ := f.GetCellType("データ", fmt.Sprintf("B%d", i+1))
				if typ == excelize.CellTypeNumber {
					t.Fatal("the hidden Aichi cell is a number in the XLSX")
				}
			}
			if r[0] == "東京都" {
				if v, _ := f.GetCellValue("データ", fmt.Sprintf("B%d", i+1), excelize.Options{RawCellValue: true}); v != "30" {
					t.Fatalf("Tokyo raw value %q", v)
				}
			}
		}
		if len(xmeta) < 5 || xmeta[1][0] != "プログラム" {
			t.Fatalf("XLSX metadata sheet %v", xmeta)
		}
	})
	t.Run("CourseCellsInExports", func(t *testing.T) {
		_, header, rows := readCSVExport(t, exportOf(t, b, "table=courses", "csv"))
		if len(header) != 7 {
			t.Fatalf("courses header %q", header)
		}
		found := false
		for _, r := range rows {
			if r[0] == "クラウド運用" {
				found = true
				if r[4] != "<10" || r[5] != "—" || r[6] != "—" {
					t.Fatalf("cloud-ops row %q", r)
				}
			}
		}
		if !found {
			t.Fatal("no cloud-ops row")
		}
		data, _ := readXLSXExport(t, exportOf(t, b, "table=courses", "xlsx"), "データ", "説明")
		for _, r := range data {
			if r[0] == "セキュリティ入門" && r[4] != "x" {
				t.Fatalf("sec-first XLSX row %q", r)
			}
		}
	})
	t.Run("EveryTable", func(t *testing.T) {
		q := "compare_a=industry:G&compare_b=industry:E"
		doc := b.get("/ministry?" + q).Doc(t)
		links := doc.Find(".ministry-export a")
		if links.Length() != 2*11 {
			t.Fatalf("only %d export links", links.Length())
		}
		tables := map[string]bool{}
		links.Each(func(_ int, a *goquery.Selection) {
			href, _ := a.Attr("href")
			u, err := url.Parse(href)
			if err != nil {
				t.Fatal(err)
			}
			tables[u.Query().Get("table")] = true
			r := b.get(href)
			if r.StatusCode != http.StatusOK {
				t.Fatalf("%s: %d", href, r.StatusCode)
			}
			if u.Query().Get("format") == "csv" {
				_, header, rows := readCSVExport(t, []byte(r.Body))
				if len(header) < 2 || len(rows) == 0 {
					t.Fatalf("%s: header %q, %d rows", href, header, len(rows))
				}
			} else {
				f, err := excelize.OpenReader(strings.NewReader(r.Body))
				if err != nil {
					t.Fatalf("%s: %v", href, err)
				}
				rows, _ := f.GetRows("データ")
				f.Close()
				if len(rows) < 2 {
					t.Fatalf("%s: %d rows", href, len(rows))
				}
			}
		})
		for _, name := range []string{"funnel", "courses", "providers", "series_month", "series_week", "compare",
			"breakdown_industry", "breakdown_prefecture", "breakdown_provider", "breakdown_segment", "breakdown_skill_area"} {
			if !tables[name] {
				t.Errorf("no export link for %s", name)
			}
		}
		// The series table answers to table=series&period= too.
		_, _, rows := readCSVExport(t, exportOf(t, b, "table=series&period=month", "csv"))
		if rows[len(rows)-1][1] != "58" {
			t.Errorf("monthly series total %q", rows[len(rows)-1])
		}
	})
	t.Run("EnglishExport", func(t *testing.T) {
		enb := w.analystBrowser(t, ta, true)
		meta, header, _ := readCSVExport(t, exportOf(t, enb, "table=funnel&prefecture=23", "csv"))
		if header[0] != "Stage" || meta["Filter"] != "Prefecture: Aichi" {
			t.Fatalf("English export: header %q meta %v", header, meta)
		}
	})
	t.Run("Audited", func(t *testing.T) {
		var n int64
		ta.DB.Gorm.Raw(`SELECT count(*) FROM audit_events WHERE action = 'ministry.export' AND target_type = 'ministry_table'`).Scan(&n)
		if n < 20 {
			t.Fatalf("%d exports audited", n)
		}
		var details string
		ta.DB.Gorm.Raw(`SELECT details FROM audit_events WHERE action = 'ministry.export' AND details LIKE '%prefecture=23%' LIMIT 1`).Scan(&details)
		if !strings.Contains(details, `"table":"funnel"`) || !strings.Contains(details, `"programme":"ai-ready"`) {
			t.Fatalf("audit details %s", details)
		}
	})
}

// TestMinistryBrowserJourney: an analyst signs in with the two-factor code,
// applies a prefecture filter with the form, sees the filtered funnel, and
// downloads the funnel's CSV (fetched with the browser's cookies). axe
// checks the page in Japanese and English.
func TestMinistryBrowserJourney(t *testing.T) {
	ta := startApp(t)
	w := newMinistryWorld(t, ta.DB)
	ctx := newChrome(t)

	chromeSignIn(t, ctx, ta, "/ministry", w.analyst, w.analystSecret, "#ministry-filter")
	if loc := location(t, ctx); !strings.HasSuffix(loc, "/ministry") {
		t.Fatalf("after sign-in at %s", loc)
	}
	checkAxe(t, ctx, "/ministry (ja)")

	do(t, ctx, chromedp.SetValue(chromedp.CSS("#f-place"), "prefecture:23"))
	clickAndWaitNewPage(t, ctx, `#ministry-filter button[type="submit"]`)
	if loc := location(t, ctx); !strings.Contains(loc, "prefecture=23") {
		t.Fatalf("the form went to %s", loc)
	}
	if got := text(t, ctx, "#ministry-applied-filter"); got != "都道府県: 愛知県" {
		t.Fatalf("applied filter %q", got)
	}
	if got := text(t, ctx, `#table-funnel tbody tr[data-key="enrolled"] td`); got != "<10" {
		t.Fatalf("Aichi's enrolled learners %q, want <10", got)
	}
	checkAxe(t, ctx, "/ministry?prefecture=23 (ja)")

	// Download the funnel's CSV as the browser would, with its cookies.
	href := attr(t, ctx, "#export-funnel a.export-csv", "href")
	jar := ministryBrowserCookies(t, ctx) // the session cookie is HttpOnly: read through CDP
	req, _ := http.NewRequest(http.MethodGet, ta.URL+href, nil)
	for _, c := range jar {
		req.AddCookie(c)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || !strings.HasPrefix(res.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("CSV download: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	meta, header, rows := readCSVExport(t, body)
	if header[0] != "段階" || meta["絞り込み"] != "都道府県: 愛知県" {
		t.Fatalf("CSV header %q meta %v", header, meta)
	}
	for _, r := range rows {
		if r[0] == "受講を始めた人" && r[1] != "<10" {
			t.Fatalf("CSV enrolled %q, want <10", r[1])
		}
	}

	// English.
	clickAndWaitNewPage(t, ctx, `form[action="/language"] button[value="en"]`)
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#ministry-filter")))
	if h1 := text(t, ctx, "main h1"); h1 != "Ministry dashboard" {
		t.Fatalf("English heading %q", h1)
	}
	checkAxe(t, ctx, "/ministry?prefecture=23 (en)")
	// A refused month range in English: the message, the form as chosen.
	do(t, ctx, chromedp.SetValue(chromedp.CSS("#f-from"), "2026-09"))
	do(t, ctx, chromedp.SetValue(chromedp.CSS("#f-to"), "2026-03"))
	clickAndWaitNewPage(t, ctx, `#ministry-filter button[type="submit"]`)
	if msg := text(t, ctx, "#ministry-error"); !strings.Contains(msg, "The start month is after the end month") {
		t.Fatalf("reversed months: %q", msg)
	}
	checkAxe(t, ctx, "/ministry with a refused filter (en)")
}

// ministryBrowserCookies are the browser's cookies for the current page,
// read through the DevTools protocol (the session cookie is HttpOnly).
func ministryBrowserCookies(t *testing.T, ctx context.Context) []*http.Cookie {
	t.Helper()
	cs := get(t, ctx, chromedp.Action[[]*network.Cookie](func(ctx context.Context, tg *chromedp.Target) ([]*network.Cookie, error) {
		res, err := cdp.Call(ctx, tg, network.GetCookies, network.GetCookiesParams{})
		return res.Cookies, err
	}))
	out := make([]*http.Cookie, 0, len(cs))
	for _, c := range cs {
		out = append(out, &http.Cookie{Name: c.Name, Value: c.Value})
	}
	return out
}

// --- benchmark ---

// ministryBenchSeed writes, straight into the read models, a national
// programme's shape since 1 January 2026: every day has a count for the
// total, every prefecture, industry, segment, skill area and each of 40
// providers, and the prefecture × (industry, provider, segment, skill
// area) cross-tabulations for every prefecture; the three first-time
// learner metrics likewise (one dimension); 800 courses' statistics; and
// registrations and activity by month. Returns the rollup row counts.
func ministryBenchSeed(b *testing.B, db *database.DB) (progressRows, activityRows int64) {
	b.Helper()
	g := db.Gorm
	for _, q := range []string{
		`INSERT INTO programmes (code, name_ja, name_en, target, starts_on, ends_on, flagship, skill_areas)
		 VALUES ('ai-ready', 'AI人材100万人', '1,000,000 AI-ready workers', 1000000, '2026-01-01', '2030-12-31', true, '{ai_data}')`,
		`INSERT INTO organisations (name_ja, kind, code) SELECT '提供機関' || i, 'provider', 'bench-prov-' || i FROM generate_series(1, 40) i`,
		`INSERT INTO courses (provider_id, code, status, skill_area_code, title_ja)
		 SELECT o.id, 'c-' || i, 'published', (SELECT code FROM skill_areas ORDER BY code OFFSET i % 9 LIMIT 1), '講座 ' || o.code || '-' || i
		 FROM organisations o, generate_series(1, 20) i WHERE o.kind = 'provider'`,
		`CREATE TEMP TABLE bench_dims AS
		 SELECT 'prefecture' AS d, code::text AS v FROM prefectures
		 UNION ALL SELECT 'industry', code::text FROM industries
		 UNION ALL SELECT 'segment', s FROM unnest(ARRAY['engineer','developer','other']) s
		 UNION ALL SELECT 'skill_area', code FROM skill_areas
		 UNION ALL SELECT 'provider', id::text FROM organisations WHERE kind = 'provider'`,
		`CREATE TEMP TABLE bench_days AS SELECT d::date AS day FROM generate_series('2026-01-01'::date, (now() AT TIME ZONE 'Asia/Tokyo')::date - 1, '1 day') d`,
		// progress_rollup: total, one dimension, prefecture cross-tabs.
		`INSERT INTO progress_rollup (programme_id, d1, d2, day, v1, v2, learners)
		 SELECT p.id, '', '', day, '', '', 700 FROM programmes p, bench_days`,
		`INSERT INTO progress_rollup (programme_id, d1, d2, day, v1, v2, learners)
		 SELECT p.id, d, '', day, v, '', 1 + (abs(hashtext(v || day)) % 40) FROM programmes p, bench_days, bench_dims`,
		`INSERT INTO progress_rollup (programme_id, d1, d2, day, v1, v2, learners)
		 SELECT p.id, least('prefecture', o.d), greatest('prefecture', o.d), day,
		        CASE WHEN o.d < 'prefecture' THEN o.v ELSE pr.v END, CASE WHEN o.d < 'prefecture' THEN pr.v ELSE o.v END,
		        1 + (abs(hashtext(pr.v || o.v || day)) % 5)
		 FROM programmes p, bench_days, bench_dims pr, bench_dims o WHERE pr.d = 'prefecture' AND o.d <> 'prefecture'`,
		// The engine keeps the monthly programme rollup beside the daily one.
		`INSERT INTO progress_monthly (programme_id, d1, d2, month, v1, v2, learners)
		 SELECT programme_id, d1, d2, date_trunc('month', day)::date, v1, v2, sum(learners) FROM progress_rollup GROUP BY 1, 2, 3, 4, 5, 6`,
		`INSERT INTO activity_rollup (metric, d1, d2, day, v1, v2, n)
		 SELECT m, '', '', day, '', '', 2000 FROM bench_days, unnest(ARRAY['learners_enrolled','learners_completed','learners_credentialed']) m`,
		`INSERT INTO activity_rollup (metric, d1, d2, day, v1, v2, n)
		 SELECT m, d, '', day, v, '', 1 + (abs(hashtext(m || v || day)) % 90)
		 FROM bench_days, bench_dims, unnest(ARRAY['learners_enrolled','learners_completed','learners_credentialed']) m`,
		`INSERT INTO activity_monthly (metric, d1, month, v1, n)
		 SELECT metric, d1, date_trunc('month', day)::date, v1, sum(n) FROM activity_rollup WHERE d2 = '' GROUP BY 1, 2, 3, 4`,
		`INSERT INTO registration_rollup (dim, month, value, n)
		 SELECT d, date_trunc('month', day)::date, v, sum(1 + (abs(hashtext(v || day)) % 60)) FROM bench_days, bench_dims
		 WHERE d IN ('prefecture', 'industry', 'segment') GROUP BY 1, 2, 3`,
		`INSERT INTO registration_rollup (dim, month, value, n)
		 SELECT '', date_trunc('month', day)::date, '', 3000 * count(*) FROM bench_days GROUP BY 2`,
		`INSERT INTO active_learners (dim, value, n) SELECT d, v, 100 + abs(hashtext(v)) % 5000 FROM bench_dims WHERE d IN ('prefecture', 'industry', 'segment')`,
		`INSERT INTO active_learners (dim, value, n) VALUES ('', '', 250000)`,
		`INSERT INTO course_stats (course_id, provider_id, enrolments, completions, median_seconds, flagged_fast, refreshed_at)
		 SELECT id, provider_id, 5 + abs(hashtext(code)) % 4000, abs(hashtext(code)) % 2000, 86400 * (1 + abs(hashtext(code)) % 30), abs(hashtext(code)) % 12, now() FROM courses`,
		`INSERT INTO provider_stats (provider_id, courses, enrolments, completions, median_seconds, flagged_fast, refreshed_at)
		 SELECT provider_id, count(*), sum(enrolments), sum(completions), avg(median_seconds), sum(flagged_fast), now() FROM course_stats GROUP BY 1`,
		`UPDATE ministry_stats_state SET courses_refreshed_at = now(), learners_refreshed_at = now(), activity_full_at = now(),
		 enrolments = (SELECT sum(enrolments) FROM course_stats), completions = (SELECT sum(completions) FROM course_stats),
		 median_seconds = 86400 * 12, flagged_fast = (SELECT sum(flagged_fast) FROM course_stats)`,
		`ANALYZE`,
	} {
		if err := g.Exec(q).Error; err != nil {
			b.Fatalf("%s: %v", q, err)
		}
	}
	g.Raw(`SELECT count(*) FROM progress_rollup`).Scan(&progressRows)
	g.Raw(`SELECT count(*) FROM activity_rollup`).Scan(&activityRows)
	return progressRows, activityRows
}

// BenchmarkMinistryPage measures /ministry with each filter (and a
// comparison of two prefectures, and of two industries) through the real
// router and middleware with a signed-in analyst's session, without the
// network, and reports the 95th percentile as well as the mean.
func BenchmarkMinistryPage(b *testing.B) {
	db := dbtest.New(b)
	progressRows, activityRows := ministryBenchSeed(b, db)
	cfg, err := config.Load()
	if err != nil {
		b.Fatal(err)
	}
	cfg.Env = config.EnvDevelopment
	cfg.DataDir = b.TempDir()
	cfg.SMTPHost = ""
	a, err := app.New(cfg, db, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	h := a.Handler()
	srv := httptest.NewServer(h)
	defer srv.Close()
	w := &ministryWorld{db: db}
	db.Gorm.Raw(`INSERT INTO organisations (name_ja, kind) VALUES ('経済産業省', 'ministry') RETURNING id`).Row().Scan(&w.ministryOrg)
	secret := w.addAnalyst(b, "bench-analyst@example.jp", "ja", true)
	cookies := ministryBenchSignIn(b, srv.URL, "bench-analyst@example.jp", secret)
	b.Logf("progress_rollup %d rows, activity_rollup %d rows", progressRows, activityRows)

	var provider string
	db.Gorm.Raw(`SELECT id::text FROM organisations WHERE code = 'bench-prov-7'`).Row().Scan(&provider)
	paths := []string{
		"/ministry?prefecture=13",
		"/ministry?region=Kanto",
		"/ministry?industry=G",
		"/ministry?skill_area=ai_data",
		"/ministry?segment=engineer",
		"/ministry?provider=" + provider,
		"/ministry?industry=G&compare_a=prefecture:13&compare_b=prefecture:27",
		"/ministry?compare_a=industry:G&compare_b=industry:E",
		"/ministry",
	}
	// Each path is measured twice: as it repeats (what the dashboard keeps
	// for one state of the rollups is reused), and cold, with the state
	// moved before every request as an engine run and a refresh of the
	// learner read models would (nothing kept applies).
	type run struct {
		name, path string
		cold       bool
	}
	var runs []run
	for _, cold := range []bool{false, true} {
		for _, path := range paths {
			name := strings.TrimPrefix(path, "/ministry")
			if name == "" {
				name = "none"
			} else if strings.HasPrefix(name, "?provider=") {
				name = "?provider"
			}
			if cold {
				name = "cold:" + name
			}
			runs = append(runs, run{name, path, cold})
		}
	}
	for _, r := range runs {
		path := r.path
		b.Run(r.name, func(b *testing.B) {
			get := func() time.Duration {
				if r.cold {
					b.StopTimer()
					if err := db.Gorm.Exec(`UPDATE progress_engine_state SET updated_at = clock_timestamp()`).Error; err != nil {
						b.Fatal(err)
					}
					if err := db.Gorm.Exec(`UPDATE ministry_stats_state SET learners_refreshed_at = clock_timestamp()`).Error; err != nil {
						b.Fatal(err)
					}
					b.StartTimer()
				}
				req := httptest.NewRequest(http.MethodGet, path, nil)
				for _, c := range cookies {
					req.AddCookie(c)
				}
				rec := httptest.NewRecorder()
				start := time.Now()
				h.ServeHTTP(rec, req)
				d := time.Since(start)
				if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), `id="table-funnel"`) {
					b.Fatalf("%s: %d\n%.400s", path, rec.Code, rec.Body.String())
				}
				return d
			}
			get() // warm up
			var times []time.Duration
			// CPU time of this process per request as well as wall time: on a
			// shared machine the wall time mostly measures the other processes.
			var before, after syscall.Rusage
			syscall.Getrusage(syscall.RUSAGE_SELF, &before)
			for b.Loop() {
				times = append(times, get())
			}
			syscall.Getrusage(syscall.RUSAGE_SELF, &after)
			cpu := func(r syscall.Rusage) int64 { return r.Utime.Nano() + r.Stime.Nano() }
			b.ReportMetric(float64(cpu(after)-cpu(before))/float64(len(times)), "cpu-ns/op")
			slices.Sort(times)
			b.ReportMetric(float64(times[len(times)*95/100].Microseconds())/1000, "p95-ms")
		})
	}
}

// ministryBenchSignIn signs in through the real forms (password, then the
// two-factor code) and returns the session cookies.
func ministryBenchSignIn(b *testing.B, base, email, secret string) []*http.Cookie {
	b.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	csrf := func(path string) string {
		res, err := c.Get(base + path)
		if err != nil {
			b.Fatal(err)
		}
		defer res.Body.Close()
		doc, err := goquery.NewDocumentFromReader(res.Body)
		if err != nil {
			b.Fatal(err)
		}
		tok, _ := doc.Find(`input[name="_csrf"]`).First().Attr("value")
		return tok
	}
	post := func(path string, v url.Values) {
		v.Set("_csrf", csrf(path))
		res, err := c.PostForm(base+path, v)
		if err != nil {
			b.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusSeeOther {
			b.Fatalf("%s: %d", path, res.StatusCode)
		}
	}
	post("/login", url.Values{"email": {email}, "password": {fixtures.Password}})
	code, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	post("/login/2fa", url.Values{"code": {code}})
	u, _ := url.Parse(base)
	return jar.Cookies(u)
}

// TestMinistryContentFollowsState: the dashboard's rendered content is kept
// per state of the read models, filter, language and day (web/ministry.go);
// a refresh, a new programme or a renamed provider shows at the state that
// counts it, and the language is the viewer's.
func TestMinistryContentFollowsState(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	w := newMinistryWorld(t, ta.DB)
	b := w.analystBrowser(t, ta, false)
	ctx := context.Background()
	g := ta.DB.Gorm
	get := func(path string) *goquery.Document {
		t.Helper()
		r := b.get(path)
		if r.StatusCode != http.StatusOK {
			t.Fatalf("GET %s: status %d", path, r.StatusCode)
		}
		return r.Doc(t)
	}
	if got := cellText(get("/ministry"), "funnel", "registered", 1); got != "59" {
		t.Fatalf("registered = %q, want 59", got)
	}
	// Ten more learners register: counted at the next learner-statistics
	// refresh, not before (the funnel's read model).
	for i := range 10 {
		if err := g.Exec(`INSERT INTO users (email, password_hash, display_name, prefecture_code, industry_code, segment, privacy_notice_version, consented_at)
			VALUES (?, 'x', '受講者', '13', 'G', 'engineer', '2026-11', now())`, fmt.Sprintf("ministry-late-%d@example.jp", i)).Error; err != nil {
			t.Fatal(err)
		}
	}
	if got := cellText(get("/ministry"), "funnel", "registered", 1); got != "59" {
		t.Errorf("registered before the refresh = %q, want 59", got)
	}
	// A provider renamed by an admin: a filter choice under its new name
	// at once (the catalogue change signal, while this instance listens),
	// not at the next learner-statistics refresh (a minute at most; the
	// start's refresh job may come in between, so the reporting-level
	// TestProviderChoicesFollowTheCatalogueSignal is the exact check).
	if err := g.Exec(`UPDATE organisations SET name_ja = '改称後アカデミー' WHERE id = ?`, w.providers[0]).Error; err != nil {
		t.Fatal(err)
	}
	choice := `#f-by option[value="provider:` + w.providers[0] + `"]`
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		doc := get("/ministry")
		if doc.Find(choice).Text() == "改称後アカデミー" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("provider choice not renamed within 5 s of the change: %q", doc.Find(choice).Text())
		}
	}
	if err := reporting.RefreshLearnerStats(ctx, g); err != nil {
		t.Fatal(err)
	}
	doc := get("/ministry")
	if got := cellText(doc, "funnel", "registered", 1); got != "69" {
		t.Errorf("registered after the refresh = %q, want 69", got)
	}
	if got := doc.Find(`#f-by option[value="provider:` + w.providers[0] + `"]`).Text(); got != "改称後アカデミー" {
		t.Errorf("provider choice after the refresh = %q, want the new name", got)
	}
	// Under a filter, then the same filter again: the same figures.
	pref := cellText(get("/ministry?prefecture=13"), "funnel", "registered", 1)
	if again := cellText(get("/ministry?prefecture=13"), "funnel", "registered", 1); pref != "41" || again != pref {
		t.Errorf("Tokyo registered = %q then %q, want 41 both times (30 + 10 + the analyst)", pref, again)
	}
	// A new programme (the rollups' state) is offered at once.
	if err := g.Exec(`INSERT INTO programmes (code, name_ja, name_en, target, starts_on, ends_on, skill_areas)
		VALUES ('robots', 'ロボット人材', 'Robotics workforce', 1000, '2026-01-01', '2028-03-31', '{robotics}')`).Error; err != nil {
		t.Fatal(err)
	}
	if n := get("/ministry").Find(`#f-programme option[value="robots"]`).Length(); n != 1 {
		t.Errorf("new programme offered %d times, want 1", n)
	}
	// The same state in English: English content.
	en := w.analystBrowser(t, ta, true)
	r := en.get("/ministry")
	if r.StatusCode != http.StatusOK {
		t.Fatalf("English: status %d", r.StatusCode)
	}
	if h1 := strings.TrimSpace(r.Doc(t).Find("h1").Text()); h1 == strings.TrimSpace(doc.Find("h1").Text()) {
		t.Errorf("English analyst got the Japanese heading %q", h1)
	}
}
