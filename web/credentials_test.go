package web_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"

	"github.com/chromedp/chromedp"

	"takumi/internal/account"
	"takumi/internal/app"
	"takumi/internal/catalog"
	"takumi/internal/config"
	"takumi/internal/credential"
	"takumi/internal/database"
	"takumi/internal/dbtest"
	"takumi/internal/fixtures"
	"takumi/internal/learning"
)

// credCourse is a published two-lesson course whose completion issues a
// credential, on the real app.
type credCourse struct {
	app      *app.App
	db       *database.DB
	courseID string
	lessons  []string
	n        int
}

// credPublish publishes a course with two required readings by a new
// provider (Japanese and English names).
func credPublish(tb testing.TB, a *app.App, db *database.DB, code string) *credCourse {
	tb.Helper()
	cc := &credCourse{app: a, db: db, lessons: []string{catalog.NewID(), catalog.NewID()}}
	c := fixtures.MustCreateCourse(tb, db, fixtures.Course{
		Courses:  a.Server.Courses,
		Provider: fixtures.Org{NameJa: "検証テスト機関 " + code, NameEn: "Verification Test Institute " + code, Code: code},
		Author:   fixtures.User{Email: "author-" + code + "@example.jp", Name: "講師", NoPassword: true},
		Code:     code,
		Content: catalog.Content{TitleJa: "データ活用の基礎", TitleEn: "Data basics", SummaryJa: "データを読み解く講座です。", SummaryEn: "Reading data.",
			SkillArea: "digital_literacy", Level: catalog.LevelIntroductory, EstimatedHours: 1, Language: "ja",
			DeliveryMode: catalog.DeliverySelfPaced,
			Modules: []catalog.Module{{ID: catalog.NewID(), TitleJa: "第1章", Lessons: []catalog.Lesson{
				{ID: cc.lessons[0], Kind: catalog.LessonReading, TitleJa: "データとは", Required: true, BodyMd: "本文"},
				{ID: cc.lessons[1], Kind: catalog.LessonReading, TitleJa: "グラフを読む", Required: true, BodyMd: "本文"},
			}}}},
	})
	cc.courseID = c.ID
	return cc
}

// earn makes a learner named name, enrols them and completes every lesson
// through the learning service, as the player does; the completion hook
// issues the credential. It returns the learner's and the credential's ids.
func (cc *credCourse) earn(tb testing.TB, name string) (userID, credID string) {
	tb.Helper()
	ctx := context.Background()
	cc.n++
	userID = fixtures.MustCreateUser(tb, cc.db, fixtures.User{Email: fmt.Sprintf("cred-learner-%d-%s@example.jp", cc.n, cc.courseID[:8]),
		Name: name, NoPassword: true})
	l := learning.Learner{UserID: userID}
	e, err := cc.app.Server.Learning.EnrolSelfPaced(ctx, l, cc.courseID)
	if err != nil {
		tb.Fatal(err)
	}
	for _, id := range cc.lessons {
		if _, err := cc.app.Server.Learning.CompleteLesson(ctx, l, e.ID, id); err != nil {
			tb.Fatal(err)
		}
	}
	hs, err := cc.app.Server.Credentials.ListForUser(ctx, userID)
	if err != nil || len(hs) != 1 {
		tb.Fatalf("credentials of the learner: %v, %d, want 1", err, len(hs))
	}
	return userID, hs[0].ID
}

// document is the stored credential's JSON.
func (cc *credCourse) document(tb testing.TB, credID string) string {
	tb.Helper()
	h, err := cc.app.Server.Credentials.Get(context.Background(), credID)
	if err != nil {
		tb.Fatal(err)
	}
	return h.Document
}

// revoke revokes a credential as a platform admin.
func (cc *credCourse) revoke(t *testing.T, ta *testApp, credID, reason string) {
	t.Helper()
	admin := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: fmt.Sprintf("cred-admin-%d@example.jp", cc.n), PlatformAdmin: true})
	if err := cc.app.Server.Credentials.Revoke(context.Background(), credential.Actor{UserID: admin, IsPlatformAdmin: true},
		credID, reason); err != nil {
		t.Fatal(err)
	}
}

// credLang makes b read pages in lang.
func credLang(t *testing.T, b *browser, lang string) {
	t.Helper()
	u, _ := url.Parse(b.base)
	b.c.Jar.SetCookies(u, []*http.Cookie{{Name: "takumi_lang", Value: lang, Path: "/"}})
}

