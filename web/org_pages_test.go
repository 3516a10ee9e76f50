package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestOrgMemberPages: an organisation of 61 members shows 50 on the first
// page with the count of all 61 and a link to the next page, which shows
// the other 11 and a link back to the first; an htmx role change of a
// member on the second page answers with that member's row.
func TestOrgMemberPages(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	b, _, orgID := orgAdminSignedIn(t, ta, "org-pages-hr@example.jp", "ページ株式会社", "employer")
	if err := ta.DB.Gorm.Exec(`WITH u AS (
			INSERT INTO users (email, password_hash, display_name, privacy_notice_version, consented_at)
			SELECT 'pages' || lpad(i::text, 2, '0') || '@example.jp', 'x', '社員 ' || lpad(i::text, 2, '0'), 'v', now()
			FROM generate_series(1, 60) i RETURNING id)
		INSERT INTO memberships (org_id, user_id, role) SELECT ?, id, 'member' FROM u`, orgID).Error; err != nil {
		t.Fatal(err)
	}
	page := "/org/" + orgID
	doc := b.get(page).Doc(t)
	if rows := doc.Find("#members tbody tr").Length(); rows != 50 {
		t.Fatalf("first page: %d rows", rows)
	}
	if h := doc.Find("#members-heading").Text(); !strings.Contains(h, "61") {
		t.Fatalf("heading %q: want the count of all 61", h)
	}
	if doc.Find("#members-first").Length() != 0 {
		t.Fatal("the first page links to itself")
	}
	next, ok := doc.Find("#members-next").Attr("href")
	if !ok || !strings.HasPrefix(next, page+"?after=") {
		t.Fatalf("next link %q", next)
	}
	doc = b.get(next).Doc(t)
	rows := doc.Find("#members tbody tr")
	if rows.Length() != 11 || doc.Find("#members-next").Length() != 0 || doc.Find("#members-first").AttrOr("href", "") != page {
		t.Fatalf("second page: %d rows, next %d, first %q", rows.Length(), doc.Find("#members-next").Length(),
			doc.Find("#members-first").AttrOr("href", ""))
	}
	last := doc.Find(`#members tbody tr:contains("社員 60")`)
	if last.Length() != 1 {
		t.Fatalf("社員 60 is not on the second page: %q", rows.Text())
	}
	id := strings.TrimPrefix(last.AttrOr("id", ""), "member-")
	tok := b.csrf(page)
	req, _ := http.NewRequest(http.MethodPost, ta.URL+page+"/members/"+id+"/role", strings.NewReader(url.Values{"role": {"instructor"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("HX-Request", "true")
	req.Header.Set("X-CSRF-Token", tok)
	r := b.do(req)
	if r.StatusCode != http.StatusOK || !strings.Contains(r.Body, "社員 60") || !strings.Contains(r.Body, "講師") {
		t.Fatalf("htmx role change on page 2: %d\n%.300s", r.StatusCode, r.Body)
	}
}
