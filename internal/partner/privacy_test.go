package partner_test

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"testing"

	"takumi/internal/learning"
	"takumi/internal/privacy"
)

// TestPrivacyExportAndErase: the learner's data export holds the partner
// credential they added (with its signed document); deleting the account
// erases the document but keeps the counted row, so the programme count
// does not move and reconcile stays clean, and the partner's later
// revocation still stops the count.
func TestPrivacyExportAndErase(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	if err := w.svc.MapAchievement(ctx, w.admin, w.issuer.ID, achievementAI, "ai_data"); err != nil {
		t.Fatal(err)
	}
	res, err := w.importWallet(credA, false)
	if err != nil {
		t.Fatal(err)
	}
	if n := w.count(t); n != 1 {
		t.Fatalf("count before = %d, want 1", n)
	}
	ps := privacy.NewService(w.db.Gorm, learning.NewService(w.db.Gorm, nil, nil, nil, "http://127.0.0.1"))

	arch, err := ps.ExportMyData(ctx, privacy.Person{UserID: w.learner})
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
	csvSeen := false
	for _, f := range zr.File {
		switch f.Name {
		case "data.json":
			r, _ := f.Open()
			b, _ := io.ReadAll(r)
			r.Close()
			if err := json.Unmarshal(b, &data); err != nil {
				t.Fatal(err)
			}
		case "partner_credentials.csv":
			csvSeen = true
		}
	}
	rows := data.Tables["partner_credentials"]
	if len(rows) != 1 || rows[0]["id"] != res.Credential.ID || rows[0]["achievement_id"] != achievementAI ||
		rows[0]["issuer_did"] != w.fx.DID || rows[0]["counted_skill_area"] != "ai_data" || rows[0]["document"] == "" || !csvSeen {
		t.Fatalf("export partner_credentials = %v (csv %v), want the credential %s", rows, csvSeen, res.Credential.ID)
	}

	ok := func(context.Context, string, string, string, string) error { return nil }
	if err := ps.DeleteAccount(ctx, privacy.Person{UserID: w.learner}, privacy.DeleteAccountInput{Password: "x", Confirmation: "DELETE"}, ok); err != nil {
		t.Fatal(err)
	}
	var doc string
	var counted bool
	if err := w.db.Gorm.Raw(`SELECT document, count_id IS NOT NULL FROM partner_credentials WHERE id = ?`, res.Credential.ID).
		Row().Scan(&doc, &counted); err != nil {
		t.Fatal(err)
	}
	if doc != "" || !counted {
		t.Fatalf("after erasure document %d bytes, counted %v; want erased and still counted", len(doc), counted)
	}
	if n := w.count(t); n != 1 {
		t.Fatalf("count after erasure = %d, want 1 (the learning already counted stays counted)", n)
	}
	w.reconcileClean(t)

	// The partner revokes it afterwards: the count still follows.
	if n, err := w.svc.AddStatusList(ctx, w.admin, w.issuer.ID, w.fx.StatusLists[listRevokesA]); err != nil || n != 1 {
		t.Fatalf("status list revoked %d, %v; want 1", n, err)
	}
	if n := w.count(t); n != 0 {
		t.Fatalf("count after revocation = %d, want 0", n)
	}
	w.reconcileClean(t)
}
