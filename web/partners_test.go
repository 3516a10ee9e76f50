package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"takumi/internal/fixtures"
	"takumi/internal/progress"
	gen "takumi/web/apidoc/apiclientgen"
)

// partnerFixture is internal/partner's committed fixture: a did:key
// partner and credentials signed by Digital Bazaar's libraries.
type partnerFixture struct {
	DID         string            `json:"did"`
	Credentials []json.RawMessage `json:"credentials"`
	StatusLists []json.RawMessage `json:"statusLists"`
}

func loadPartnerFixture(t *testing.T, name string) partnerFixture {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "internal", "partner", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var f partnerFixture
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	return f
}

// partnerWalletPost submits the wallet's partner form (multipart, as the
// browser does) with pasted text.
func partnerWalletPost(t *testing.T, b *browser, pasted string, confirm bool) *response {
	t.Helper()
	tok := b.csrf("/learn/credentials/partner")
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("_csrf", tok)
	mw.WriteField("credential", pasted)
	if confirm {
		mw.WriteField("confirm", "1")
	}
	fw, _ := mw.CreateFormFile("file", "")
	fw.Write(nil)
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, b.base+"/learn/credentials/partner", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

func programmeCount(t *testing.T, ta *testApp, code string) int64 {
	t.Helper()
	if _, err := progress.NewEngine(ta.DB.Gorm, 0).CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	var n int64
	if err := ta.DB.Gorm.Raw(`SELECT coalesce(sum(r.learners), 0) FROM progress_rollup r JOIN programmes p ON p.id = r.programme_id
		WHERE p.code = ? AND r.d1 = '' AND r.d2 = ''`, code).Scan(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// TestPartnerIssuers: a platform admin registers a did:key partner and
// maps its achievement; a learner adds the partner's credential (signed by
// Digital Bazaar's libraries) in the wallet and the programme counts one
// more; a refused credential keeps what was pasted and says why in the
// learner's language; /verify verifies it and names an unregistered
// issuer; the partner's organisation pushes through the API (validated
// against the OpenAPI document) and a revocation removes the count.
func TestPartnerIssuers(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	ctx := context.Background()
	fx := loadPartnerFixture(t, "partner.json")
	stranger := loadPartnerFixture(t, "stranger.json")
	admin, _ := adminSignedIn(t, ta, "partner-admin@example.jp")
	if err := ta.DB.Gorm.Exec(`INSERT INTO programmes (code, name_ja, name_en, target, starts_on, ends_on, flagship, skill_areas)
		VALUES ('partner-prog', 'AI人材', 'AI-ready workers', 1000, '2026-01-01', '2030-12-31', true, '{ai_data}')`).Error; err != nil {
		t.Fatal(err)
	}
	orgAdmin, _, orgID := orgAdminSignedIn(t, ta, "partner-org@example.jp", "提携大学法人", "provider")
	learner, _ := ta.signedInLearner(t, "partner.learner@example.jp")

	var issuerPage string
	t.Run("AdminRegisters", func(t *testing.T) {
		// A failed form keeps what was typed and explains in Japanese.
		r := admin.post("/admin/partners", "/admin/partners", url.Values{"did": {"did:web:univ.example"}, "name_ja": {"提携大学"},
			"name_en": {"Partner University"}, "kind": {"university"}})
		if r.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("status %d", r.StatusCode)
		}
		d := r.Doc(t)
		if v, _ := d.Find("#f-name_ja").Attr("value"); v != "提携大学" {
			t.Errorf("name not kept: %q", v)
		}
		if !strings.Contains(d.Find("#f-document-error").Text(), "DID 文書を貼り付ける") {
			t.Errorf("no Japanese explanation: %q", d.Find("#f-document-error").Text())
		}
		r = admin.post("/admin/partners", "/admin/partners", url.Values{"did": {fx.DID}, "name_ja": {"提携大学"},
			"name_en": {"Partner University"}, "kind": {"university"}, "org": {orgID}})
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("register: %d %.500s", r.StatusCode, r.Body)
		}
		issuerPage = r.Header.Get("Location")
		r = admin.post(issuerPage, issuerPage+"/achievements", url.Values{"achievement_id": {"https://univ.example/achievements/ai-101"}, "skill_area": {"ai_data"}})
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("map: %d %.500s", r.StatusCode, r.Body)
		}
		if d := admin.get(issuerPage).Doc(t); d.Find("#mappings tbody tr").Length() != 1 || !strings.Contains(d.Find("#partner-document").Text(), fx.DID) {
			t.Fatal("the partner page does not show the mapping and the stored DID document")
		}
	})

	t.Run("LearnerAdds", func(t *testing.T) {
		before := programmeCount(t, ta, "partner-prog")
		// Another person's credential is refused; the pasted text stays.
		r := partnerWalletPost(t, learner, string(fx.Credentials[3]), true)
		if r.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("status %d", r.StatusCode)
		}
		d := r.Doc(t)
		if !strings.Contains(d.Find("#error-summary").Text(), "別の人に発行された") || !strings.Contains(d.Find("#f-credential").Text(), "urn:uuid:0c0f1a2b-0000-4000-8000-00000000000d") {
			t.Fatalf("refusal not explained or pasted text lost:\n%.1500s", r.Body)
		}
		r = partnerWalletPost(t, learner, string(stranger.Credentials[0]), false)
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Doc(t).Find("#error-summary").Text(), "登録済み提携先ではない") {
			t.Fatalf("unregistered issuer: %d", r.StatusCode)
		}
		r = partnerWalletPost(t, learner, string(fx.Credentials[0]), false)
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("add: %d %.1500s", r.StatusCode, r.Body)
		}
		w := learner.get("/learn/credentials").Doc(t)
		if w.Find("#partner-held .partner-credential").Length() != 1 || !strings.Contains(w.Find("#partner-held").Text(), "Applied AI 101") {
			t.Fatal("the wallet does not list the partner credential")
		}
		if after := programmeCount(t, ta, "partner-prog"); after != before+1 {
			t.Fatalf("programme count %d → %d, want +1", before, after)
		}
		// The methodology page and the open data say it separately, with
		// disclosure control (one learner is below k).
		m := ta.newBrowser(t).get("/progress/methodology").Doc(t)
		if got := strings.TrimSpace(m.Find(`#sources tr[data-programme="partner-prog"] td[data-source="partner"]`).Text()); got != "<10" {
			t.Errorf("methodology partner figure %q, want <10", got)
		}
		od := ta.newBrowser(t).get("/progress/data.json?programme=partner-prog")
		var data struct {
			Sources struct {
				Partner struct {
					Learners   *int64  `json:"learners"`
					Suppressed *string `json:"suppressed"`
				} `json:"partner"`
			} `json:"sources"`
		}
		if err := json.Unmarshal([]byte(od.Body), &data); err != nil || data.Sources.Partner.Suppressed == nil || data.Sources.Partner.Learners != nil {
			t.Errorf("open data sources: %v %.300s", err, od.Body)
		}
		// The same credential again changes nothing.
		if r := partnerWalletPost(t, learner, string(fx.Credentials[0]), false); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("again: %d", r.StatusCode)
		}
		if after := programmeCount(t, ta, "partner-prog"); after != before+1 {
			t.Fatalf("counted twice: %d", after)
		}
	})

	t.Run("Verify", func(t *testing.T) {
		b := ta.newBrowser(t)
		r := credVerifyPost(t, b, string(fx.Credentials[0]), "", nil)
		if r.StatusCode != http.StatusOK || r.Doc(t).Find(`#checks [data-check="credential.check.signature"][data-ok="true"]`).Length() != 1 {
			t.Fatalf("partner credential not verified:\n%.2000s", r.Body)
		}
		r = credVerifyPost(t, b, string(stranger.Credentials[0]), "", nil)
		if !strings.Contains(r.Doc(t).Find("#checks").Text(), "登録済み提携先ではない") {
			t.Fatalf("unregistered issuer not said:\n%.2000s", r.Body)
		}
	})

	t.Run("APIPush", func(t *testing.T) {
		api, _ := apiClientFor(t, ta)
		id, secret := createAPIClientOnPage(t, orgAdmin, orgID, "提携先の送信", "partner_credentials:write")
		auth := bearer(apiToken(t, api, id, secret, ""))
		var cred map[string]any
		json.Unmarshal(fx.Credentials[0], &cred)
		res, err := api.PushPartnerCredentialWithResponse(ctx, &gen.PushPartnerCredentialParams{},
			gen.PushPartnerCredentialJSONRequestBody{Credential: cred, Email: "partner.learner@example.jp"}, auth)
		if err != nil || res.JSON200 == nil || !res.JSON200.Existing || !res.JSON200.Counted {
			t.Fatalf("push of a held credential: %v %d %s", err, res.StatusCode(), res.Body)
		}
		cred = nil // a fresh map: Unmarshal would merge into the old one
		json.Unmarshal(fx.Credentials[3], &cred)
		res, err = api.PushPartnerCredentialWithResponse(ctx, &gen.PushPartnerCredentialParams{},
			gen.PushPartnerCredentialJSONRequestBody{Credential: cred, Email: "partner.learner@example.jp"}, auth)
		if err != nil || res.StatusCode() != http.StatusUnprocessableEntity || !strings.Contains(string(res.Body), "partner.err_other_person") {
			t.Fatalf("push for another person: %v %d %s", err, res.StatusCode(), res.Body)
		}
		var list map[string]any
		json.Unmarshal(fx.StatusLists[1], &list)
		lres, err := api.PushPartnerStatusListWithResponse(ctx, &gen.PushPartnerStatusListParams{},
			gen.PushPartnerStatusListJSONRequestBody{StatusListCredential: list}, auth)
		if err != nil || lres.JSON200 == nil || lres.JSON200.Revoked != 1 {
			t.Fatalf("status list push: %v %d %s", err, lres.StatusCode(), lres.Body)
		}
		if n := programmeCount(t, ta, "partner-prog"); n != 0 {
			t.Fatalf("count after the partner's revocation = %d", n)
		}
		res2, err := progress.Reconcile(ctx, ta.DB.Gorm)
		if err != nil || len(res2.Differences) > 0 {
			t.Fatalf("reconcile: %v %v", err, res2)
		}
	})

	t.Run("NonAdminsRefused", func(t *testing.T) {
		if r := learner.get("/admin/partners"); r.StatusCode != http.StatusForbidden && r.StatusCode != http.StatusNotFound {
			t.Fatalf("learner on /admin/partners: %d", r.StatusCode)
		}
		_ = fixtures.Password
	})
}