// credVerifyPost submits /verify as its form does (multipart, CSRF token
// from the form page), with pasted text and, when fileName is set, a file.
func credVerifyPost(t *testing.T, b *browser, pasted, fileName string, file []byte) *response {
	t.Helper()
	tok := b.csrf("/verify")
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	mw.WriteField("_csrf", tok)
	mw.WriteField("credential", pasted)
	if fileName != "" {
		fw, _ := mw.CreateFormFile("file", fileName)
		fw.Write(file)
	} else {
		fw, _ := mw.CreateFormFile("file", "") // a file input left empty
		fw.Write(nil)
	}
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, b.base+"/verify", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

// credTamper changes one byte of a credential: the English course name in
// its achievement's description.
func credTamper(t *testing.T, doc string) string {
	t.Helper()
	if !strings.Contains(doc, "Data basics") {
		t.Fatalf("no English name to change in %s", doc)
	}
	return strings.Replace(doc, "Data basics", "Data basicS", 1)
}

// credEdit decodes a credential, lets edit change it and encodes it again.
func credEdit(t *testing.T, doc string, edit func(map[string]any)) string {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(doc), &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	b, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// credMap decodes a credential's JSON.
func credMap(t *testing.T, doc string) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(doc), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// credProof returns a credential's proof, an object or a list of one.
func credProof(m map[string]any) map[string]any {
	if l, ok := m["proof"].([]any); ok {
		return l[0].(map[string]any)
	}
	return m["proof"].(map[string]any)
}

// credIssuerID returns a credential's issuer id.
func credIssuerID(m map[string]any) string {
	return m["issuer"].(map[string]any)["id"].(string)
}

func TestCredentialPageHTTP(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	cc := credPublish(t, ta.App, ta.DB, "cred-page")
	_, valid := cc.earn(t, "山田 花子")
	_, revoked := cc.earn(t, "鈴木 一郎")
	cc.revoke(t, ta, revoked, "受講記録の不正が判明したため")
	deletedUser, ofDeleted := cc.earn(t, "田中 次郎")
	ta.DB.Gorm.Exec(`UPDATE users SET email = 'deleted-' || id::text || '@deleted.invalid', display_name = ?, disabled_at = now()
		WHERE id = ?`, account.DeletedDisplayName, deletedUser)

	t.Run("ValidJa", func(t *testing.T) {
		r := ta.newBrowser(t).get("/credentials/" + valid)
		d := r.Doc(t)
		if r.StatusCode != http.StatusOK {
			t.Fatalf("status %d\n%.600s", r.StatusCode, r.Body)
		}
		if got := d.Find("#verdict-text").Text(); got != "有効" {
			t.Fatalf("verdict %q", got)
		}
		if got := d.Find("#achievement-name").Text(); got != "データ活用の基礎" {
			t.Fatalf("h1 %q", got)
		}
		for sel, want := range map[string]string{"#holder": "山田 花子", "#provider": "検証テスト機関 cred-page",
			"#valid-until": "なし（無期限）", "#verdict-explanation": "この修了証は有効です"} {
			if got := d.Find(sel).Text(); !strings.Contains(got, want) {
				t.Errorf("%s: %q lacks %q", sel, got, want)
			}
		}
		if n, ok := d.Find(`#checks li[data-ok="true"]`).Length(), d.Find("#checks li").Length(); n != 6 || ok != 6 {
			t.Fatalf("%d of %d checks passed, want 6 of 6", n, ok)
		}
		if got := d.Find(`#checks li[data-check="credential.check.signature"]`).Text(); !strings.Contains(got, "発行後に書き換えられていません") {
			t.Fatalf("signature check %q", got)
		}
		if href, _ := d.Find("#json-link").Attr("href"); href != "/credentials/"+valid+"/credential.json" {
			t.Fatalf("JSON link %q", href)
		}
		if href, _ := d.Find("#verify-other").Attr("href"); href != "/verify" {
			t.Fatalf("verify link %q", href)
		}
		if src, _ := d.Find(".cred-qr img").Attr("src"); src != "/credentials/"+valid+"/qr.svg" {
			t.Fatalf("QR %q", src)
		}
		if alt, _ := d.Find(".cred-qr img").Attr("alt"); !strings.Contains(alt, ta.URL+"/credentials/"+valid) {
			t.Fatalf("QR alt %q", alt)
		}
	})
	t.Run("ValidEn", func(t *testing.T) {
		b := ta.newBrowser(t)
		credLang(t, b, "en")
		d := b.get("/credentials/" + valid).Doc(t)
		if got := d.Find("#verdict-text").Text(); got != "Valid" {
			t.Fatalf("verdict %q", got)
		}
		if got := d.Find("#achievement-name").Text(); got != "Data basics" {
			t.Fatalf("h1 %q", got)
		}
		if got := d.Find("#provider").Text(); !strings.Contains(got, "Verification Test Institute cred-page") {
			t.Fatalf("provider %q", got)
		}
		if got := d.Find("#checks").Text(); !strings.Contains(got, "not changed since it was issued") {
			t.Fatalf("checks %q", got)
		}
	})
	t.Run("Revoked", func(t *testing.T) {
		for lang, want := range map[string][]string{"ja": {"失効", "受講記録の不正が判明したため", "年"}, "en": {"Revoked", "受講記録の不正が判明したため", "20"}} {
			b := ta.newBrowser(t)
			credLang(t, b, lang)
			r := b.get("/credentials/" + revoked)
			d := r.Doc(t)
			if got := d.Find("#verdict-text").Text(); r.StatusCode != http.StatusOK || got != want[0] {
				t.Fatalf("%s: status %d, verdict %q", lang, r.StatusCode, got)
			}
			if got := d.Find("#revocation-reason").Text(); got != want[1] {
				t.Fatalf("%s: reason %q", lang, got)
			}
			if got, _ := d.Find("#revocation time").Attr("datetime"); got == "" || !strings.Contains(d.Find("#revocation time").Text(), want[2]) {
				t.Fatalf("%s: revocation date %q %q", lang, got, d.Find("#revocation time").Text())
			}
		}
	})
	t.Run("DeletedHolderNamesNoOne", func(t *testing.T) {
		d := ta.newBrowser(t).get("/credentials/" + ofDeleted).Doc(t)
		if got := d.Find("#holder").Text(); got != "この修了証の保有者（氏名は表示していません）" {
			t.Fatalf("holder %q", got)
		}
		if got := d.Find("#verdict-text").Text(); got != "有効" {
			t.Fatalf("verdict %q", got)
		}
	})
	t.Run("UnknownOrMalformedIs404", func(t *testing.T) {
		b := ta.newBrowser(t)
		for _, p := range []string{"/credentials/00000000-0000-4000-8000-000000000000", "/credentials/not-a-uuid",
			"/credentials/00000000-0000-4000-8000-000000000000/credential.json", "/credentials/x'--/credential.json",
			"/credentials/status/revocation-999", "/credentials/status/../../etc"} {
			if r := b.get(p); r.StatusCode != http.StatusNotFound {
				t.Errorf("%s: status %d, want 404", p, r.StatusCode)
			}
		}
	})
}

func TestCredentialJSONHTTP(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	cc := credPublish(t, ta.App, ta.DB, "cred-json")
	_, id := cc.earn(t, "山田 花子")
	doc := cc.document(t, id)
	b := ta.newBrowser(t)

	r := b.get("/credentials/" + id + "/credential.json")
	if r.StatusCode != http.StatusOK || r.Body != doc {
		t.Fatalf("status %d; body equals the stored document: %v", r.StatusCode, r.Body == doc)
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type %q", ct)
	}
	if cd := r.Header.Get("Content-Disposition"); cd != "" {
		t.Fatalf("Content-Disposition without ?download: %q", cd)
	}
	etag := r.Header.Get("ETag")
	if etag == "" || r.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("ETag %q, CORS %q", etag, r.Header.Get("Access-Control-Allow-Origin"))
	}
	r = b.get("/credentials/" + id + "/credential.json?download=1")
	if want := `attachment; filename="credential-` + id + `.json"`; r.Header.Get("Content-Disposition") != want || r.Body != doc {
		t.Fatalf("download: Content-Disposition %q, body equal %v", r.Header.Get("Content-Disposition"), r.Body == doc)
	}
	req, _ := http.NewRequest(http.MethodGet, ta.URL+"/credentials/"+id+"/credential.json", nil)
	req.Header.Set("If-None-Match", etag)
	if r := b.do(req); r.StatusCode != http.StatusNotModified || r.Body != "" {
		t.Fatalf("If-None-Match: status %d", r.StatusCode)
	}
}

func TestDIDDocumentHTTP(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	cc := credPublish(t, ta.App, ta.DB, "cred-did")
	_, id := cc.earn(t, "山田 花子")
	var cred struct {
		Issuer struct{ ID string } `json:"issuer"`
		Proof  []struct {
			VerificationMethod string `json:"verificationMethod"`
		} `json:"proof"`
	}
	if err := json.Unmarshal([]byte(cc.document(t, id)), &cred); err != nil || len(cred.Proof) != 1 {
		t.Fatalf("credential: %v, %d proofs (want a list of one)", err, len(cred.Proof))
	}

	r := ta.newBrowser(t).get("/.well-known/did.json")
	if r.StatusCode != http.StatusOK || r.Header.Get("Cache-Control") != "public, max-age=3600" || r.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("status %d, Cache-Control %q, Content-Type %q", r.StatusCode, r.Header.Get("Cache-Control"), r.Header.Get("Content-Type"))
	}
	var did struct {
		ID                 string
		VerificationMethod []struct {
			ID, Type, Controller, PublicKeyMultibase string
		}
		AssertionMethod []string
	}
	if err := json.Unmarshal([]byte(r.Body), &did); err != nil {
		t.Fatal(err)
	}
	host := strings.TrimPrefix(ta.URL, "http://")
	if did.ID != "did:web:"+strings.ReplaceAll(host, ":", "%3A") || did.ID != cred.Issuer.ID {
		t.Fatalf("DID %q, the credential's issuer %q", did.ID, cred.Issuer.ID)
	}
	found := false
	for _, vm := range did.VerificationMethod {
		if vm.ID == cred.Proof[0].VerificationMethod && vm.Type == "Multikey" && vm.Controller == did.ID {
			if _, err := credential.DecodePublicKeyMultibase(vm.PublicKeyMultibase); err != nil {
				t.Fatalf("key %s: %v", vm.ID, err)
			}
			found = true
		}
	}
	if !found || len(did.AssertionMethod) != len(did.VerificationMethod) {
		t.Fatalf("the signing key %s is not listed: %+v", cred.Proof[0].VerificationMethod, did)
	}
}

