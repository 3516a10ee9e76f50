package web_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/chromedp/chromedp"

	"takumi/internal/app"
	"takumi/internal/catalog"
	"takumi/internal/config"
	"takumi/internal/credential"
	"takumi/internal/database"
	"takumi/internal/dbtest"
	"takumi/internal/fixtures"
	"takumi/internal/learning"
	"takumi/internal/progress"
)

// progressWorld is a small nation on the real app: one provider with an
// AI-and-data course (the flagship programme counts its skill area) and a
// cybersecurity course (a second programme counts that course), and
// learners who earned credentials by completing lessons through the
// learning service, as the player does.
type progressWorld struct {
	ta      *testApp
	ai      *progressCourse
	cyber   *progressCourse
	revoked string // a credential revoked after it was issued
}

type progressCourse struct {
	id      string
	lessons []string
}

// progressLearners are who earned the AI course's credential: Tokyo 12,
// Osaka 10 (all industry E), Hokkaido 3 (segment developer). So the
// prefecture breakdown has exactly one small cell (Hokkaido, "<10") and
// its complement is Osaka (the smallest other non-zero cell, "x"); the
// segment breakdown likewise hides developer ("<10") and engineer ("x").
var progressLearners = []struct {
	pref, industry, segment string
	n                       int
}{
	{"13", "G", "engineer", 12},
	{"27", "E", "engineer", 10},
	{"01", "G", "developer", 3},
}

func newProgressWorld(t *testing.T) *progressWorld {
	t.Helper()
	ta := startApp(t)
	w := &progressWorld{ta: ta}
	ctx := context.Background()
	g := ta.DB.Gorm
	var provider, author string
	if err := g.Raw(`INSERT INTO organisations (name_ja, name_en, kind, code) VALUES ('進捗大学', 'Progress University', 'provider', 'progress-u') RETURNING id`).Row().Scan(&provider); err != nil {
		t.Fatal(err)
	}
	author = fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "progress-author@example.jp"})
	fixtures.MustAddMember(t, ta.DB, "進捗大学", "provider", author, "instructor", false)
	w.ai = progressPublish(t, ta.App, author, provider, "ai-basics", "AI活用の基礎", "AI at work", "ai_data")
	w.cyber = progressPublish(t, ta.App, author, provider, "cyber-basics", "セキュリティ入門", "Security basics", "cybersecurity")
	if err := g.Exec(`INSERT INTO programmes (code, name_ja, name_en, description_ja, description_en, target, starts_on, ends_on, flagship, skill_areas)
		VALUES ('ai-ready', 'AI人材1000人', '1,000 AI-ready workers', 'AIを使いこなす人材を育てます。', 'Workers ready for AI.', 1000, '2026-01-01', '2030-12-31', true, '{ai_data}')`).Error; err != nil {
		t.Fatal(err)
	}
	if err := g.Exec(`INSERT INTO programmes (code, name_ja, name_en, target, starts_on, ends_on, course_ids)
		VALUES ('cyber', 'セキュリティ人材', 'Cybersecurity workforce', 50, '2026-01-01', '2028-03-31', ARRAY[?]::uuid[])`, w.cyber.id).Error; err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, l := range progressLearners {
		for range l.n {
			n++
			w.earn(t, w.ai, fmt.Sprintf("progress-%d@example.jp", n), l.pref, l.industry, l.segment)
		}
	}
	// One more Tokyo learner whose credential is revoked: not counted.
	_, w.revoked = w.earn(t, w.ai, "progress-revoked@example.jp", "13", "G", "engineer")
	admin := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "progress-admin@example.jp", PlatformAdmin: true})
	if err := ta.App.Server.Credentials.Revoke(ctx, credential.Actor{UserID: admin, IsPlatformAdmin: true}, w.revoked, "テストのため"); err != nil {
		t.Fatal(err)
	}
	// Two cybersecurity learners: fewer than k, so that programme's
	// breakdowns are withheld.
	w.earn(t, w.cyber, "progress-cyber-1@example.jp", "13", "G", "engineer")
	w.earn(t, w.cyber, "progress-cyber-2@example.jp", "27", "E", "other")
	progressCatchUp(t, ta.DB)
	return w
}

// progressCatchUp runs the engine until it has applied every event in the
// log. The engine only reads events of transactions older than every
// transaction still running in the whole PostgreSQL cluster (the xmin
// rule), so a long transaction elsewhere on a shared test server (a bulk
// seed, say) holds it back: wait for it, up to a limit.
func progressCatchUp(t testing.TB, db *database.DB) {
	t.Helper()
	en := progress.NewEngine(db.Gorm, 0)
	deadline := time.Now().Add(10 * time.Minute)
	for waited := false; ; waited = true {
		if _, err := en.CatchUp(context.Background()); err != nil {
			t.Fatal(err)
		}
		var pending int64
		if err := db.Gorm.Raw(`SELECT (SELECT count(*) FROM learning_events) - applied FROM progress_engine_state`).Scan(&pending).Error; err != nil {
			t.Fatal(err)
		}
		if pending == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the engine still has %d events to apply: a transaction elsewhere on the server holds back xmin", pending)
		}
		if !waited {
			t.Logf("waiting for %d events: an older transaction elsewhere on the server is still running", pending)
		}
		time.Sleep(500 * time.Millisecond)
	}
}

