package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/chromedp/chromedp"
	"github.com/pquerna/otp/totp"

	"takumi/internal/fixtures"
)

// adminTOTPUser creates an account with two-factor sign-in enabled and
// returns its id and TOTP secret.
func adminTOTPUser(t *testing.T, ta *testApp, email string, platformAdmin bool) (id, secret string) {
	t.Helper()
	key, err := totp.Generate(totp.GenerateOpts{Issuer: "Takumi", AccountName: email})
	if err != nil {
		t.Fatal(err)
	}
	id = fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: email, PlatformAdmin: platformAdmin, TOTPSecret: key.Secret(), Name: "管理 " + strings.Split(email, "@")[0]})
	return id, key.Secret()
}

// adminSignedIn returns a browser signed in as a new platform admin, and
// the admin's id.
func adminSignedIn(t *testing.T, ta *testApp, email string) (*browser, string) {
	t.Helper()
	id, secret := adminTOTPUser(t, ta, email, true)
	b := ta.signedIn(t, email, secret)
	return b, id
}

// adminCreateOrg creates an organisation through the admin form and returns its id.
func adminCreateOrg(t *testing.T, b *browser, nameJa, kind string) string {
	t.Helper()
	r := b.post("/admin/orgs/new", "/admin/orgs/new", url.Values{"name_ja": {nameJa}, "name_en": {nameJa + " EN"}, "kind": {kind}})
	loc := r.Header.Get("Location")
	if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/admin/orgs/") {
		t.Fatalf("create org %s: status %d to %q\n%.600s", nameJa, r.StatusCode, loc, r.Body)
	}
	return strings.TrimPrefix(loc, "/admin/orgs/")
}

// adminAuditCount counts audit events with action (and org, when given).
func adminAuditCount(t *testing.T, ta *testApp, action, orgID string) int {
	t.Helper()
	var n int
	q := "SELECT count(*) FROM audit_events WHERE action = ?"
	args := []any{action}
	if orgID != "" {
		q += " AND org_id = ?"
		args = append(args, orgID)
	}
	if err := ta.DB.Gorm.Raw(q, args...).Row().Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestAdminRoutesRefuseOthers walks every /admin and /org route: anonymous
// visitors are sent to sign in (or get 401 on POST), learners get 403.
func TestAdminRoutesRefuseOthers(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	learner := ta.newBrowser(t)
	fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "admin-routes-learner@example.jp"})
	ta.signIn(t, learner, "admin-routes-learner@example.jp", fixtures.Password, "")
	anon := ta.newBrowser(t)
	anonToken, learnerToken := anon.csrf("/"), learner.csrf("/")
	const someID = "3f2504e0-4f89-41d3-9a0c-0305e82c3301"
	checked := 0
	for _, rt := range ta.App.Server.Echo().Routes() {
		if !(strings.HasPrefix(rt.Path, "/admin") || strings.HasPrefix(rt.Path, "/org")) ||
			(rt.Method != http.MethodGet && rt.Method != http.MethodPost) {
			continue
		}
		parts := strings.Split(rt.Path, "/")
		for i, p := range parts {
			if strings.HasPrefix(p, ":") {
				parts[i] = someID
			}
		}
		path := strings.Join(parts, "/")
		checked++
		t.Run(rt.Method+" "+rt.Path, func(t *testing.T) {
			var ra, rl *response
			if rt.Method == http.MethodGet {
				ra, rl = anon.get(path), learner.get(path)
			} else {
				ra = anon.postRaw(path, url.Values{"_csrf": {anonToken}})
				rl = learner.postRaw(path, url.Values{"_csrf": {learnerToken}})
			}
			if rt.Method == http.MethodGet && (ra.StatusCode != http.StatusSeeOther || !strings.HasPrefix(ra.Header.Get("Location"), "/login?next=")) {
				t.Errorf("anonymous GET %s: %d to %q, want 303 to /login", path, ra.StatusCode, ra.Header.Get("Location"))
			}
			if rt.Method == http.MethodPost && ra.StatusCode != http.StatusUnauthorized {
				t.Errorf("anonymous POST %s: %d, want 401", path, ra.StatusCode)
			}
			if rl.StatusCode != http.StatusForbidden {
				t.Errorf("learner %s %s: %d, want 403", rt.Method, path, rl.StatusCode)
			}
		})
	}
	if checked < 15 {
		t.Fatalf("only %d admin and org routes found", checked)
	}
}