// credDIDResolver resolves verification methods from the served DID document.
func credDIDResolver(t *testing.T, b *browser) func(string) (ed25519.PublicKey, error) {
	t.Helper()
	var did struct {
		VerificationMethod []struct{ ID, PublicKeyMultibase string }
	}
	if err := json.Unmarshal([]byte(b.get("/.well-known/did.json").Body), &did); err != nil {
		t.Fatal(err)
	}
	return func(vm string) (ed25519.PublicKey, error) {
		for _, m := range did.VerificationMethod {
			if m.ID == vm {
				return credential.DecodePublicKeyMultibase(m.PublicKeyMultibase)
			}
		}
		return nil, fmt.Errorf("unknown key %s", vm)
	}
}

func TestStatusListHTTP(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	cc := credPublish(t, ta.App, ta.DB, "cred-status")
	_, id := cc.earn(t, "山田 花子")
	var cred struct {
		CredentialStatus struct{ StatusListCredential, StatusListIndex string } `json:"credentialStatus"`
	}
	json.Unmarshal([]byte(cc.document(t, id)), &cred)
	listPath := strings.TrimPrefix(cred.CredentialStatus.StatusListCredential, ta.URL)
	index, _ := strconv.Atoi(cred.CredentialStatus.StatusListIndex)
	if !strings.HasPrefix(listPath, "/credentials/status/") {
		t.Fatalf("status list URL %q", cred.CredentialStatus.StatusListCredential)
	}
	b := ta.newBrowser(t)
	resolve := credDIDResolver(t, b)

	// bit fetches the list, checks its signature and reads the credential's bit.
	bit := func(r *response) bool {
		t.Helper()
		var doc map[string]any
		if err := json.Unmarshal([]byte(r.Body), &doc); err != nil {
			t.Fatal(err)
		}
		if err := credential.VerifyProof(doc, resolve); err != nil {
			t.Fatalf("the status list credential's proof: %v", err)
		}
		sub := doc["credentialSubject"].(map[string]any)
		if doc["id"] != cred.CredentialStatus.StatusListCredential || sub["type"] != "BitstringStatusList" || sub["statusPurpose"] != "revocation" {
			t.Fatalf("status list credential %v", doc)
		}
		list, err := credential.DecodeStatusList(sub["encodedList"].(string))
		if err != nil {
			t.Fatal(err)
		}
		set, err := list.Get(index)
		if err != nil {
			t.Fatal(err)
		}
		return set
	}

	r := b.get(listPath)
	if r.StatusCode != http.StatusOK || r.Header.Get("Cache-Control") != "public, max-age=60" || r.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("status %d, Cache-Control %q, Content-Type %q", r.StatusCode, r.Header.Get("Cache-Control"), r.Header.Get("Content-Type"))
	}
	etag, lastModified := r.Header.Get("ETag"), r.Header.Get("Last-Modified")
	if etag == "" || lastModified == "" {
		t.Fatalf("ETag %q, Last-Modified %q", etag, lastModified)
	}
	if bit(r) {
		t.Fatal("the bit is set before revocation")
	}
	conditional := func(header, value string) *response {
		req, _ := http.NewRequest(http.MethodGet, ta.URL+listPath, nil)
		req.Header.Set(header, value)
		return b.do(req)
	}
	if r := conditional("If-None-Match", etag); r.StatusCode != http.StatusNotModified || r.Body != "" {
		t.Fatalf("If-None-Match: status %d", r.StatusCode)
	}
	if r := conditional("If-Modified-Since", lastModified); r.StatusCode != http.StatusNotModified {
		t.Fatalf("If-Modified-Since: status %d", r.StatusCode)
	}

	cc.revoke(t, ta, id, "誤って発行したため")
	r = conditional("If-None-Match", etag)
	if r.StatusCode != http.StatusOK || r.Header.Get("ETag") == etag {
		t.Fatalf("after revocation: status %d, ETag %q (was %q)", r.StatusCode, r.Header.Get("ETag"), etag)
	}
	if !bit(r) {
		t.Fatal("the bit is not set after revocation")
	}
}