// progressPublish publishes a course with two required readings.
func progressPublish(t testing.TB, a *app.App, author, provider, code, titleJa, titleEn, area string) *progressCourse {
	t.Helper()
	ctx := context.Background()
	cs := a.Server.Courses
	actor := catalog.Actor{UserID: author}
	c, err := cs.CreateCourse(ctx, actor, catalog.NewCourse{ProviderID: provider, Code: code, Content: catalog.Content{
		TitleJa: titleJa, TitleEn: titleEn, SummaryJa: "講座の概要です。", SummaryEn: "A course.",
		SkillArea: area, Level: catalog.LevelIntroductory, EstimatedHours: 1, Language: "ja",
		DeliveryMode: catalog.DeliverySelfPaced}})
	if err != nil {
		t.Fatal(err)
	}
	pc := &progressCourse{id: c.ID, lessons: []string{catalog.NewID(), catalog.NewID()}}
	if _, err := cs.EditDraft(ctx, actor, c.ID, 0, func(ct *catalog.Content) error {
		ct.Modules = []catalog.Module{{ID: catalog.NewID(), TitleJa: "第1章", Lessons: []catalog.Lesson{
			{ID: pc.lessons[0], Kind: catalog.LessonReading, TitleJa: "はじめに", Required: true, BodyMd: "本文"},
			{ID: pc.lessons[1], Kind: catalog.LessonReading, TitleJa: "まとめ", Required: true, BodyMd: "本文"},
		}}}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := cs.Publish(ctx, actor, c.ID); err != nil {
		t.Fatal(err)
	}
	return pc
}

// earn makes a learner with the given prefecture, industry and segment,
// enrols them and completes every lesson; the completion issues the
// credential. It returns the learner's and the credential's ids.
func (w *progressWorld) earn(t *testing.T, c *progressCourse, email, pref, industry, segment string) (string, string) {
	t.Helper()
	ctx := context.Background()
	user := fixtures.MustCreateUser(t, w.ta.DB, fixtures.User{Email: email, Name: "受講者", NoPassword: true,
		Prefecture: pref, Industry: industry, Segment: segment})
	l := learning.Learner{UserID: user}
	e, err := w.ta.App.Server.Learning.EnrolSelfPaced(ctx, l, c.id)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range c.lessons {
		if _, err := w.ta.App.Server.Learning.CompleteLesson(ctx, l, e.ID, id); err != nil {
			t.Fatal(err)
		}
	}
	var cred string
	if err := w.ta.DB.Gorm.Raw(`SELECT id FROM credentials WHERE user_id = ? AND course_id = ?`, user, c.id).Row().Scan(&cred); err != nil {
		t.Fatalf("no credential issued: %v", err)
	}
	return user, cred
}

// progressLang makes b read pages in lang.
func progressLang(t *testing.T, b *browser, lang string) {
	t.Helper()
	if r := b.post("/", "/language", url.Values{"lang": {lang}, "return_to": {"/"}}); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("language switch: %d", r.StatusCode)
	}
}

// tableCells reads a breakdown table: code -> the count as shown (without
// thousands separators), and the rate per 100,000 for prefectures.
func tableCells(t *testing.T, d *goquery.Document, dim string) (counts, rates map[string]string) {
	t.Helper()
	counts, rates = map[string]string{}, map[string]string{}
	rows := d.Find("#table-" + dim + " tr[data-code]")
	if rows.Length() == 0 {
		t.Fatalf("no table for %s", dim)
	}
	rows.Each(func(_ int, s *goquery.Selection) {
		code, _ := s.Attr("data-code")
		counts[code] = strings.ReplaceAll(strings.TrimSpace(s.Find("td.pg-count").Text()), ",", "")
		rates[code] = strings.ReplaceAll(strings.TrimSpace(s.Find("td.pg-rate").Text()), ",", "")
	})
	return counts, rates
}

func TestProgressPage(t *testing.T) {
	t.Parallel()
	w := newProgressWorld(t)
	b := w.ta.newBrowser(t)

	// The base data: unique learners holding an unrevoked credential for a
	// course in the flagship's skill area.
	var want int64
	if err := w.ta.DB.Gorm.Raw(`SELECT count(DISTINCT cr.user_id) FROM credentials cr JOIN courses c ON c.id = cr.course_id
		WHERE cr.revoked_at IS NULL AND c.skill_area_code = 'ai_data'`).Scan(&want).Error; err != nil {
		t.Fatal(err)
	}
	if want != 25 {
		t.Fatalf("fixture: %d learners hold an AI credential, want 25", want)
	}

	r := b.get("/progress")
	if r.StatusCode != http.StatusOK {
		t.Fatalf("status %d\n%.600s", r.StatusCode, r.Body)
	}
	d := r.Doc(t)
	t.Run("Headline", func(t *testing.T) {
		if got := d.Find("#headline-learners").Text(); got != fmt.Sprint(want) {
			t.Fatalf("headline %q, want %d (the base data's unique learners)", got, want)
		}
		if got := d.Find("#headline-target").Text(); got != "1,000" {
			t.Fatalf("target %q", got)
		}
		if got := d.Find("#headline-percent").Text(); got != "2.5" {
			t.Fatalf("percent %q, want 2.5", got)
		}
		if d.Find("#as-of time").AttrOr("datetime", "") == "" || !strings.Contains(d.Find("#as-of").Text(), "JST") {
			t.Fatalf("no as-of time in JST: %q", d.Find("#as-of").Text())
		}
		// All 25 were counted today: 25 in the last 4 weeks = 6.3 a week.
		if got := d.Find("#run-rate").Text(); !strings.Contains(got, "6.3") {
			t.Fatalf("run rate %q, want 6.3 a week", got)
		}
		if d.Find("#cumulative-chart title").Length() == 0 || d.Find("#cumulative-chart polyline.pc-actual").Length() != 1 || d.Find("#table-months").Length() != 1 {
			t.Fatal("the cumulative chart or its table is missing")
		}
	})
	t.Run("SmallCellHiddenWithComplement", func(t *testing.T) {
		counts, rates := tableCells(t, d, "prefecture")
		if counts["01"] != "<10" || rates["01"] != "<10" {
			t.Fatalf("Hokkaido (3 learners) shows %q / %q, want <10 for both", counts["01"], rates["01"])
		}
		if counts["27"] != "x" || rates["27"] != "x" {
			t.Fatalf("Osaka (the complement) shows %q / %q, want x", counts["27"], rates["27"])
		}
		if counts["13"] != "12" || rates["13"] != "0.1" { // 12 × 100 / 14,048 thousand
			t.Fatalf("Tokyo shows %q / %q, want 12 / 0.1", counts["13"], rates["13"])
		}
		if counts["47"] != "0" || counts["total"] != "25" || len(counts) != 48 {
			t.Fatalf("Okinawa %q, total %q, %d rows (want 0, 25, 47 prefectures + total)", counts["47"], counts["total"], len(counts))
		}
		tile := d.Find("#prefecture-map g.pm-hidden").FilterFunction(func(_ int, s *goquery.Selection) bool {
			return strings.Contains(s.Find("title").Text(), "北海道")
		})
		if tile.Length() != 1 || strings.TrimSpace(tile.Find("text.pm-value").Text()) != "<10" {
			t.Fatalf("Hokkaido's tile is not hatched with <10: %q", tile.Text())
		}
		if d.Find("#prefecture-map g.pm-tile").Length() != 47 {
			t.Fatalf("%d tiles, want 47", d.Find("#prefecture-map g.pm-tile").Length())
		}
		seg, _ := tableCells(t, d, "segment")
		if seg["developer"] != "<10" || seg["engineer"] != "x" || seg["other"] != "0" {
			t.Fatalf("segments %v, want developer <10, engineer x, other 0", seg)
		}
		ind, _ := tableCells(t, d, "industry")
		if ind["G"] != "15" || ind["E"] != "10" {
			t.Fatalf("industries G %q E %q, want 15 and 10", ind["G"], ind["E"])
		}
		skill, _ := tableCells(t, d, "skill_area")
		if skill["ai_data"] != "25" {
			t.Fatalf("skill area ai_data %q, want 25", skill["ai_data"])
		}
		// The hidden number is nowhere on the page.
		if strings.Contains(d.Find("#by-prefecture").Text(), "北海道：3") {
			t.Fatal("Hokkaido's count leaks")
		}
	})
	t.Run("Links", func(t *testing.T) {
		if href := d.Find("#link-json").AttrOr("href", ""); href != "/progress/data.json?programme=ai-ready" {
			t.Fatalf("JSON link %q", href)
		}
		if href := d.Find("#link-csv").AttrOr("href", ""); href != "/progress/data.csv?programme=ai-ready" {
			t.Fatalf("CSV link %q", href)
		}
		if d.Find(`#programme-switcher option[value="cyber"]`).Length() != 1 {
			t.Fatal("no programme switcher")
		}
		if d.Find("[style]").Length() != 0 || strings.Contains(r.Body, "<script>") {
			t.Fatal("inline style or script on the page")
		}
	})
	t.Run("SmallProgrammeWithheld", func(t *testing.T) {
		d := b.get("/progress?programme=cyber").Doc(t)
		if got := d.Find("#headline-learners").Text(); got != "2" {
			t.Fatalf("cyber headline %q, want 2", got)
		}
		if d.Find(".pg-withheld").Length() != 4 || d.Find("#table-prefecture").Length() != 0 {
			t.Fatal("the breakdowns of a programme with fewer than k learners are published")
		}
	})
	t.Run("UnknownProgramme", func(t *testing.T) {
		r := b.get("/progress?programme=nope")
		if r.StatusCode != http.StatusNotFound || !strings.Contains(r.Body, "そのプログラムはありません") {
			t.Fatalf("status %d\n%.400s", r.StatusCode, r.Body)
		}
	})
	t.Run("English", func(t *testing.T) {
		progressLang(t, b, "en")
		d := b.get("/progress").Doc(t)
		if !strings.Contains(d.Find("h1").Text(), "National progress") || !strings.Contains(d.Find("#table-prefecture").Text(), "Hokkaido") {
			t.Fatalf("not in English: %q", d.Find("h1").Text())
		}
		if got, _ := tableCells(t, d, "prefecture"); got["01"] != "<10" {
			t.Fatalf("Hokkaido in English %q", got["01"])
		}
	})
}

// openDataJSON is the part of the JSON the tests read.
type openDataJSON struct {
	Format    string `json:"format"`
	Programme struct {
		Code string `json:"code"`
	} `json:"programme"`
	AsOf     string `json:"as_of"`
	Headline struct {
		Learners       int64   `json:"learners"`
		Target         int64   `json:"target"`
		Percent        float64 `json:"percent"`
		RunRatePerWeek float64 `json:"run_rate_per_week"`
	} `json:"headline"`
	Cumulative []struct {
		Date     string `json:"date"`
		Learners int64  `json:"learners"`
	} `json:"cumulative"`
	Breakdowns map[string]struct {
		Published bool `json:"published"`
		Total     struct {
			Learners   *int64  `json:"learners"`
			Suppressed *string `json:"suppressed"`
		} `json:"total"`
		Rows []struct {
			Code       string   `json:"code"`
			NameJa     string   `json:"name_ja"`
			NameEn     string   `json:"name_en"`
			Learners   *int64   `json:"learners"`
			Suppressed *string  `json:"suppressed"`
			Per100k    *float64 `json:"per_100k"`
		} `json:"rows"`
	} `json:"breakdowns"`
}

func TestOpenDataMatchesPage(t *testing.T) {
	t.Parallel()
	w := newProgressWorld(t)
	b := w.ta.newBrowser(t)
	d := b.get("/progress").Doc(t)

	rj := b.get("/progress/data.json")
	if rj.StatusCode != http.StatusOK || rj.Header.Get("Cache-Control") != "public, max-age=60" ||
		!strings.HasPrefix(rj.Header.Get("Content-Type"), "application/json") || rj.Header.Get("Set-Cookie") != "" {
		t.Fatalf("JSON: status %d, Cache-Control %q, Content-Type %q, Set-Cookie %q", rj.StatusCode,
			rj.Header.Get("Cache-Control"), rj.Header.Get("Content-Type"), rj.Header.Get("Set-Cookie"))
	}
	var j openDataJSON
	if err := json.Unmarshal([]byte(rj.Body), &j); err != nil {
		t.Fatal(err)
	}
	rc := b.get("/progress/data.csv")
	if rc.StatusCode != http.StatusOK || rc.Header.Get("Cache-Control") != "public, max-age=60" ||
		rc.Header.Get("Content-Type") != "text/csv; charset=utf-8" || rc.Header.Get("Set-Cookie") != "" ||
		!strings.Contains(rc.Header.Get("Content-Disposition"), "takumi-progress-ai-ready.csv") {
		t.Fatalf("CSV: status %d, headers %v", rc.StatusCode, rc.Header)
	}
	if !strings.HasPrefix(rc.Body, "\ufeff") {
		t.Fatal("the CSV has no byte order mark")
	}
	records, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(rc.Body, "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(records[0], ",") != "section,code,name_ja,name_en,value,suppressed,population_thousands,per_100k" {
		t.Fatalf("CSV columns %v", records[0])
	}
	csvCell := map[string][]string{} // section/code -> record
	for _, r := range records[1:] {
		csvCell[r[0]+"/"+r[1]] = r
	}

	t.Run("Headline", func(t *testing.T) {
		page := d.Find("#headline-learners").Text()
		if j.Format != "takumi-progress/1" || j.Programme.Code != "ai-ready" || fmt.Sprint(j.Headline.Learners) != page || j.Headline.Target != 1000 {
			t.Fatalf("JSON headline %+v (page %s)", j.Headline, page)
		}
		if csvCell["headline/learners"][4] != page || csvCell["headline/target"][4] != "1000" || csvCell["headline/percent"][4] != "2.5" {
			t.Fatalf("CSV headline %v %v", csvCell["headline/learners"], csvCell["headline/percent"])
		}
		if j.Headline.Percent != 2.5 || j.Headline.RunRatePerWeek != 6.3 || csvCell["headline/run_rate_per_week"][4] != "6.3" {
			t.Fatalf("rates: %+v", j.Headline)
		}
		if _, err := time.Parse(time.RFC3339, j.AsOf); err != nil || !strings.HasSuffix(j.AsOf, "+09:00") || csvCell["headline/as_of"][4] != j.AsOf {
			t.Fatalf("as_of %q (JST, RFC 3339) / CSV %v", j.AsOf, csvCell["headline/as_of"])
		}
		last := j.Cumulative[len(j.Cumulative)-1]
		if fmt.Sprint(last.Learners) != page || csvCell["cumulative/"+last.Date][4] != page {
			t.Fatalf("cumulative ends at %+v, page %s", last, page)
		}
	})
	t.Run("BreakdownsEqualThePage", func(t *testing.T) {
		for _, dim := range []string{"prefecture", "industry", "skill_area", "segment"} {
			counts, rates := tableCells(t, d, dim)
			bd := j.Breakdowns[dim]
			if !bd.Published || len(bd.Rows)+1 != len(counts) {
				t.Fatalf("%s: published %v, %d JSON rows, %d page rows", dim, bd.Published, len(bd.Rows), len(counts))
			}
			for _, r := range bd.Rows {
				var jsonText string
				switch {
				case r.Learners != nil && r.Suppressed == nil:
					jsonText = fmt.Sprint(*r.Learners)
				case r.Learners == nil && r.Suppressed != nil:
					jsonText = *r.Suppressed
				default:
					t.Fatalf("%s %s: learners %v with suppressed %v", dim, r.Code, r.Learners, r.Suppressed)
				}
				if jsonText != counts[r.Code] {
					t.Fatalf("%s %s: JSON %q, page %q", dim, r.Code, jsonText, counts[r.Code])
				}
				rec := csvCell[dim+"/"+r.Code]
				if rec == nil || rec[4]+rec[5] != counts[r.Code] || rec[2] != r.NameJa || rec[3] != r.NameEn {
					t.Fatalf("%s %s: CSV %v, page %q", dim, r.Code, rec, counts[r.Code])
				}
				if dim == "prefecture" {
					rate := "<hidden>"
					if r.Per100k != nil {
						rate = fmt.Sprint(*r.Per100k)
					} else if r.Suppressed != nil {
						rate = *r.Suppressed
					}
					if rate != rates[r.Code] && !(rate == "0" && rates[r.Code] == "0.0") {
						t.Fatalf("prefecture %s: JSON rate %q, page %q", r.Code, rate, rates[r.Code])
					}
					if rec[7] != "" && r.Per100k == nil || rec[7] == "" && r.Per100k != nil {
						t.Fatalf("prefecture %s: CSV rate %q, JSON %v", r.Code, rec[7], r.Per100k)
					}
				}
			}
			if tot := csvCell[dim+"/_total"]; tot == nil || tot[4] != counts["total"] {
				t.Fatalf("%s total: CSV %v, page %q", dim, tot, counts["total"])
			}
		}
	})
	t.Run("HiddenNeverLeaves", func(t *testing.T) {
		for _, r := range j.Breakdowns["prefecture"].Rows {
			switch r.Code {
			case "01":
				if r.Learners != nil || r.Suppressed == nil || *r.Suppressed != "<10" || r.Per100k != nil || r.NameJa != "北海道" {
					t.Fatalf("Hokkaido in JSON: %+v", r)
				}
			case "27":
				if r.Learners != nil || r.Suppressed == nil || *r.Suppressed != "x" || r.Per100k != nil {
					t.Fatalf("Osaka (complement) in JSON: %+v", r)
				}
			}
		}
		if rec := csvCell["prefecture/01"]; rec[4] != "" || rec[5] != "<10" || rec[7] != "" {
			t.Fatalf("Hokkaido in CSV: %v", rec)
		}
		if rec := csvCell["prefecture/27"]; rec[4] != "" || rec[5] != "x" || rec[7] != "" {
			t.Fatalf("Osaka in CSV: %v", rec)
		}
		if rec := csvCell["segment/developer"]; rec[4] != "" || rec[5] != "<10" || rec[3] != "Software developers" {
			t.Fatalf("developers in CSV: %v", rec)
		}
		if rec := csvCell["segment/engineer"]; rec[4] != "" || rec[5] != "x" {
			t.Fatalf("engineers in CSV: %v", rec)
		}
	})
	t.Run("WithheldProgramme", func(t *testing.T) {
		var c openDataJSON
		if err := json.Unmarshal([]byte(b.get("/progress/data.json?programme=cyber").Body), &c); err != nil {
			t.Fatal(err)
		}
		p := c.Breakdowns["prefecture"]
		if c.Headline.Learners != 2 || p.Published || len(p.Rows) != 0 || p.Total.Learners != nil || p.Total.Suppressed == nil {
			t.Fatalf("cyber: %+v", c)
		}
		body := b.get("/progress/data.csv?programme=cyber").Body
		if !strings.Contains(body, "prefecture,_total,合計,Total,,<10,,") || strings.Contains(body, "prefecture,13,") {
			t.Fatalf("cyber CSV publishes a withheld breakdown:\n%s", body)
		}
	})
	t.Run("ConditionalAndUnknown", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodGet, b.base+"/progress/data.json", nil)
		req.Header.Set("If-None-Match", rj.Header.Get("ETag"))
		if r := b.do(req); r.StatusCode != http.StatusNotModified {
			t.Fatalf("If-None-Match: %d, want 304", r.StatusCode)
		}
		if r := b.get("/progress/data.json?programme=nope"); r.StatusCode != http.StatusNotFound || !strings.Contains(r.Body, "error") {
			t.Fatalf("unknown programme JSON: %d %s", r.StatusCode, r.Body)
		}
		if r := b.get("/progress/data.csv?programme=nope"); r.StatusCode != http.StatusNotFound {
			t.Fatalf("unknown programme CSV: %d", r.StatusCode)
		}
	})
}