func TestAdminOrganisations(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	b, _ := adminSignedIn(t, ta, "admin-orgs@example.jp")

	t.Run("Overview", func(t *testing.T) {
		r := b.get("/admin")
		if r.StatusCode != http.StatusOK {
			t.Fatalf("GET /admin: %d", r.StatusCode)
		}
		counts := r.Doc(t).Find("#overview-counts").Text()
		if !strings.Contains(counts, "利用者数") || !strings.Contains(counts, "1") {
			t.Fatalf("overview counts: %q", counts)
		}
	})
	t.Run("ErrKeepsValues", func(t *testing.T) {
		r := b.post("/admin/orgs/new", "/admin/orgs/new", url.Values{"name_ja": {""}, "name_en": {"Typed Name"}, "kind": {"provider"}, "prefecture": {"27"}})
		if r.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("status %d, want 422", r.StatusCode)
		}
		doc := r.Doc(t)
		if v, _ := doc.Find("#f-name_en").Attr("value"); v != "Typed Name" {
			t.Errorf("name_en not kept: %q", v)
		}
		if v, _ := doc.Find("#f-kind option[selected]").Attr("value"); v != "provider" {
			t.Errorf("kind not kept: %q", v)
		}
		if v, _ := doc.Find("#f-prefecture option[selected]").Attr("value"); v != "27" {
			t.Errorf("prefecture not kept: %q", v)
		}
		if msg := doc.Find("#f-name_ja-error").Text(); !strings.Contains(msg, "組織名") {
			t.Errorf("no error next to name_ja: %q", msg)
		}
	})
	var employerID string
	t.Run("OK", func(t *testing.T) {
		employerID = adminCreateOrg(t, b, "テスト製作所", "employer")
		r := b.get("/admin/orgs/" + employerID)
		if r.StatusCode != http.StatusOK || !strings.Contains(r.Doc(t).Find("h1").Text(), "テスト製作所") {
			t.Fatalf("org page: %d %q", r.StatusCode, r.Doc(t).Find("h1").Text())
		}
		if !strings.Contains(b.get("/admin/orgs").Body, "テスト製作所") {
			t.Error("new organisation not in the list")
		}
		if adminAuditCount(t, ta, "org.created", employerID) != 1 {
			t.Error("org.created not audited")
		}
	})
	t.Run("ErrNameTaken", func(t *testing.T) {
		r := b.post("/admin/orgs/new", "/admin/orgs/new", url.Values{"name_ja": {"テスト製作所"}, "kind": {"employer"}})
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Doc(t).Find("#f-name_ja-error").Text(), "すでに") {
			t.Fatalf("duplicate name: %d %q", r.StatusCode, r.Doc(t).Find("#f-name_ja-error").Text())
		}
	})
	t.Run("InviteListed", func(t *testing.T) {
		r := b.post("/admin/orgs/"+employerID, "/admin/orgs/"+employerID+"/invitations", url.Values{"email": {"New.Hire@Example.jp"}, "role": {"admin"}})
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("invite: %d\n%.500s", r.StatusCode, r.Body)
		}
		if !strings.Contains(b.follow(r).Doc(t).Find("#invitations").Text(), "new.hire@example.jp") {
			t.Fatal("pending invitation not listed")
		}
		body, link := ta.waitMail(t, "new.hire@example.jp", "テスト製作所")
		if !strings.Contains(link, "/invitations/") || !strings.Contains(body, "招待されました") || !strings.Contains(body, "has invited you") {
			t.Fatalf("invitation email (ja + en for a new address):\n%s", body)
		}
		if adminAuditCount(t, ta, "org.invitation_sent", employerID) != 1 {
			t.Error("org.invitation_sent not audited")
		}
	})
	t.Run("ErrAlreadyInvited", func(t *testing.T) {
		r := b.post("/admin/orgs/"+employerID, "/admin/orgs/"+employerID+"/invitations", url.Values{"email": {"new.hire@example.jp"}, "role": {"member"}})
		if r.StatusCode != http.StatusUnprocessableEntity || r.Doc(t).Find("#f-email-error").Text() == "" {
			t.Fatalf("second invitation: %d, error %q", r.StatusCode, r.Doc(t).Find("#f-email-error").Text())
		}
	})
	t.Run("AnalystRefusedForEmployer", func(t *testing.T) {
		uid := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "admin-emp-member@example.jp"})
		ta.DB.Gorm.Exec("INSERT INTO memberships (org_id, user_id, role) VALUES (?, ?, 'member')", employerID, uid)
		r := b.post("/admin/orgs/"+employerID, "/admin/orgs/"+employerID+"/members/"+uid+"/analyst", url.Values{"grant": {"1"}})
		if r.StatusCode != http.StatusConflict || !strings.Contains(r.Body, "省庁") {
			t.Fatalf("analyst in employer org: %d", r.StatusCode)
		}
		var analyst bool
		ta.DB.Gorm.Raw("SELECT analyst FROM memberships WHERE org_id = ? AND user_id = ?", employerID, uid).Row().Scan(&analyst)
		if analyst {
			t.Fatal("analyst flag set in an employer organisation")
		}
	})
	t.Run("AnalystGrantedForMinistry", func(t *testing.T) {
		ministryID := adminCreateOrg(t, b, "テスト省", "ministry")
		uid := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "admin-min-member@example.jp", Name: "分析 太郎"})
		ta.DB.Gorm.Exec("INSERT INTO memberships (org_id, user_id, role) VALUES (?, ?, 'member')", ministryID, uid)
		r := b.post("/admin/orgs/"+ministryID, "/admin/orgs/"+ministryID+"/members/"+uid+"/analyst", url.Values{"grant": {"1"}})
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("grant analyst: %d\n%.400s", r.StatusCode, r.Body)
		}
		row := b.follow(r).Doc(t).Find("#members tbody tr").FilterFunction(func(_ int, s *goquery.Selection) bool {
			return strings.Contains(s.Text(), "分析 太郎")
		})
		if row.Find(".badge-ok").Length() != 1 {
			t.Fatalf("member row does not show the analyst flag: %q", row.Text())
		}
		if adminAuditCount(t, ta, "org.analyst_granted", ministryID) != 1 {
			t.Error("org.analyst_granted not audited")
		}
		r = b.post("/admin/orgs/"+ministryID, "/admin/orgs/"+ministryID+"/members/"+uid+"/analyst", url.Values{"grant": {"0"}})
		if r.StatusCode != http.StatusSeeOther || adminAuditCount(t, ta, "org.analyst_revoked", ministryID) != 1 {
			t.Fatalf("revoke analyst: %d", r.StatusCode)
		}
	})
}