func TestVerifyHTTP(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	cc := credPublish(t, ta.App, ta.DB, "cred-verify")
	_, id := cc.earn(t, "山田 花子")
	_, revokedID := cc.earn(t, "鈴木 一郎")
	cc.revoke(t, ta, revokedID, "誤って発行したため")
	doc, revokedDoc := cc.document(t, id), cc.document(t, revokedID)

	// A site serving a "remote context": verification must never ask it.
	var fetched atomic.Int64
	remote := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetched.Add(1)
		w.Header().Set("Content-Type", "application/ld+json")
		io.WriteString(w, `{"@context":{"extra":"https://example.org/extra"}}`)
	}))
	defer remote.Close()
	remoteCtx := remote.URL + "/context.jsonld"
	withRemote := credEdit(t, doc, func(m map[string]any) { m["@context"] = append(m["@context"].([]any), remoteCtx) })
	didKey := credEdit(t, doc, func(m map[string]any) {
		m["issuer"].(map[string]any)["id"] = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
	})

	type want struct {
		verdict, check, ja, en string
	}
	cases := []struct {
		name           string
		pasted         string
		fileName       string
		file           []byte
		want           want
		keepsPasteText bool
	}{
		{"ValidPasted", doc, "", nil, want{"valid", "credential.check.signature", "発行後に書き換えられていません", "not changed since it was issued"}, true},
		{"ValidFile", "", "credential.json", []byte(doc), want{"valid", "credential.check.dates", "有効期間内です", "Within its validity period"}, false},
		{"FileWinsOverPaste", "{", "credential.json", []byte(doc), want{"valid", "credential.check.format", "Open Badges 3.0 の修了証", "An Open Badges 3.0 credential"}, true},
		{"Revoked", revokedDoc, "", nil, want{"revoked", "credential.check.status", "この修了証は失効しています", "This credential has been revoked"}, true},
		{"Empty", "", "", nil, want{"invalid", "credential.check.format", "何も入力されていません", "Nothing was given"}, false},
		{"MalformedJSON", `{"@context": ["https://www.w3.org/ns/credentials/v2",`, "", nil, want{"invalid", "credential.check.format", "JSON として読めません", "This is not valid JSON"}, true},
		{"NotAnObject", `[1, 2, 3]`, "", nil, want{"invalid", "credential.check.format", "JSON のオブジェクト", "This is not a JSON object"}, true},
		{"TwoMiBUpload", "", "big.json", bytes.Repeat([]byte(" "), 2<<20), want{"invalid", "credential.check.format", "ファイルが大きすぎます（上限 1024 KiB）", "The file is too large (limit 1024 KiB)"}, false},
		{"TooLargePaste", strings.Repeat(" ", credential.MaxVerifyBytes+10) + "{}", "", nil, want{"invalid", "credential.check.format", "ファイルが大きすぎます", "The file is too large"}, false},
		{"RemoteContext", withRemote, "", nil, want{"invalid", "credential.check.contexts", "同梱していないコンテキスト " + remoteCtx, "refers to the context " + remoteCtx + ", which is not bundled here"}, true},
		// Another issuer (a did:key here) is checked as a partner issuer
		// (internal/partner): not registered, said as such.
		{"DIDKeyIssuer", didKey, "", nil, want{"invalid", "credential.check.issuer", "登録済み提携先ではない", "is not a registered partner of this service"}, true},
		{"OneChangedByte", credTamper(t, doc), "", nil, want{"invalid", "credential.check.signature", "発行後に内容が書き換えられています", "the credential was changed after it was issued"}, true},
		// Signed by a key the issuer does not list, or by someone else: the
		// issuer check fails and says so (the content was not changed).
		{"KeyNotListed", credEdit(t, doc, func(m map[string]any) {
			credProof(m)["verificationMethod"] = credIssuerID(m) + "#key-not-ours"
		}), "", nil, want{"invalid", "credential.check.issuer", "発行者 " + credIssuerID(credMap(t, doc)) + " が公開している鍵", "is not one the issuer " + credIssuerID(credMap(t, doc)) + " publishes"}, true},
		{"SignerNotIssuer", credEdit(t, doc, func(m map[string]any) {
			credProof(m)["verificationMethod"] = "did:web:forger.example#key-1"
		}), "", nil, want{"invalid", "credential.check.issuer", "署名したのは did:web:forger.example で、発行者", "It was signed by did:web:forger.example, not by its issuer"}, true},
		// The genuine credential with a forged name before the real one.
		{"DuplicateKey", strings.Replace(doc, `"achievement":{`, `"achievement":{"name":"FORGED",`, 1), "", nil,
			want{"invalid", "credential.check.format", "項目「name」が 2 回あります", `The key "name" appears twice in the same JSON object (credentialSubject.achievement)`}, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for _, lang := range []string{"ja", "en"} {
				b := ta.newBrowser(t)
				credLang(t, b, lang)
				r := credVerifyPost(t, b, tc.pasted, tc.fileName, tc.file)
				if r.StatusCode != http.StatusOK {
					t.Fatalf("%s: status %d\n%.800s", lang, r.StatusCode, r.Body)
				}
				d := r.Doc(t)
				if v, _ := d.Find("#verify-result #verdict").Attr("data-verdict"); v != tc.want.verdict {
					t.Fatalf("%s: verdict %q, want %q\n%s", lang, v, tc.want.verdict, d.Find("#checks").Text())
				}
				text := tc.want.ja
				if lang == "en" {
					text = tc.want.en
				}
				detail := d.Find(`#checks li[data-check="` + tc.want.check + `"] .cred-check-detail`).Text()
				if !strings.Contains(detail, text) {
					t.Fatalf("%s: %s says %q, want %q", lang, tc.want.check, detail, text)
				}
				if n := d.Find("#checks li").Length(); n != 6 {
					t.Fatalf("%s: %d checks listed, want 6", lang, n)
				}
				kept := d.Find("#f-credential").Text()
				if tc.keepsPasteText && kept != tc.pasted {
					t.Fatalf("%s: the textarea holds %.80q, want what was pasted", lang, kept)
				}
				if len(tc.pasted) > credential.MaxVerifyBytes && kept != "" {
					t.Fatalf("%s: a paste over the limit is sent back", lang)
				}
				if tc.fileName != "" && !strings.Contains(d.Find("#checked-file").Text(), tc.fileName) {
					t.Fatalf("%s: the checked file is not named: %q", lang, d.Find("#checked-file").Text())
				}
			}
		})
	}
	if n := fetched.Load(); n != 0 {
		t.Fatalf("verification fetched the remote context %d times", n)
	}

	t.Run("ClaimsOfAnInvalidCredentialAreMarked", func(t *testing.T) {
		d := credVerifyPost(t, ta.newBrowser(t), credTamper(t, doc), "", nil).Doc(t)
		if d.Find("#claims-untrusted").Length() != 1 || d.Find("#claim-achievement").Text() != "データ活用の基礎 / Data basics" {
			t.Fatalf("claims: warning %d, achievement %q", d.Find("#claims-untrusted").Length(), d.Find("#claim-achievement").Text())
		}
		d = credVerifyPost(t, ta.newBrowser(t), doc, "", nil).Doc(t)
		if d.Find("#claims-untrusted").Length() != 0 || !strings.Contains(d.Find("#claim-issuer").Text(), "検証テスト機関 cred-verify") {
			t.Fatalf("claims of a valid credential: warning %d, issuer %q", d.Find("#claims-untrusted").Length(), d.Find("#claim-issuer").Text())
		}
	})
	t.Run("BodyOverTheCapGetsThePageNotAnErrorPage", func(t *testing.T) {
		b := ta.newBrowser(t)
		credLang(t, b, "en")
		r := credVerifyPost(t, b, "", "huge.json", bytes.Repeat([]byte("x"), 6<<20))
		d := r.Doc(t)
		if r.StatusCode != http.StatusRequestEntityTooLarge {
			t.Fatalf("status %d", r.StatusCode)
		}
		if got := d.Find(`#checks li[data-check="credential.check.format"] .cred-check-detail`).Text(); !strings.Contains(got, "The file is too large (limit 1024 KiB)") {
			t.Fatalf("explanation %q\n%.600s", got, r.Body)
		}
		if href, _ := d.Find(`main a[href="/verify"]`).Attr("href"); href != "/verify" || r.Header.Get("Content-Security-Policy") == "" {
			t.Fatalf("link back %q, CSP %q", href, r.Header.Get("Content-Security-Policy"))
		}
	})
	t.Run("NoCSRFTokenIsRefused", func(t *testing.T) {
		b := ta.newBrowser(t)
		b.get("/verify")
		if r := b.postRaw("/verify", url.Values{"credential": {doc}}); r.StatusCode != http.StatusForbidden {
			t.Fatalf("status %d", r.StatusCode)
		}
	})
	t.Run("FormPage", func(t *testing.T) {
		r := ta.newBrowser(t).get("/verify")
		d := r.Doc(t)
		form := d.Find("#verify-form")
		if enc, _ := form.Attr("enctype"); r.StatusCode != http.StatusOK || enc != "multipart/form-data" {
			t.Fatalf("status %d, enctype %q", r.StatusCode, enc)
		}
		if accept, _ := form.Find(`input[type="file"]`).Attr("accept"); !strings.Contains(accept, "application/json") {
			t.Fatalf("file input accepts %q", accept)
		}
		if d.Find("#verify-result").Length() != 0 {
			t.Fatal("a result before anything was submitted")
		}
	})
}