func TestMethodologyPage(t *testing.T) {
	t.Parallel()
	w := newProgressWorld(t)
	b := w.ta.newBrowser(t)
	for _, tc := range []struct{ lang, title, area, course, k string }{
		{"ja", "集計方法", "AI・データ活用", "セキュリティ入門（進捗大学）", "「<10」"},
		{"en", "How the national figures are counted", "AI and data", "Security basics (Progress University)", `"<10"`},
	} {
		t.Run(tc.lang, func(t *testing.T) {
			progressLang(t, b, tc.lang)
			r := b.get("/progress/methodology")
			d := r.Doc(t)
			if r.StatusCode != http.StatusOK || !strings.Contains(d.Find("h1").Text(), tc.title) {
				t.Fatalf("status %d, h1 %q", r.StatusCode, d.Find("h1").Text())
			}
			if !strings.Contains(d.Find("#programme-ai-ready").Text(), tc.area) || !strings.Contains(d.Find("#programme-cyber").Text(), tc.course) {
				t.Fatalf("qualifying rules missing:\n%s\n%s", d.Find("#programme-ai-ready").Text(), d.Find("#programme-cyber").Text())
			}
			for _, id := range []string{"#counting", "#rates", "#freshness", "#disclosure", "#reconcile", "#open-data"} {
				if strings.TrimSpace(d.Find(id).Text()) == "" {
					t.Fatalf("section %s missing", id)
				}
			}
			if !strings.Contains(d.Find("#disclosure").Text(), tc.k) || strings.Contains(r.Body, "[progress.") {
				t.Fatal("disclosure rule without k, or a missing message")
			}
		})
	}
}