func TestAdminUsers(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	b, adminID := adminSignedIn(t, ta, "admin-users@example.jp")
	victimID := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "victim_1@example.jp", Name: "対象 花子"})
	fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "victimx1@example.jp", Name: "別人 次郎"})
	victim := ta.signedIn(t, "victim_1@example.jp", "")

	t.Run("Search", func(t *testing.T) {
		doc := b.get("/admin/users?q=" + url.QueryEscape("花子")).Doc(t)
		if n := doc.Find("#users tbody tr").Length(); n != 1 || !strings.Contains(doc.Find("#users").Text(), "victim_1@example.jp") {
			t.Fatalf("search by name: %d rows", n)
		}
		// "_" is a LIKE wildcard; escaped, it matches only itself.
		doc = b.get("/admin/users?q=" + url.QueryEscape("victim_")).Doc(t)
		if n := doc.Find("#users tbody tr").Length(); n != 1 {
			t.Fatalf("search for a literal underscore matched %d rows, want 1", n)
		}
		if doc := b.get("/admin/users?q=%25&sort=email;DROP").Doc(t); doc.Find("#users tbody tr").Length() != 0 {
			t.Fatal("a literal % matched users")
		}
	})
	t.Run("ErrDisableSelf", func(t *testing.T) {
		r := b.post("/admin/users", "/admin/users/"+adminID+"/disable", nil)
		if r.StatusCode != http.StatusConflict {
			t.Fatalf("disable self: %d, want 409", r.StatusCode)
		}
	})
	t.Run("DisableEndsSessions", func(t *testing.T) {
		if r := victim.get("/account"); r.StatusCode != http.StatusOK {
			t.Fatalf("victim not signed in before: %d", r.StatusCode)
		}
		r := b.post("/admin/users", "/admin/users/"+victimID+"/disable", url.Values{"return_to": {"/admin/users?q=victim"}})
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/admin/users?q=victim" {
			t.Fatalf("disable: %d to %q", r.StatusCode, r.Header.Get("Location"))
		}
		if !strings.Contains(b.follow(r).Doc(t).Find("#user-"+victimID).Text(), "停止中") {
			t.Error("listing does not show the account as disabled")
		}
		r = victim.get("/account")
		if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
			t.Fatalf("disabled person's next request: %d to %q, want a redirect to /login", r.StatusCode, r.Header.Get("Location"))
		}
		again := ta.newBrowser(t)
		r = again.post("/login", "/login", url.Values{"email": {"victim_1@example.jp"}, "password": {fixtures.Password}})
		if r.StatusCode == http.StatusSeeOther {
			t.Fatal("a disabled account signed in")
		}
		if adminAuditCount(t, ta, "account.disabled", "") != 1 {
			t.Error("account.disabled not audited")
		}
	})
	t.Run("Enable", func(t *testing.T) {
		r := b.post("/admin/users", "/admin/users/"+victimID+"/enable", url.Values{"return_to": {"https://evil.example/"}})
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/admin/users" {
			t.Fatalf("enable: %d to %q", r.StatusCode, r.Header.Get("Location"))
		}
		ta.signIn(t, ta.newBrowser(t), "victim_1@example.jp", fixtures.Password, "")
		if adminAuditCount(t, ta, "account.enabled", "") != 1 {
			t.Error("account.enabled not audited")
		}
	})
}