// TestCredentialVerificationBrowserJourney is an employer checking
// credentials in Chromium: the public page of a valid credential and of a
// revoked one, then a tampered credential pasted into /verify; in Japanese,
// then in English after the language switch. axe checks every page.
func TestCredentialVerificationBrowserJourney(t *testing.T) {
	ta := startApp(t)
	ctx := newChrome(t)
	cc := credPublish(t, ta.App, ta.DB, "cred-journey")
	_, valid := cc.earn(t, "山田 花子")
	_, revoked := cc.earn(t, "鈴木 一郎")
	cc.revoke(t, ta, revoked, "受講記録の不正が判明したため")
	tampered := credTamper(t, cc.document(t, valid))

	type texts struct {
		valid, revoked, invalid, signature, checks string
	}
	pass := func(lang string, tx texts) {
		t.Helper()
		do(t, ctx, chromedp.Navigate(ta.URL+"/credentials/"+valid), chromedp.WaitVisible(chromedp.CSS("#verdict-text")))
		if got := text(t, ctx, "#verdict-text"); got != tx.valid {
			t.Fatalf("%s: valid credential's verdict %q", lang, got)
		}
		if got := text(t, ctx, "#checks"); !strings.Contains(got, tx.checks) {
			t.Fatalf("%s: checks %q lack %q", lang, got, tx.checks)
		}
		checkAxe(t, ctx, "verification page, valid ("+lang+")")

		do(t, ctx, chromedp.Navigate(ta.URL+"/credentials/"+revoked), chromedp.WaitVisible(chromedp.CSS("#verdict-text")))
		if got := text(t, ctx, "#verdict-text"); got != tx.revoked {
			t.Fatalf("%s: revoked credential's verdict %q", lang, got)
		}
		if got := text(t, ctx, "#revocation"); !strings.Contains(got, "受講記録の不正が判明したため") || !strings.Contains(got, "20") {
			t.Fatalf("%s: revocation %q lacks the date and reason", lang, got)
		}
		checkAxe(t, ctx, "verification page, revoked ("+lang+")")

		clickAndWaitNewPage(t, ctx, "#verify-other")
		checkAxe(t, ctx, "verify form ("+lang+")")
		do(t, ctx, chromedp.SetValue(chromedp.CSS("#f-credential"), tampered))
		clickAndWaitNewPage(t, ctx, `#verify-form button[type="submit"]`)
		if got := text(t, ctx, "#verdict-text"); got != tx.invalid {
			t.Fatalf("%s: tampered credential's verdict %q", lang, got)
		}
		if got := text(t, ctx, `#checks li[data-check="credential.check.signature"]`); !strings.Contains(got, tx.signature) {
			t.Fatalf("%s: signature check %q lacks %q", lang, got, tx.signature)
		}
		if got := get(t, ctx, chromedp.Value(chromedp.CSS("#f-credential"))); got != tampered {
			t.Fatalf("%s: the textarea lost what was pasted (%d bytes, want %d)", lang, len(got), len(tampered))
		}
		checkAxe(t, ctx, "verify result, tampered ("+lang+")")
	}
	pass("ja", texts{"有効", "失効", "確認できません", "発行後に内容が書き換えられています", "発行後に書き換えられていません"})
	clickAndWaitNewPage(t, ctx, `form.lang-switch button[value="en"]`)
	pass("en", texts{"Valid", "Revoked", "Cannot be verified", "the credential was changed after it was issued", "not changed since it was issued"})
}

