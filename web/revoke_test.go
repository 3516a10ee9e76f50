package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"takumi/internal/credential"
	"takumi/internal/fixtures"
	"takumi/internal/learning"
)

// revokeSecret is the TOTP secret of the fixture's admins.
const revokeSecret = "JBSWY3DPEHPK3PXP"

// revokeWorld is a training provider with a published course and two
// learners holding its credential, another provider with one of its own,
// and the people who try to revoke them.
type revokeWorld struct {
	provider, otherProvider, employer string
	course                            playerCourse
	admin, otherAdmin, member         string // e-mail addresses
	employerAdmin, platformAdmin      string
	hanako, jiro, stranger            string // credential ids (stranger's is the other provider's)
	hanakoEmail                       string
}

func revokeSetup(t *testing.T, ta *testApp) revokeWorld {
	t.Helper()
	w := revokeWorld{admin: "revoke-admin@example.jp", otherAdmin: "revoke-other-admin@example.jp",
		member: "revoke-member@example.jp", employerAdmin: "revoke-employer@example.jp",
		platformAdmin: "revoke-platform@example.jp", hanakoEmail: "hanako.revoke@example.jp"}
	w.course = playerPublish(t, ta, "revoke-weld", "溶接の安全", 0, false)
	other := playerPublish(t, ta, "revoke-other", "別機関の講座", 0, false)
	ta.DB.Gorm.Raw(`SELECT provider_id FROM courses WHERE id = ?`, w.course.ID).Row().Scan(&w.provider)
	ta.DB.Gorm.Raw(`SELECT provider_id FROM courses WHERE id = ?`, other.ID).Row().Scan(&w.otherProvider)

	admin := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: w.admin, Name: "発行 管理者", TOTPSecret: revokeSecret})
	fixtures.MustAddMember(t, ta.DB, "提供機関 revoke-weld", "provider", admin, "admin", false)
	otherAdmin := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: w.otherAdmin, Name: "他機関 管理者", TOTPSecret: revokeSecret})
	fixtures.MustAddMember(t, ta.DB, "提供機関 revoke-other", "provider", otherAdmin, "admin", false)
	member := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: w.member, Name: "一般 職員"})
	fixtures.MustAddMember(t, ta.DB, "提供機関 revoke-weld", "provider", member, "member", false)
	employerAdmin := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: w.employerAdmin, Name: "企業 管理者", TOTPSecret: revokeSecret})
	w.employer = fixtures.MustAddMember(t, ta.DB, "採用企業 revoke", "employer", employerAdmin, "admin", false)
	fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: w.platformAdmin, Name: "運営 管理者", PlatformAdmin: true, TOTPSecret: revokeSecret})

	w.hanako = revokeEarn(t, ta, w.course, w.hanakoEmail, "受講 花子")
	w.jiro = revokeEarn(t, ta, w.course, "jiro.revoke@example.jp", "受講 次郎")
	w.stranger = revokeEarn(t, ta, other, "stranger.revoke@example.jp", "他社 受講者")
	return w
}

// revokeEarn makes a learner who completes pc through the learning service,
// so the completion hook issues the credential; it returns the credential id.
func revokeEarn(t *testing.T, ta *testApp, pc playerCourse, email, name string) string {
	t.Helper()
	ctx := context.Background()
	id := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: email, Name: name})
	l := learning.Learner{UserID: id}
	e, err := ta.App.Server.Learning.EnrolSelfPaced(ctx, l, pc.ID)
	if err != nil {
		t.Fatal(err)
	}
	for _, lesson := range pc.Lessons[:2] { // the two required readings
		if _, err := ta.App.Server.Learning.CompleteLesson(ctx, l, e.ID, lesson); err != nil {
			t.Fatal(err)
		}
	}
	hs, err := ta.App.Server.Credentials.ListForUser(ctx, id)
	if err != nil || len(hs) != 1 {
		t.Fatalf("credentials of %s after completing: %d, %v", email, len(hs), err)
	}
	return hs[0].ID
}