// TestProgressBrowser: a visitor opens the national progress page, sees the
// headline and the tile map with its table, follows the open-data links
// and reads the methodology, in Japanese and English; axe finds no WCAG
// violation on either page in either language.
func TestProgressBrowser(t *testing.T) {
	w := newProgressWorld(t)
	ctx := newChrome(t)
	do(t, ctx, chromedp.Navigate(w.ta.URL+"/progress"), chromedp.WaitVisible(chromedp.CSS("#headline-learners")))
	if got := text(t, ctx, "#headline-learners"); got != "25" {
		t.Fatalf("headline %q", got)
	}
	if got := text(t, ctx, `#table-prefecture tr[data-code="01"] td.pg-count`); got != "<10" {
		t.Fatalf("Hokkaido %q", got)
	}
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#prefecture-map")))
	checkAxe(t, ctx, "progress (ja)")

	csvHref := attr(t, ctx, "#link-csv", "href")
	if r := w.ta.newBrowser(t).get(csvHref); r.StatusCode != http.StatusOK || !strings.HasPrefix(r.Body, "\ufeffsection,code") {
		t.Fatalf("CSV link %s: %d", csvHref, r.StatusCode)
	}
	clickAndWaitNewPage(t, ctx, "#link-json")
	if loc := location(t, ctx); !strings.Contains(loc, "/progress/data.json?programme=ai-ready") {
		t.Fatalf("JSON link went to %s", loc)
	}
	if body := text(t, ctx, "body"); !strings.Contains(body, `"takumi-progress/1"`) || !strings.Contains(body, `"suppressed": "<10"`) {
		t.Fatalf("JSON page: %.300s", body)
	}
	do(t, ctx, chromedp.Navigate(w.ta.URL+"/progress"), chromedp.WaitVisible(chromedp.CSS("#link-methodology")))
	clickAndWaitNewPage(t, ctx, "#link-methodology")
	if got := text(t, ctx, "h1"); got != "集計方法" {
		t.Fatalf("methodology h1 %q", got)
	}
	checkAxe(t, ctx, "methodology (ja)")

	clickAndWaitNewPage(t, ctx, `form.lang-switch button[value="en"]`)
	if got := text(t, ctx, "h1"); got != "How the national figures are counted" {
		t.Fatalf("methodology in English: %q", got)
	}
	checkAxe(t, ctx, "methodology (en)")
	do(t, ctx, chromedp.Navigate(w.ta.URL+"/progress?programme=cyber"), chromedp.WaitVisible(chromedp.CSS("#headline-learners")))
	checkAxe(t, ctx, "progress, withheld breakdowns (en)")
	do(t, ctx, chromedp.Navigate(w.ta.URL+"/progress"), chromedp.WaitVisible(chromedp.CSS("#prefecture-map")))
	if got := text(t, ctx, "h1"); got != "National progress" {
		t.Fatalf("progress in English: %q", got)
	}
	// The switcher works without script: a plain GET form.
	do(t, ctx, chromedp.SetValue(chromedp.CSS("#f-programme"), "cyber"))
	clickAndWaitNewPage(t, ctx, "#programme-switcher button")
	if loc := location(t, ctx); !strings.Contains(loc, "programme=cyber") {
		t.Fatalf("switcher went to %s", loc)
	}
	do(t, ctx, chromedp.Navigate(w.ta.URL+"/progress"), chromedp.WaitVisible(chromedp.CSS("#prefecture-map")))
	checkAxe(t, ctx, "progress (en)")
}