// BenchmarkCredentialPage measures the public verification page's server
// time: the request through the real router and middleware (sessions,
// CSRF, the credential and holder lookups, verification with its status
// query, rendering), without the network. cpu-ns/op is this process's CPU
// time per request (PostgreSQL's is not included).
func BenchmarkCredentialPage(b *testing.B) {
	db := dbtest.New(b)
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
	cc := credPublish(b, a, db, "cred-bench")
	_, id := cc.earn(b, "山田 花子")
	h := a.Handler()
	get := func() {
		req := httptest.NewRequest(http.MethodGet, "/credentials/"+id, nil)
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		if w.Code != http.StatusOK || !strings.Contains(w.Body.String(), "有効") {
			b.Fatalf("status %d\n%.400s", w.Code, w.Body.String())
		}
	}
	get() // warm the caches (parsed contexts, prepared statements)
	// CPU time per request as well as wall time: on a shared machine the
	// wall time mostly measures the other processes.
	var before, after syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &before)
	for b.Loop() {
		get()
	}
	syscall.Getrusage(syscall.RUSAGE_SELF, &after)
	cpu := func(r syscall.Rusage) int64 { return r.Utime.Nano() + r.Stime.Nano() }
	b.ReportMetric(float64(cpu(after)-cpu(before))/float64(b.N), "cpu-ns/op")
}