func TestAdminAudit(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	b, _ := adminSignedIn(t, ta, "admin-audit@example.jp")
	adminCreateOrg(t, b, "監査テスト株式会社", "employer")

	t.Run("Lists", func(t *testing.T) {
		doc := b.get("/admin/audit").Doc(t)
		table := doc.Find("#audit").Text()
		if !strings.Contains(table, "org.created") || !strings.Contains(table, "admin-audit@example.jp") || !strings.Contains(table, "監査テスト株式会社") {
			t.Fatalf("audit table lacks the org.created event with actor and org:\n%.800s", table)
		}
	})
	t.Run("Labelled", func(t *testing.T) {
		// Actions, targets and details read in the page's language; the
		// scroll area of the wide table is reachable by keyboard.
		doc := b.get("/admin/audit?action=org.").Doc(t)
		row := doc.Find("#audit tbody tr").FilterFunction(func(_ int, s *goquery.Selection) bool {
			return s.Find("td:nth-child(3) code").Text() == "org.created"
		})
		if row.Length() != 1 || !strings.Contains(row.Find("td:nth-child(3)").Text(), "組織を作成") ||
			!strings.Contains(row.Find("td:nth-child(4)").Text(), "組織") {
			t.Fatalf("org.created row not labelled: %q", row.Text())
		}
		if strings.Contains(doc.Find("#audit").Text(), `{"`) {
			t.Error("audit details shown as raw JSON")
		}
		if sc := doc.Find("#audit-scroll"); sc.AttrOr("tabindex", "") != "0" || sc.AttrOr("role", "") != "region" || sc.AttrOr("aria-labelledby", "") != "audit-caption" {
			t.Error("audit scroll area is not a focusable, labelled region")
		}
		if !strings.Contains(b.get("/admin/audit?action=org.").Doc(t).Find(`#f-action option[value="org."]`).Text(), "組織") {
			t.Error("action filter shows codes, not names")
		}
	})
	t.Run("FilterByPrefix", func(t *testing.T) {
		doc := b.get("/admin/audit?action=org.").Doc(t)
		doc.Find("#audit tbody tr td:nth-child(3) code").Each(func(_ int, s *goquery.Selection) {
			if !strings.HasPrefix(s.Text(), "org.") {
				t.Errorf("action filter org. shows %q", s.Text())
			}
		})
		if doc := b.get("/admin/audit?actor=nobody@example.jp").Doc(t); doc.Find("#audit").Length() != 0 {
			t.Error("unknown actor email still lists events")
		}
	})
	t.Run("VerifyIntact", func(t *testing.T) {
		r := b.post("/admin/audit", "/admin/audit/verify", nil)
		if r.StatusCode != http.StatusOK {
			t.Fatalf("verify: %d", r.StatusCode)
		}
		if res := r.Doc(t).Find("#verify-result"); !res.HasClass("notice-success") || !strings.Contains(res.Text(), "改ざんは見つかりませんでした") {
			t.Fatalf("verify result: %q", res.Text())
		}
	})
}

