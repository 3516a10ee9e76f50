package web_test

import (
	"net/http"
	"testing"
	"time"

	"takumi/internal/fixtures"
)

// TestOrgPageViewAuditedOnce: one view of an organisation page writes one
// audit row.
func TestOrgPageViewAuditedOnce(t *testing.T) {
	ta := startApp(t)
	b, _, orgID := orgAdminSignedIn(t, ta, "audit-once@example.jp", "監査一回株式会社", "employer")
	count := func() (n int64) {
		ta.DB.Gorm.Raw(`SELECT count(*) FROM audit_events WHERE org_id = ? AND action LIKE '%viewed'`, orgID).Scan(&n)
		return n
	}
	before := count()
	// Chromium prerenders a URL being typed in the address bar: that
	// speculative request is refused, so only the real view is audited.
	req, _ := http.NewRequest(http.MethodGet, ta.URL+"/org/"+orgID, nil)
	req.Header.Set("Sec-Purpose", "prefetch;prerender")
	if r := b.do(req); r.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("prerender of the organisation page: %d, want 503", r.StatusCode)
	}
	if r := b.get("/org/" + orgID); r.StatusCode != 200 {
		t.Fatalf("org page: %d", r.StatusCode)
	}
	if got := count() - before; got != 1 {
		t.Fatalf("one view of the organisation page wrote %d audit rows, want 1", got)
	}
}

// TestOrgPageViewAuditedOnceBrowser: the same in a real browser, which
// also fetches what the page links to.
func TestOrgPageViewAuditedOnceBrowser(t *testing.T) {
	ta := startApp(t)
	const email = "audit-once-browser@example.jp"
	id, secret := adminTOTPUser(t, ta, email, false)
	orgID := fixtures.MustAddMember(t, ta.DB, "監査ブラウザ株式会社", "employer", id, "admin", false)
	ctx := newChrome(t)
	chromeSignIn(t, ctx, ta, "/org/"+orgID, email, secret, "main h1")
	time.Sleep(time.Second)
	var rows []struct{ Action, Details string }
	ta.DB.Gorm.Raw(`SELECT action, details FROM audit_events WHERE org_id = ? ORDER BY id`, orgID).Scan(&rows)
	if len(rows) != 1 {
		t.Fatalf("one view of the organisation page in a browser wrote %d audit rows, want 1: %+v", len(rows), rows)
	}
}