// --- benchmarks ---

// progressBenchApp is the real app on a database whose rollups look like a
// national programme's: every day since 1 January 2026 has a count for
// every prefecture, industry, skill area, segment and provider (and the
// prefecture × industry cross-tabulation), written straight into the
// engine's tables.
func progressBenchApp(b *testing.B) (http.Handler, *database.DB) {
	b.Helper()
	db := dbtest.New(b)
	progressBenchSeed(b, db)
	cfg, err := config.Load()
	if err != nil {
		b.Fatal(err)
	}
	cfg.Env = config.EnvDevelopment
	cfg.BaseURL = "http://127.0.0.1:8080"
	cfg.DataDir = b.TempDir()
	cfg.SMTPHost = ""
	a, err := app.New(cfg, db, slog.New(slog.NewJSONHandler(io.Discard, nil)))
	if err != nil {
		b.Fatal(err)
	}
	return a.Handler(), db
}

// progressBenchSeed writes the rollups of a flagship programme with about
// 700 learners a day (≈ 230,000 so far), plus a second programme, so the
// indexes hold other rows too.
func progressBenchSeed(b *testing.B, db *database.DB) { progressBenchSeedT(b, db) }

func progressBenchSeedT(b testing.TB, db *database.DB) {
	b.Helper()
	g := db.Gorm
	stmts := []string{
		`INSERT INTO programmes (code, name_ja, name_en, target, starts_on, ends_on, flagship, skill_areas)
		 VALUES ('ai-ready', 'AI人材100万人', '1,000,000 AI-ready workers', 1000000, '2026-01-01', '2030-12-31', true, '{ai_data,generative_ai}'),
		        ('cyber', 'セキュリティ人材', 'Cybersecurity workforce', 50000, '2026-01-01', '2028-03-31', false, '{cybersecurity}')`,
		`CREATE TEMP TABLE bench_days AS SELECT d::date AS day FROM generate_series('2026-01-01'::date, (now() AT TIME ZONE 'Asia/Tokyo')::date, '1 day') d`,
		`CREATE TEMP TABLE bench_values AS
		   SELECT 'prefecture' AS dim, code::text AS v, population_thousands::float / 126000 AS w FROM prefectures
		   UNION ALL SELECT 'industry', code::text, 1.0 / 20 FROM industries
		   UNION ALL SELECT 'skill_area', code, 1.0 / 9 FROM skill_areas
		   UNION ALL SELECT 'segment', s, 1.0 / 3 FROM unnest(ARRAY['engineer','developer','other']) s
		   UNION ALL SELECT 'provider', gen_random_uuid()::text, 1.0 / 100 FROM generate_series(1, 100)
		   UNION ALL SELECT d, '', 0.01 FROM unnest(ARRAY['prefecture','industry','segment']) d`,
		`INSERT INTO progress_rollup (programme_id, d1, d2, day, v1, v2, learners)
		   SELECT p.id, v.dim, '', d.day, v.v, '', greatest(0, round(700 * v.w * (0.5 + random())))::bigint
		   FROM programmes p, bench_days d, bench_values v`,
		`INSERT INTO progress_rollup (programme_id, d1, d2, day, v1, v2, learners)
		   SELECT p.id, 'industry', 'prefecture', d.day, i.v, pr.v, round(700 * i.w * pr.w * (0.5 + random()))::bigint
		   FROM programmes p, bench_days d, bench_values i, bench_values pr WHERE i.dim = 'industry' AND pr.dim = 'prefecture'`,
		`INSERT INTO progress_rollup (programme_id, d1, d2, day, v1, v2, learners)
		   SELECT programme_id, '', '', day, '', '', sum(learners) FROM progress_rollup WHERE d1 = 'prefecture' AND d2 = '' GROUP BY 1, 4`,
		// The engine keeps the monthly rollup beside the daily one.
		`INSERT INTO progress_monthly (programme_id, d1, d2, month, v1, v2, learners)
		   SELECT programme_id, d1, d2, date_trunc('month', day)::date, v1, v2, sum(learners) FROM progress_rollup GROUP BY 1, 2, 3, 4, 5, 6`,
		`UPDATE progress_engine_state SET updated_at = now()`,
		`ANALYZE progress_rollup`,
		`ANALYZE progress_monthly`,
	}
	for _, s := range stmts {
		if err := g.Exec(s).Error; err != nil {
			b.Fatal(err)
		}
	}
	var rows, learners int64
	g.Raw(`SELECT count(*) FROM progress_rollup`).Scan(&rows)
	g.Raw(`SELECT sum(learners) FROM progress_rollup p JOIN programmes g ON g.id = p.programme_id AND g.flagship WHERE d1 = '' AND d2 = ''`).Scan(&learners)
	b.Logf("progress_rollup: %d rows; flagship: %d learners", rows, learners)
}

