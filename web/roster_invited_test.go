package web_test

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/chromedp/chromedp"

	"takumi/internal/fixtures"
	"takumi/internal/jst"
)

// rosterInvitedFile enrols, in bulk-web-101, two people with accounts
// (staff1, staff2) and two without (new1, new2).
const rosterInvitedFile = bulkWebHeader +
	"staff1@example.jp,職員 一,13,G,engineer,bulk-web-101,\n" +
	"staff2@example.jp,職員 二,13,G,engineer,bulk-web-101,\n" +
	"new1@example.jp,新人 一,13,G,engineer,bulk-web-101,\n" +
	"new2@example.jp,新人 二,27,E,other,bulk-web-101,\n"

// bulkImportHTTP runs a bulk enrolment as the admin's forms do (dry run,
// then import) and waits until the import has finished.
func bulkImportHTTP(t *testing.T, b *browser, ta *testApp, orgID, content string) {
	t.Helper()
	doc := bulkUpload(t, b, orgID, "people.csv", []byte(content)).Doc(t)
	sha, ok := doc.Find(`#bulk-run-form input[name="sha256"]`).Attr("value")
	if !ok {
		t.Fatalf("the dry run offers no import: %s", doc.Find("main").Text())
	}
	r := b.post("/org/"+orgID+"/enrolments", "/org/"+orgID+"/enrolments/import", url.Values{"sha256": {sha}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("import: status %d", r.StatusCode)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		var done int
		ta.DB.Gorm.Raw(`SELECT count(*) FROM enrolment_imports WHERE org_id = ? AND finished_at IS NOT NULL`, orgID).Row().Scan(&done)
		if done > 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("the import did not finish")
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// rosterEmails lists the e-mail addresses of a roster page's rows, sorted.
func rosterEmails(doc *goquery.Document, sel string) []string {
	var out []string
	doc.Find(sel).Each(func(_ int, tr *goquery.Selection) {
		out = append(out, strings.TrimSpace(tr.Find("th .hint").First().Text()))
	})
	sort.Strings(out)
	return out
}

// TestRosterInvited (issue 14, item 1): people enrolled in bulk without an
// account are on the roster as invited, with the course, the date and a
// resend button; "not started" covers them and the registered who have not
// begun; the CSV has them; in Japanese and English.
func TestRosterInvited(t *testing.T) {
	t.Parallel()
	w := bulkWebSetup(t)
	ta := w.ta
	// The two with accounts are the organisation's members, so their
	// progress needs no consent (issue 15, finding 2).
	for _, e := range []string{"staff1@example.jp", "staff2@example.jp"} {
		id := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: e, Name: map[string]string{"staff1@example.jp": "職員 一", "staff2@example.jp": "職員 二"}[e]})
		fixtures.MustCreateMembership(t, ta.DB, w.orgA, id, "member", false)
	}
	a := ta.signedIn(t, w.adminA, w.secret)
	bulkImportHTTP(t, a, ta, w.orgA, rosterInvitedFile)
	// staff2 has begun.
	ta.DB.Gorm.Exec(`UPDATE enrolments SET progress_percent = 30, last_activity_at = now()
		WHERE user_id = (SELECT id FROM users WHERE email = 'staff2@example.jp')`)
	base := "/org/" + w.orgA + "/roster"
	today := jst.Date(time.Now())

	t.Run("InvitedRows", func(t *testing.T) {
		doc := a.get(base).Doc(t)
		if got := strings.Join(rosterEmails(doc, "#roster tbody tr.roster-invited"), " "); got != "new1@example.jp new2@example.jp" {
			t.Fatalf("invited rows %q", got)
		}
		doc.Find("#roster tbody tr.roster-invited").Each(func(_ int, tr *goquery.Selection) {
			tds := tr.Find("td")
			if c := strings.TrimSpace(tds.Eq(0).Text()); c != "生成AI入門" {
				t.Errorf("invited row's course %q", c)
			}
			if s := tr.Find(".roster-status").Text(); s != "招待中" {
				t.Errorf("invited row's status %q", s)
			}
			if d := tr.Find(".roster-invited-on").Text(); !strings.Contains(d, "招待日 "+today) {
				t.Errorf("invited row's date %q, want %s", d, today)
			}
			if tr.Find("progress").Length() != 0 {
				t.Error("an invited row shows progress")
			}
			form := tr.Find("form.roster-resend")
			action, _ := form.Attr("action")
			if method, _ := form.Attr("method"); method != "post" || !strings.HasPrefix(action, base+"/invitations/") ||
				form.Find(`input[name="_csrf"]`).Length() != 1 {
				t.Errorf("resend form %q %q", method, action)
			}
		})
		if c := doc.Find("#roster-count").Text(); !strings.Contains(c, "5人・5件") {
			t.Errorf("count %q, want 5 people (the admin, 2 staff, 2 invited)", c)
		}
	})
	t.Run("Filters", func(t *testing.T) {
		for _, c := range []struct{ query, want string }{
			{"?status=not_started", "new1@example.jp new2@example.jp staff1@example.jp"},
			{"?status=invited", "new1@example.jp new2@example.jp"},
			{"?status=active", "staff1@example.jp staff2@example.jp"},
			{"?flagged=1", ""},
			{"?status=not_started&q=" + url.QueryEscape("新人 二"), "new2@example.jp"},
			{"?status=invited&course=" + w.courseID, "new1@example.jp new2@example.jp"},
		} {
			if got := strings.Join(rosterEmails(a.get(base+c.query).Doc(t), "#roster tbody tr"), " "); got != c.want {
				t.Errorf("%s: rows %q, want %q", c.query, got, c.want)
			}
		}
		doc := a.get(base).Doc(t)
		if doc.Find(`#f-status option[value="not_started"]`).Text() != "未着手" || doc.Find(`#f-status option[value="invited"]`).Text() != "招待中" {
			t.Error("the status filter does not offer 未着手 and 招待中")
		}
		if doc.Find(`#f-course option[value="`+w.courseID+`"]`).Length() != 1 {
			t.Error("the course filter does not offer the course")
		}
	})
	t.Run("CSV", func(t *testing.T) {
		rows := rosterCSVRows(t, a.get(base+".csv?status=not_started"))
		if len(rows) != 4 || rows[0][11] != "招待日時" {
			t.Fatalf("CSV %q", rows)
		}
		got := map[string][]string{}
		for _, r := range rows[1:] {
			got[r[1]] = r
		}
		n := got["new1@example.jp"]
		if n == nil || n[0] != "新人 一" || n[3] != "生成AI入門" || n[4] != "招待中" || n[5] != "" || !strings.HasPrefix(n[11], today) {
			t.Errorf("new1's CSV row %q", n)
		}
		if s := got["staff1@example.jp"]; s == nil || s[4] != "受講中" || s[5] != "0" || s[11] != "" {
			t.Errorf("staff1's CSV row %q", s)
		}
	})
	t.Run("Resend", func(t *testing.T) {
		doc := a.get(base + "?status=not_started").Doc(t)
		form := doc.Find(`tr.roster-invited:contains("new1@example.jp") form.roster-resend`)
		action, _ := form.Attr("action")
		back, _ := form.Find(`input[name="back"]`).Attr("value")
		if back != "?status=not_started" {
			t.Errorf("back %q", back)
		}
		var before []byte
		ta.DB.Gorm.Raw(`SELECT token_hash FROM invitations WHERE email = 'new1@example.jp'`).Row().Scan(&before)
		r := a.post(base, action, url.Values{"back": {back}})
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != base+"?status=not_started" {
			t.Fatalf("resend: status %d, Location %q", r.StatusCode, r.Header.Get("Location"))
		}
		var after []byte
		ta.DB.Gorm.Raw(`SELECT token_hash FROM invitations WHERE email = 'new1@example.jp'`).Row().Scan(&after)
		if string(before) == string(after) {
			t.Error("the invitation was not sent again (same link)")
		}
		if body := a.follow(r).Body; !strings.Contains(body, "新しいリンクで招待を再送しました") {
			t.Error("no notice after the resend")
		}
		// Only a query string survives "back".
		r = a.post(base, action, url.Values{"back": {"//evil.example/x?status=invited"}})
		if loc := r.Header.Get("Location"); !strings.HasPrefix(loc, base) {
			t.Errorf("back led to %q", loc)
		}
		// Without the form's token: refused.
		if r := a.postRaw(action, url.Values{}); r.StatusCode != http.StatusForbidden {
			t.Errorf("resend without CSRF: status %d", r.StatusCode)
		}
	})
	t.Run("English", func(t *testing.T) {
		a.post("/", "/language", url.Values{"lang": {"en"}, "return_to": {base}})
		doc := a.get(base + "?status=not_started").Doc(t)
		tr := doc.Find(`tr.roster-invited:contains("new2@example.jp")`)
		if tr.Find(".roster-status").Text() != "Invited" || !strings.Contains(tr.Find(".roster-invited-on").Text(), "Invited "+today) ||
			tr.Find("form.roster-resend button").Text() != "Resend invitation" {
			t.Errorf("English invited row %q", tr.Text())
		}
		if doc.Find(`#f-status option[value="not_started"]`).Text() != "Not started" {
			t.Error("no Not started filter in English")
		}
		rows := rosterCSVRows(t, a.get(base+".csv?status=invited"))
		if len(rows) != 3 || rows[0][11] != "Invited at" || rows[1][4] != "Invited" {
			t.Errorf("English CSV %q", rows)
		}
	})
}

// TestRosterInvitedBrowserJourney: HR bulk-enrols people without accounts
// through the upload page, opens the roster from the organisation page,
// sees them as invited with the course, filters "not started", then does
// the same in English; axe on each page, no console error.
func TestRosterInvitedBrowserJourney(t *testing.T) {
	w := bulkWebSetup(t)
	ta := w.ta
	// The two with accounts are the organisation's members, so their
	// progress needs no consent (issue 15, finding 2).
	for _, e := range []string{"staff1@example.jp", "staff2@example.jp"} {
		id := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: e, Name: map[string]string{"staff1@example.jp": "職員 一", "staff2@example.jp": "職員 二"}[e]})
		fixtures.MustCreateMembership(t, ta.DB, w.orgA, id, "member", false)
	}
	file := filepath.Join(t.TempDir(), "people.csv")
	os.WriteFile(file, []byte(rosterInvitedFile), 0o600)

	ctx := newChrome(t)
	chromeSignIn(t, ctx, ta, "/org/"+w.orgA+"/enrolments", w.adminA, w.secret, "#f-file")
	do(t, ctx, chromedp.SetUploadFiles(chromedp.CSS("#f-file"), []string{file}))
	clickAndWaitNewPage(t, ctx, `#bulk-form button[type="submit"]`)
	// One count for "enrol or invite" (issue 15, finding 3: the dry run does
	// not tell which addresses have accounts).
	if got := text(t, ctx, "#sum-enrol"); got != "4" {
		t.Fatalf("summary enrol or invite %s", got)
	}
	clickAndWaitNewPage(t, ctx, "#bulk-run")
	deadline := time.Now().Add(20 * time.Second)
	for text(t, ctx, "#bulk-status") != "完了" {
		if time.Now().After(deadline) {
			t.Fatalf("the import did not finish: %q", text(t, ctx, "#bulk-progress"))
		}
		time.Sleep(300 * time.Millisecond)
	}
	ta.DB.Gorm.Exec(`UPDATE enrolments SET progress_percent = 30, last_activity_at = now()
		WHERE user_id = (SELECT id FROM users WHERE email = 'staff2@example.jp')`)

	do(t, ctx, chromedp.Navigate(ta.URL+"/org/"+w.orgA), chromedp.WaitVisible(chromedp.CSS("#roster-link")))
	clickAndWaitNewPage(t, ctx, "#roster-link")
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#roster")))
	invited := func() []string {
		return get(t, ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#roster tr.roster-invited')].map(tr =>
			tr.querySelector('th .hint').textContent.trim() + '|' + tr.querySelector('td').textContent.trim() + '|' + tr.querySelector('.roster-status').textContent.trim())`))
	}
	if got := strings.Join(invited(), ","); got != "new1@example.jp|生成AI入門|招待中,new2@example.jp|生成AI入門|招待中" {
		t.Fatalf("invited rows %q", got)
	}
	checkAxe(t, ctx, "roster with invited people")

	do(t, ctx, chromedp.SetValue(chromedp.CSS("#f-status"), "not_started"))
	clickAndWaitNewPage(t, ctx, `#roster-filters button[type="submit"]`)
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#roster")))
	rows := func() string {
		return strings.Join(get(t, ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll('#roster tbody th .hint')].map(e => e.textContent.trim()).sort()`)), ",")
	}
	if got := rows(); got != "new1@example.jp,new2@example.jp,staff1@example.jp" {
		t.Fatalf("not started: %s", got)
	}
	if !strings.Contains(location(t, ctx), "status=not_started") {
		t.Errorf("the filter is not in the URL: %s", location(t, ctx))
	}
	checkAxe(t, ctx, "roster, not started")

	// Resend from the filtered roster: back on the same filtered page.
	clickAndWaitNewPage(t, ctx, `#roster tr.roster-invited form.roster-resend button`)
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#roster")))
	if !strings.Contains(location(t, ctx), "/roster?status=not_started") {
		t.Errorf("after resending: %s", location(t, ctx))
	}

	// English, through the header's language switch.
	clickAndWaitNewPage(t, ctx, `form.lang-switch button[value="en"]`)
	do(t, ctx, chromedp.Navigate(ta.URL+"/org/"+w.orgA+"/roster?status=not_started"), chromedp.WaitVisible(chromedp.CSS("#roster")))
	if lang := attr(t, ctx, "html", "lang"); lang != "en" {
		t.Fatalf("the page is not in English (html lang %q)", lang)
	}
	if got := rows(); got != "new1@example.jp,new2@example.jp,staff1@example.jp" {
		t.Fatalf("not started (en): %s", got)
	}
	if got := strings.Join(invited(), ","); !strings.Contains(got, "new1@example.jp|生成AI入門|Invited") {
		t.Fatalf("invited rows (en) %q", got)
	}
	checkAxe(t, ctx, "roster, not started (en)")
}
