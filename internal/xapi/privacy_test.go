package xapi_test

import (
	"archive/zip"
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"encoding/json"
	"io"
	"testing"

	"takumi/internal/dbtest"
	"takumi/internal/fixtures"
	"takumi/internal/learning"
	"takumi/internal/privacy"
	"takumi/internal/xapi"
)

// TestPrivacyExportAndErase: the learner's data export holds the
// statements naming them (as mbox, mbox_sha1sum or Takumi's account with
// their user id) and their State documents; deleting the account deletes
// exactly those, and leaves another person's.
func TestPrivacyExportAndErase(t *testing.T) {
	ctx := context.Background()
	db := dbtest.New(t)
	orgID := fixtures.MustCreateOrg(t, db, fixtures.Org{NameJa: "LRSの組織", Kind: "provider"})
	svc := &xapi.Service{DB: db.Gorm, HomePage: "https://takumi.example"}
	c, _, err := svc.NewClient(ctx, orgID, "lrs", true, true, xapi.V200, "", "")
	if err != nil {
		t.Fatal(err)
	}
	const email = "xapi.learner@example.jp"
	learner := fixtures.MustCreateUser(t, db, fixtures.User{Email: email, NoPassword: true})
	sum := sha1.Sum([]byte("mailto:" + email))
	verb := `"verb":{"id":"http://adlnet.gov/expapi/verbs/experienced"}`
	act := `"object":{"id":"https://takumi.example/activities/1"}`
	stmts := []any{
		decode(t, `{"actor":{"mbox":"mailto:`+email+`"},`+verb+`,`+act+`}`),
		decode(t, `{"actor":{"account":{"homePage":"https://takumi.example","name":"`+learner+`"}},`+verb+`,`+act+`}`),
		decode(t, `{"actor":{"mbox":"mailto:teacher@example.jp"},`+verb+`,"object":{"objectType":"Agent","mbox_sha1sum":"`+hex.EncodeToString(sum[:])+`"}}`),
		decode(t, `{"actor":{"mbox":"mailto:someone.else@example.jp"},`+verb+`,`+act+`}`),
	}
	ids, err := svc.StoreStatements(ctx, c, xapi.V200, stmts, nil, "")
	if err != nil {
		t.Fatal(err)
	}
	mine := xapi.DocKey{Kind: "state", ActivityID: "https://takumi.example/activities/1", Agent: "mbox:mailto:" + email, DocID: "bookmark"}
	theirs := mine
	theirs.Agent = "mbox:mailto:someone.else@example.jp"
	for _, k := range []xapi.DocKey{mine, theirs} {
		if _, err := svc.SaveDocument(ctx, orgID, k, "application/json", []byte(`{"page":3}`), false, false, false, xapi.Preconditions{}); err != nil {
			t.Fatal(err)
		}
	}

	ps := privacy.NewService(db.Gorm, learning.NewService(db.Gorm, nil, nil, nil, "https://takumi.example"))
	arch, err := ps.ExportMyData(ctx, privacy.Person{UserID: learner})
	if err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(arch.Zip), int64(len(arch.Zip)))
	if err != nil {
		t.Fatal(err)
	}
	var data struct {
		Tables map[string][]map[string]any `json:"tables"`
	}
	for _, f := range zr.File {
		if f.Name == "data.json" {
			r, _ := f.Open()
			b, _ := io.ReadAll(r)
			r.Close()
			if err := json.Unmarshal(b, &data); err != nil {
				t.Fatal(err)
			}
		}
	}
	got := map[any]bool{}
	for _, row := range data.Tables["xapi_statements"] {
		got[row["id"]] = true
	}
	if len(got) != 3 || !got[ids[0]] || !got[ids[1]] || !got[ids[2]] {
		t.Fatalf("exported statements %v, want %v", got, ids[:3])
	}
	if docs := data.Tables["xapi_documents"]; len(docs) != 1 || docs[0]["doc_id"] != "bookmark" || docs[0]["content"] != `{"page":3}` {
		t.Fatalf("exported documents %v, want the learner's state document", docs)
	}

	ok := func(context.Context, string, string, string, string) error { return nil }
	if err := ps.DeleteAccount(ctx, privacy.Person{UserID: learner}, privacy.DeleteAccountInput{Password: "x", Confirmation: "削除"}, ok); err != nil {
		t.Fatal(err)
	}
	var left []string
	if err := db.Gorm.Raw(`SELECT id::text FROM xapi_statements ORDER BY seq`).Scan(&left).Error; err != nil {
		t.Fatal(err)
	}
	if len(left) != 1 || left[0] != ids[3] {
		t.Fatalf("statements left %v, want only another person's %s", left, ids[3])
	}
	var agents []string
	if err := db.Gorm.Raw(`SELECT agent FROM xapi_documents`).Scan(&agents).Error; err != nil {
		t.Fatal(err)
	}
	if len(agents) != 1 || agents[0] != theirs.Agent {
		t.Fatalf("documents left for %v, want only %s", agents, theirs.Agent)
	}
}