// TestCredentialDocumentsHEAD: HEAD answers like GET (status, type,
// length, ETag, caching, CORS; no body) on the DID document, a
// credential's JSON and its status list, which verifiers and link checkers
// probe with HEAD. The status list may be cached for 60 s at most, so a
// revocation reaches verifiers within a minute.
func TestCredentialDocumentsHEAD(t *testing.T) {
	ta := startApp(t)
	cc := credPublish(t, ta.App, ta.DB, "cred-head")
	_, id := cc.earn(t, "山田 花子")
	var cred struct {
		CredentialStatus struct{ StatusListCredential string } `json:"credentialStatus"`
	}
	json.Unmarshal([]byte(cc.document(t, id)), &cred)
	listPath := strings.TrimPrefix(cred.CredentialStatus.StatusListCredential, ta.URL)
	b := ta.newBrowser(t)
	for _, tc := range []struct{ name, path, cache string }{
		{"DIDDocument", "/.well-known/did.json", "public, max-age=3600"},
		{"CredentialJSON", "/credentials/" + id + "/credential.json", "no-cache"},
		{"StatusList", listPath, "public, max-age=60"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			get := b.get(tc.path)
			req, _ := http.NewRequest(http.MethodHead, ta.URL+tc.path, nil)
			head := b.do(req)
			if get.StatusCode != http.StatusOK || head.StatusCode != http.StatusOK || head.Body != "" {
				t.Fatalf("GET %d, HEAD %d with %d body bytes", get.StatusCode, head.StatusCode, len(head.Body))
			}
			for _, h := range []string{"Content-Type", "Content-Length", "ETag", "Cache-Control", "Access-Control-Allow-Origin"} {
				if get.Header.Get(h) == "" || head.Header.Get(h) != get.Header.Get(h) {
					t.Errorf("%s: GET %q, HEAD %q", h, get.Header.Get(h), head.Header.Get(h))
				}
			}
			if got := get.Header.Get("Cache-Control"); got != tc.cache {
				t.Errorf("Cache-Control %q, want %q", got, tc.cache)
			}
		})
	}
}