// TestAdminBrowserJourney: a platform admin signs in with the two-factor
// code, creates an employer organisation through the form (after a refused
// duplicate name), invites someone as admin and sees the invitation listed.
func TestAdminBrowserJourney(t *testing.T) {
	ta := startApp(t)
	const email = "journey-admin@example.jp"
	_, secret := adminTOTPUser(t, ta, email, true)
	ta.DB.Gorm.Exec("INSERT INTO organisations (name_ja, kind) VALUES ('既存の組織', 'provider')")
	ctx := newChrome(t)

	chromeSignIn(t, ctx, ta, "/admin", email, secret, "#overview-counts")
	if loc := location(t, ctx); !strings.HasSuffix(loc, "/admin") {
		t.Fatalf("after sign-in at %q, want /admin", loc)
	}
	checkAxe(t, ctx, "/admin")

	do(t, ctx, chromedp.Navigate(ta.URL+"/admin/orgs/new"), chromedp.WaitVisible(chromedp.CSS("#org-form")))
	do(t, ctx,
		chromedp.SendKeys(chromedp.CSS("#f-name_ja"), "既存の組織"),
		chromedp.SendKeys(chromedp.CSS("#f-name_en"), "Kept English Name"),
		chromedp.SetValue(chromedp.CSS("#f-kind"), "employer"),
		chromedp.Click(chromedp.CSS(`#org-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#f-name_ja-error")),
	)
	if v := get(t, ctx, chromedp.Value(chromedp.CSS("#f-name_en"))); v != "Kept English Name" {
		t.Fatalf("typed English name not kept: %q", v)
	}
	checkAxe(t, ctx, "/admin/orgs/new with an error")

	do(t, ctx,
		chromedp.SetValue(chromedp.CSS("#f-name_ja"), "ブラウザ製作所"),
		chromedp.SetValue(chromedp.CSS("#f-prefecture"), "23"),
		chromedp.Click(chromedp.CSS(`#org-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#invite-form")),
	)
	if h1 := text(t, ctx, "h1"); h1 != "ブラウザ製作所" {
		t.Fatalf("organisation page h1 = %q", h1)
	}
	do(t, ctx,
		chromedp.SendKeys(chromedp.CSS("#f-email"), "future-admin@example.jp"),
		chromedp.SetValue(chromedp.CSS("#f-role"), "admin"),
		chromedp.Click(chromedp.CSS(`#invite-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#invitations")),
	)
	if row := text(t, ctx, "#invitations tbody tr"); !strings.Contains(row, "future-admin@example.jp") || !strings.Contains(row, "管理者") {
		t.Fatalf("pending invitation row: %q", row)
	}
	checkAxe(t, ctx, "organisation detail")

	do(t, ctx, chromedp.Navigate(ta.URL+"/admin/audit"), chromedp.WaitVisible(chromedp.CSS("#audit")))
	do(t, ctx, chromedp.Click(chromedp.CSS("#verify-button")), chromedp.WaitVisible(chromedp.CSS("#verify-result")))
	checkAxe(t, ctx, "/admin/audit")
}