func benchGet(b *testing.B, h http.Handler, path, want string) {
	b.Helper()
	req := httptest.NewRequest(http.MethodGet, path, nil)
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), want) {
		b.Fatalf("%s: status %d\n%.400s", path, w.Code, w.Body.String())
	}
}

// benchProgress requests path b.N times (before each, prepare runs outside
// the timer) and reports the 95th percentile besides the mean.
func benchProgress(b *testing.B, h http.Handler, path, want string, prepare func()) {
	b.Helper()
	benchGet(b, h, path, want) // warm up: connections, prepared statements
	var times []time.Duration
	for b.Loop() {
		if prepare != nil {
			b.StopTimer()
			prepare()
			b.StartTimer()
		}
		start := time.Now()
		benchGet(b, h, path, want)
		times = append(times, time.Since(start))
	}
	slices.Sort(times)
	b.ReportMetric(float64(times[(len(times)*95+99)/100-1].Microseconds())/1000, "p95-ms")
}

// bumpEngine moves the engine's position as a batch would, so the next view
// recomputes its figures.
func bumpEngine(b *testing.B, db *database.DB) func() {
	return func() {
		if err := db.Gorm.Exec(`UPDATE progress_engine_state SET applied = applied + 1`).Error; err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkProgressPage measures /progress's server time through the real
// router and middleware, without the network, while the engine has not
// moved since the last view (the figures come from the cache).
func BenchmarkProgressPage(b *testing.B) {
	h, _ := progressBenchApp(b)
	benchProgress(b, h, "/progress", "headline-learners", nil)
}

// BenchmarkProgressPageUncached is BenchmarkProgressPage when every view
// finds the engine moved on since the last (as under a constant stream of
// events, the first view after each 2-second batch): the figures are read
// again.
func BenchmarkProgressPageUncached(b *testing.B) {
	h, db := progressBenchApp(b)
	benchProgress(b, h, "/progress", "headline-learners", bumpEngine(b, db))
}

// BenchmarkProgressJSON measures /progress/data.json likewise (cached).
func BenchmarkProgressJSON(b *testing.B) {
	h, _ := progressBenchApp(b)
	benchProgress(b, h, "/progress/data.json", "takumi-progress/1", nil)
}

// BenchmarkProgressJSONUncached is BenchmarkProgressJSON with a recompute
// on every request.
func BenchmarkProgressJSONUncached(b *testing.B) {
	h, db := progressBenchApp(b)
	benchProgress(b, h, "/progress/data.json", "takumi-progress/1", bumpEngine(b, db))
}