// TestIssuerInfoPage: /credentials/issuer publishes, in both languages,
// what an issuer registry needs to list this platform's credentials: the
// issuer's DID and its DID document, the operator's name, location and
// contact (from configuration), and a ready registry entry. The verify
// page and every credential page link to it.
func TestIssuerInfoPage(t *testing.T) {
	ta := startApp(t, func(c *config.Config) {
		c.OperatorName = "匠人材育成機構"
		c.OperatorLocation = "東京都千代田区, Japan"
		c.OperatorContact = "credentials@takumi.example.jp"
	})
	cc := credPublish(t, ta.App, ta.DB, "cred-issuer")
	_, id := cc.earn(t, "山田 花子")
	issuer := credIssuerID(credMap(t, cc.document(t, id)))
	for _, lang := range []string{"ja", "en"} {
		b := ta.newBrowser(t)
		credLang(t, b, lang)
		r := b.get("/credentials/issuer")
		if r.StatusCode != http.StatusOK {
			t.Fatalf("%s: status %d", lang, r.StatusCode)
		}
		d := r.Doc(t)
		heading := map[string]string{"ja": "発行者情報", "en": "Issuer information"}[lang]
		if h := d.Find("h1").Text(); !strings.Contains(h, heading) {
			t.Errorf("%s: heading %q, want %q", lang, h, heading)
		}
		if got := strings.TrimSpace(d.Find("#issuer-did").Text()); got != issuer {
			t.Errorf("%s: DID %q, want the credentials' issuer %q", lang, got, issuer)
		}
		if href, _ := d.Find("#issuer-did-document").Attr("href"); href != ta.URL+"/.well-known/did.json" {
			t.Errorf("%s: DID document link %q", lang, href)
		}
		if got := strings.TrimSpace(d.Find("#operator-name").Text()); got != "匠人材育成機構" {
			t.Errorf("%s: operator %q", lang, got)
		}
		if got := strings.TrimSpace(d.Find("#operator-location").Text()); got != "東京都千代田区, Japan" {
			t.Errorf("%s: location %q", lang, got)
		}
		if href, _ := d.Find("#operator-contact a").Attr("href"); href != "mailto:credentials@takumi.example.jp" {
			t.Errorf("%s: contact link %q", lang, href)
		}
		var entry map[string]map[string]string
		if err := json.Unmarshal([]byte(d.Find("#registry-entry").Text()), &entry); err != nil ||
			entry[issuer]["name"] != "匠人材育成機構" || entry[issuer]["url"] != ta.URL || entry[issuer]["location"] != "東京都千代田区, Japan" {
			t.Errorf("%s: registry entry %v (%v)", lang, entry, err)
		}
		for _, from := range []string{"/verify", "/credentials/" + id} {
			if b.get(from).Doc(t).Find(`a[href="/credentials/issuer"]`).Length() == 0 {
				t.Errorf("%s: %s does not link to the issuer page", lang, from)
			}
		}
	}
	// Without a configured contact the page says so instead of a blank.
	ta2 := startApp(t)
	d := ta2.newBrowser(t).get("/credentials/issuer").Doc(t)
	if d.Find("#operator-contact a").Length() != 0 || strings.TrimSpace(d.Find("#operator-contact").Text()) == "" {
		t.Errorf("unset contact: %q", d.Find("#operator-contact").Text())
	}
}