// revokeBit reads the credential's bit from its signed status list: from
// the public URL when that route answers, else from the domain.
func revokeBit(t *testing.T, ta *testApp, b *browser, id string) bool {
	t.Helper()
	ctx := context.Background()
	h, err := ta.App.Server.Credentials.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	var body []byte
	if r := b.get("/credentials/status/" + h.StatusListID); r.StatusCode == http.StatusOK {
		body = []byte(r.Body)
	} else if body, _, err = ta.App.Server.Credentials.StatusListCredential(ctx, h.StatusListID); err != nil {
		t.Fatal(err)
	}
	var doc struct {
		CredentialSubject struct {
			EncodedList string `json:"encodedList"`
		} `json:"credentialSubject"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("status list: %v\n%.300s", err, body)
	}
	list, err := credential.DecodeStatusList(doc.CredentialSubject.EncodedList)
	if err != nil {
		t.Fatal(err)
	}
	bit, err := list.Get(h.StatusIndex)
	if err != nil {
		t.Fatal(err)
	}
	return bit
}

// revokeBulkIssue adds n credentials of w's course, issued in 2025 (older
// than the fixture's), to learners made for them, straight into the
// tables: enough for several pages of the provider's list.
func revokeBulkIssue(t *testing.T, ta *testApp, w revokeWorld, n int) {
	t.Helper()
	err := ta.DB.Gorm.Exec(`WITH u AS (
			INSERT INTO users (email, password_hash, display_name, privacy_notice_version, consented_at)
			SELECT 'bulk-revoke' || g || '@example.jp', 'x', '一括 受講者' || g, '2026-11', now() FROM generate_series(1, ?::int) g
			RETURNING id),
		e AS (INSERT INTO enrolments (user_id, course_id, status, completed_at) SELECT id, ?, 'completed', now() FROM u RETURNING id, user_id)
		INSERT INTO credentials (enrolment_id, user_id, course_id, provider_id, status_list_id, status_index, issued_at, valid_from, key_id, document)
		SELECT e.id, e.user_id, ?, ?, 'revocation-1', 5000 + row_number() OVER (),
		       timestamptz '2025-01-01' + (row_number() OVER () % 5) * interval '1 day', now(), 'k', '{}'
		FROM e`, n, w.course.ID, w.course.ID, w.provider).Error
	if err != nil {
		t.Fatal(err)
	}
}

func revokeCount(t *testing.T, ta *testApp, q string, args ...any) int {
	t.Helper()
	var n int
	if err := ta.DB.Gorm.Raw(q, args...).Row().Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestRevokeHTTP(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	w := revokeSetup(t, ta)
	admin := ta.signedIn(t, w.admin, revokeSecret)
	eb := ta.signedIn(t, w.employerAdmin, revokeSecret)
	list := "/org/" + w.provider + "/credentials"
	form := list + "/" + w.hanako + "/revoke"

	t.Run("OrgPageLinksToIssuedCredentials", func(t *testing.T) {
		href, _ := admin.get("/org/" + w.provider).Doc(t).Find("#credentials-link").Attr("href")
		if href != list {
			t.Fatalf("provider page link %q, want %s", href, list)
		}
		if n := eb.get("/org/" + w.employer).Doc(t).Find("#credentials-link").Length(); n != 0 {
			t.Fatal("an employer's page links to issued credentials")
		}
	})
	t.Run("ListShowsTheProvidersCredentials", func(t *testing.T) {
		r := admin.get(list)
		d := r.Doc(t)
		if r.StatusCode != http.StatusOK || d.Find("#issued tbody tr").Length() != 2 {
			t.Fatalf("list: %d, %d rows\n%.600s", r.StatusCode, d.Find("#issued tbody tr").Length(), r.Body)
		}
		row := d.Find("#credential-" + w.hanako)
		if !strings.Contains(row.Text(), "受講 花子") || !strings.Contains(row.Text(), "溶接の安全") || !strings.Contains(row.Text(), "有効") {
			t.Fatalf("hanako's row: %q", row.Text())
		}
		if href, _ := row.Find("a.verify-link").Attr("href"); href != "/credentials/"+w.hanako {
			t.Fatalf("verification link %q", href)
		}
		if href, _ := row.Find("a.revoke-link").Attr("href"); href != form {
			t.Fatalf("revoke link %q", href)
		}
		if strings.Contains(r.Body, w.hanakoEmail) || strings.Contains(r.Body, w.stranger) || strings.Contains(r.Body, "他社 受講者") {
			t.Fatal("the list shows an email or another provider's credential")
		}
		if n := revokeCount(t, ta, `SELECT count(*) FROM audit_events WHERE action = 'credential.issued_viewed' AND org_id = ?`, w.provider); n < 1 {
			t.Fatal("viewing named holders is not in the audit log")
		}
	})
	t.Run("FilterByVerificationURL", func(t *testing.T) {
		d := admin.get(list + "?q=" + url.QueryEscape(ta.URL+"/credentials/"+w.jiro)).Doc(t)
		if d.Find("#issued tbody tr").Length() != 1 || d.Find("#credential-"+w.jiro).Length() != 1 {
			t.Fatalf("filtered: %d rows", d.Find("#issued tbody tr").Length())
		}
		for _, q := range []string{w.stranger, "not an id"} {
			r := admin.get(list + "?q=" + url.QueryEscape(q))
			if r.StatusCode != http.StatusOK || r.Doc(t).Find("#issued-empty").Length() != 1 {
				t.Fatalf("filter %q: %d", q, r.StatusCode)
			}
		}
	})
	t.Run("ErrAdminOfAnotherProviderGets404", func(t *testing.T) {
		ob := ta.signedIn(t, w.otherAdmin, revokeSecret)
		for _, p := range []string{list, form, "/org/" + w.otherProvider + "/credentials/" + w.hanako + "/revoke"} {
			if r := ob.get(p); r.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s: %d, want 404", p, r.StatusCode)
			}
		}
		ownList := "/org/" + w.otherProvider + "/credentials"
		for _, p := range []string{form, "/org/" + w.otherProvider + "/credentials/" + w.hanako + "/revoke"} {
			if r := ob.post(ownList, p, url.Values{"reason": {"悪意"}}); r.StatusCode != http.StatusNotFound {
				t.Errorf("POST %s: %d, want 404", p, r.StatusCode)
			}
		}
		// Their own credential through our provider's URL is no better.
		if r := admin.post(list, list+"/"+w.stranger+"/revoke", url.Values{"reason": {"x"}}); r.StatusCode != http.StatusNotFound {
			t.Errorf("our admin revoking the other provider's credential: %d", r.StatusCode)
		}
		if n := revokeCount(t, ta, `SELECT count(*) FROM credentials WHERE revoked_at IS NOT NULL`); n != 0 {
			t.Fatalf("%d credentials revoked", n)
		}
	})
	t.Run("ErrPlainMemberRefused", func(t *testing.T) {
		mb := ta.signedIn(t, w.member, revokeSecret)
		if r := mb.get(list); r.StatusCode != http.StatusForbidden {
			t.Errorf("GET list: %d, want 403", r.StatusCode)
		}
		if r := mb.get(form); r.StatusCode != http.StatusForbidden {
			t.Errorf("GET form: %d, want 403", r.StatusCode)
		}
		if r := mb.post("/account", form, url.Values{"reason": {"x"}}); r.StatusCode != http.StatusForbidden {
			t.Errorf("POST: %d, want 403", r.StatusCode)
		}
		if r := ta.newBrowser(t).get(list); r.StatusCode != http.StatusSeeOther {
			t.Errorf("signed out: %d, want 303 to sign in", r.StatusCode)
		}
	})
	t.Run("ErrEmployerAdminGets404", func(t *testing.T) {
		if r := eb.get("/org/" + w.employer + "/credentials"); r.StatusCode != http.StatusNotFound {
			t.Fatalf("employer's own list: %d, want 404", r.StatusCode)
		}
	})
	t.Run("FormShowsWhatWillBeRevoked", func(t *testing.T) {
		r := admin.get(form)
		d := r.Doc(t)
		if r.StatusCode != http.StatusOK || !strings.Contains(d.Find("#credential-summary").Text(), "受講 花子") || d.Find("#revoke-form textarea[name=reason][required]").Length() != 1 {
			t.Fatalf("form: %d\n%.600s", r.StatusCode, r.Body)
		}
	})
	t.Run("ErrEmptyReason", func(t *testing.T) {
		r := admin.post(form, form, url.Values{"reason": {"   "}})
		d := r.Doc(t)
		if r.StatusCode != http.StatusUnprocessableEntity || d.Find("#f-reason-error").Text() != "失効の理由を入力してください。" ||
			d.Find("#revoke-form").Length() != 1 {
			t.Fatalf("ja: %d %q", r.StatusCode, d.Find("#f-reason-error").Text())
		}
		admin.post("/", "/language", url.Values{"lang": {"en"}, "return_to": {"/"}})
		defer admin.post("/", "/language", url.Values{"lang": {"ja"}, "return_to": {"/"}})
		r = admin.post(form, form, url.Values{"reason": {""}})
		d = r.Doc(t)
		if r.StatusCode != http.StatusUnprocessableEntity || d.Find("#f-reason-error").Text() != "Enter the reason for revoking." {
			t.Fatalf("en: %d %q", r.StatusCode, d.Find("#f-reason-error").Text())
		}
	})
	t.Run("ErrReasonTooLongKeepsWhatWasTyped", func(t *testing.T) {
		long := strings.Repeat("長", credential.MaxReasonLength+1)
		r := admin.post(form, form, url.Values{"reason": {long}})
		d := r.Doc(t)
		if r.StatusCode != http.StatusUnprocessableEntity || d.Find("#f-reason").Text() != long || d.Find("#f-reason-error").Text() == "" {
			t.Fatalf("%d, textarea kept %d runes, error %q", r.StatusCode, len([]rune(d.Find("#f-reason").Text())), d.Find("#f-reason-error").Text())
		}
		if n := revokeCount(t, ta, `SELECT count(*) FROM credentials WHERE revoked_at IS NOT NULL`); n != 0 {
			t.Fatalf("%d credentials revoked by refused forms", n)
		}
	})
	t.Run("RevokeSetsStatusAndAudits", func(t *testing.T) {
		if revokeBit(t, ta, admin, w.hanako) {
			t.Fatal("bit set before revoking")
		}
		r := admin.post(form, form, url.Values{"reason": {"不正な受講が判明したため"}})
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != list {
			t.Fatalf("revoke: %d → %q\n%.400s", r.StatusCode, r.Header.Get("Location"), r.Body)
		}
		d := admin.follow(r).Doc(t)
		if flash := d.Find(".notice-success").Text(); !strings.Contains(flash, "受講 花子") || !strings.Contains(flash, "溶接の安全") {
			t.Fatalf("flash %q", flash)
		}
		row := d.Find("#credential-" + w.hanako)
		if !strings.Contains(row.Text(), "失効") || row.Find("a.revoke-link").Length() != 0 {
			t.Fatalf("revoked row: %q", row.Text())
		}
		h, err := ta.App.Server.Credentials.Get(context.Background(), w.hanako)
		if err != nil || h.RevokedAt == nil || h.RevocationReason != "不正な受講が判明したため" {
			t.Fatalf("stored: %+v %v", h, err)
		}
		if n := revokeCount(t, ta, `SELECT count(*) FROM audit_events a JOIN users u ON u.id = a.actor_id
			WHERE a.action = 'credential.revoke' AND a.target_id = ? AND u.email = ? AND a.org_id = ?`, w.hanako, w.admin, w.provider); n != 1 {
			t.Fatalf("%d audit rows, want 1", n)
		}
		if !revokeBit(t, ta, admin, w.hanako) {
			t.Fatal("status list bit not set after revoking")
		}
		if revokeBit(t, ta, admin, w.jiro) {
			t.Fatal("another credential's bit was set")
		}
		// The public verification page, when its route is in place, says so.
		if pr := ta.newBrowser(t).get("/credentials/" + w.hanako); pr.StatusCode == http.StatusOK && !strings.Contains(pr.Body, "失効") {
			t.Errorf("the verification page does not show the credential revoked")
		}
	})
	t.Run("ErrSecondRevokeSaysAlreadyRevoked", func(t *testing.T) {
		r := admin.post(list, form, url.Values{"reason": {"もう一度"}})
		d := r.Doc(t)
		if r.StatusCode != http.StatusConflict || d.Find("#revoke-problem").Text() != "この修了証はすでに失効しています。" || d.Find("#revoke-form").Length() != 0 {
			t.Fatalf("second revoke: %d %q", r.StatusCode, d.Find("#revoke-problem").Text())
		}
		if !strings.Contains(d.Find("#revocation-reason").Text(), "不正な受講が判明したため") {
			t.Fatalf("the page does not show the first reason: %q", d.Find("#credential-summary").Text())
		}
		if n := revokeCount(t, ta, `SELECT count(*) FROM audit_events WHERE action = 'credential.revoke'`); n != 1 {
			t.Fatalf("%d audit rows after a refused second revoke", n)
		}
		g := admin.get(form)
		if g.StatusCode != http.StatusOK || g.Doc(t).Find("#revoke-form").Length() != 0 || g.Doc(t).Find("#credential-status").Text() != "失効" {
			t.Fatalf("form of a revoked credential: %d", g.StatusCode)
		}
	})
	t.Run("ErrBadIDs", func(t *testing.T) {
		for _, p := range []string{list + "/not-a-uuid/revoke", list + "/00000000-0000-0000-0000-000000000000/revoke",
			"/org/not-a-uuid/credentials"} {
			if r := admin.get(p); r.StatusCode != http.StatusNotFound {
				t.Errorf("GET %s: %d, want 404", p, r.StatusCode)
			}
		}
		for _, q := range []string{"?page=999", "?after=00000000-0000-0000-0000-000000000000", "?before=x'--", "?after=" + w.stranger} {
			if r := admin.get(list + q); r.StatusCode != http.StatusOK || r.Doc(t).Find("#issued tbody tr").Length() != 2 {
				t.Errorf("GET %s: %d, want the first page", q, r.StatusCode)
			}
		}
	})
	t.Run("PagesByKey", func(t *testing.T) {
		revokeBulkIssue(t, ta, w, 63) // 65 with the fixture's two
		d := admin.get(list).Doc(t)
		if n := d.Find("#issued tbody tr").Length(); n != credential.IssuedPageSize || d.Find("#issued-prev").Length() != 0 ||
			d.Find("#issued-first").Length() != 0 || !strings.Contains(d.Find("#issued-count").Text(), "65") {
			t.Fatalf("first page: %d rows, count %q", n, d.Find("#issued-count").Text())
		}
		first := d.Find("#issued tbody tr").First().AttrOr("id", "")
		next, _ := d.Find("#issued-next").Attr("href")
		if !strings.HasPrefix(next, list+"?after=") {
			t.Fatalf("next link %q", next)
		}
		d = admin.get(next).Doc(t)
		if n := d.Find("#issued tbody tr").Length(); n != 15 || d.Find("#issued-next").Length() != 0 {
			t.Fatalf("second page: %d rows", n)
		}
		prev, _ := d.Find("#issued-prev").Attr("href")
		if first, _ := d.Find("#issued-first").Attr("href"); first != list || !strings.HasPrefix(prev, list+"?before=") {
			t.Fatalf("second page's links: first %q, previous %q", first, prev)
		}
		d = admin.get(prev).Doc(t)
		if n := d.Find("#issued tbody tr").Length(); n != credential.IssuedPageSize || d.Find("#issued tbody tr").First().AttrOr("id", "") != first {
			t.Fatalf("previous page: %d rows", n)
		}
	})
}

func TestAdminCredentialsHTTP(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	w := revokeSetup(t, ta)
	pa := ta.signedIn(t, w.platformAdmin, revokeSecret)

	t.Run("ErrNotPlatformAdmin", func(t *testing.T) {
		ab := ta.signedIn(t, w.admin, revokeSecret)
		for _, p := range []string{"/admin/credentials", "/admin/credentials/" + w.jiro + "/revoke"} {
			if r := ab.get(p); r.StatusCode != http.StatusForbidden {
				t.Errorf("provider admin GET %s: %d, want 403", p, r.StatusCode)
			}
		}
		if r := ab.post("/org/"+w.provider+"/credentials", "/admin/credentials/"+w.jiro+"/revoke", url.Values{"reason": {"x"}}); r.StatusCode != http.StatusForbidden {
			t.Errorf("provider admin POST: %d, want 403", r.StatusCode)
		}
	})
	t.Run("OverviewLinks", func(t *testing.T) {
		if pa.get("/admin").Doc(t).Find(`a[href="/admin/credentials"]`).Length() != 1 {
			t.Fatal("the admin overview has no link to credentials")
		}
	})
	t.Run("Lookup", func(t *testing.T) {
		cases := []struct {
			name, q, err string
			found        bool
		}{
			{"Empty", "", "", false},
			{"ErrNotAnID", "hello", "修了証 ID", false},
			{"ErrUnknown", "11111111-2222-4333-8444-555555555555", "その ID の修了証はありません。", false},
			{"ByURL", ta.URL + "/credentials/" + w.stranger, "", true},
			{"ByURN", "urn:uuid:" + strings.ToUpper(w.stranger), "", true},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				r := pa.get("/admin/credentials?q=" + url.QueryEscape(c.q))
				d := r.Doc(t)
				if r.StatusCode != http.StatusOK || !strings.Contains(d.Find("#f-q-error").Text(), c.err) || (c.err == "") != (d.Find("#f-q-error").Length() == 0) {
					t.Fatalf("%d, error %q", r.StatusCode, d.Find("#f-q-error").Text())
				}
				if v, _ := d.Find("#f-q").Attr("value"); v != c.q {
					t.Fatalf("typed %q kept as %q", c.q, v)
				}
				if got := d.Find("#found").Length() == 1; got != c.found {
					t.Fatalf("found %v", got)
				}
				if c.found && (!strings.Contains(d.Find("#credential-summary").Text(), "他社 受講者") || d.Find("#admin-revoke-link").Length() != 1) {
					t.Fatalf("found: %q", d.Find("#found").Text())
				}
			})
		}
	})
	t.Run("Revoke", func(t *testing.T) {
		form := "/admin/credentials/" + w.stranger + "/revoke"
		if r := pa.post(form, form, url.Values{"reason": {""}}); r.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("empty reason: %d", r.StatusCode)
		}
		r := pa.post(form, form, url.Values{"reason": {"発行機関からの依頼"}})
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/admin/credentials?q="+w.stranger {
			t.Fatalf("revoke: %d → %q", r.StatusCode, r.Header.Get("Location"))
		}
		d := pa.follow(r).Doc(t)
		if d.Find("#credential-status").Text() != "失効" || d.Find("#admin-revoke-link").Length() != 0 || d.Find(".notice-success").Length() != 1 {
			t.Fatalf("after revoking: status %q", d.Find("#credential-status").Text())
		}
		if n := revokeCount(t, ta, `SELECT count(*) FROM audit_events a JOIN users u ON u.id = a.actor_id
			WHERE a.action = 'credential.revoke' AND a.target_id = ? AND u.email = ?`, w.stranger, w.platformAdmin); n != 1 {
			t.Fatalf("%d audit rows", n)
		}
		if !revokeBit(t, ta, pa, w.stranger) {
			t.Fatal("bit not set")
		}
		if r := pa.post(form, form, url.Values{"reason": {"again"}}); r.StatusCode != http.StatusConflict {
			t.Fatalf("second revoke: %d", r.StatusCode)
		}
		if r := pa.get("/admin/credentials/00000000-0000-0000-0000-000000000000/revoke"); r.StatusCode != http.StatusNotFound {
			t.Fatalf("unknown credential: %d", r.StatusCode)
		}
	})
}

// TestRevokeBrowserJourney: a provider admin signs in with the two-factor
// code, opens "Issued credentials" from the organisation page, opens the
// revoke form of a credential, is told a blank reason will not do, gives a
// reason and sees the credential marked revoked; then the same pages in
// English. axe-core on each page.
func TestRevokeBrowserJourney(t *testing.T) {
	ta := startApp(t)
	w := revokeSetup(t, ta)
	revokeBulkIssue(t, ta, w, 60) // two pages: the fixture's two and 48 of these, then 12
	ctx := newChrome(t)
	chromeSignIn(t, ctx, ta, "/org/"+w.provider, w.admin, revokeSecret, "#credentials-link")
	clickAndWaitNewPage(t, ctx, "#credentials-link")
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#issued")))
	checkAxe(t, ctx, "issued credentials (ja)")

	// The next page and back, by plain links (their URLs bookmarkable).
	clickAndWaitNewPage(t, ctx, "#issued-next")
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#issued-prev")))
	if n, u := get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('#issued tbody tr').length`)),
		get(t, ctx, chromedp.Evaluate[string](`location.search`)); n != 12 || !strings.HasPrefix(u, "?after=") {
		t.Fatalf("second page: %d rows at %q", n, u)
	}
	checkAxe(t, ctx, "issued credentials, second page (ja)")
	clickAndWaitNewPage(t, ctx, "#issued-prev")
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#credential-"+w.hanako)))

	clickAndWaitNewPage(t, ctx, "#credential-"+w.hanako+" a.revoke-link")
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#revoke-form")))
	checkAxe(t, ctx, "revoke form (ja)")

	// Spaces pass the browser's "required" check; the server refuses them.
	do(t, ctx, chromedp.SendKeys(chromedp.CSS("#f-reason"), "   "))
	clickAndWaitNewPage(t, ctx, "#revoke-submit")
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#f-reason-error")))
	if got := text(t, ctx, "#f-reason-error"); got != "失効の理由を入力してください。" {
		t.Fatalf("error %q", got)
	}
	checkAxe(t, ctx, "revoke form with an error (ja)")

	get(t, ctx, chromedp.Evaluate[bool](`(() => { document.querySelector('#f-reason').value = ''; return true })()`))
	do(t, ctx, chromedp.SendKeys(chromedp.CSS("#f-reason"), "誤って発行したため"))
	clickAndWaitNewPage(t, ctx, "#revoke-submit")
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#issued")))
	if got := text(t, ctx, ".notice-success"); !strings.Contains(got, "受講 花子") {
		t.Fatalf("flash %q", got)
	}
	if got := text(t, ctx, "#credential-"+w.hanako); !strings.Contains(got, "失効") {
		t.Fatalf("row after revoking: %q", got)
	}
	if n := get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('#credential-`+w.hanako+` a.revoke-link').length`)); n != 0 {
		t.Fatal("a revoked credential still offers Revoke")
	}
	checkAxe(t, ctx, "issued credentials after revoking (ja)")

	// English: the list and the form.
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS(`form.lang-switch button[value="en"]`)))
	clickAndWaitNewPage(t, ctx, `form.lang-switch button[value="en"]`)
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#issued")))
	if lang, row := attr(t, ctx, "html", "lang"), text(t, ctx, "#credential-"+w.hanako); lang != "en" || !strings.Contains(row, "Revoked") {
		t.Fatalf("English list: lang %q, row %q", lang, row)
	}
	checkAxe(t, ctx, "issued credentials (en)")
	clickAndWaitNewPage(t, ctx, "#credential-"+w.jiro+" a.revoke-link")
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#revoke-form")))
	checkAxe(t, ctx, "revoke form (en)")
	do(t, ctx, chromedp.SendKeys(chromedp.CSS("#f-reason"), " "))
	clickAndWaitNewPage(t, ctx, "#revoke-submit")
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#f-reason-error")))
	if got := text(t, ctx, "#f-reason-error"); got != "Enter the reason for revoking." {
		t.Fatalf("error %q", got)
	}
	checkAxe(t, ctx, "revoke form with an error (en)")

	// The platform admin's lookup, in Japanese.
	actx := newChrome(t)
	chromeSignIn(t, actx, ta, "/admin", w.platformAdmin, revokeSecret, "#overview-counts")
	clickAndWaitNewPage(t, actx, `a[href="/admin/credentials"]`)
	do(t, actx, chromedp.WaitVisible(chromedp.CSS("#credential-lookup")), chromedp.SendKeys(chromedp.CSS("#f-q"), ta.URL+"/credentials/"+w.hanako))
	clickAndWaitNewPage(t, actx, `#credential-lookup button[type="submit"]`)
	do(t, actx, chromedp.WaitVisible(chromedp.CSS("#found")))
	if got := text(t, actx, "#credential-status"); got != "失効" {
		t.Fatalf("lookup status %q", got)
	}
	checkAxe(t, actx, "admin credential lookup (ja)")
}
