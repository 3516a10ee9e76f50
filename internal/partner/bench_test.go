package partner_test

import (
	"encoding/json"
	"testing"
	"time"

	"takumi/internal/credential"
)

// BenchmarkVerifyForeign is verifying one partner credential (the
// fixture, signed by Digital Bazaar's libraries) against a stored did:key
// document with its status list known: format, contexts, issuer, the
// eddsa-rdfc-2022 proof, the status list's own proof and bit, dates. The
// issue's target is under 10 ms.
func BenchmarkVerifyForeign(b *testing.B) {
	fx := loadSigned(b, "partner.json")
	doc, err := credential.DIDKeyDocument(fx.DID)
	if err != nil {
		b.Fatal(err)
	}
	iss := credential.ForeignIssuer{DID: fx.DID, Document: doc}
	var list []byte = fx.StatusLists[listFirst]
	status := func(string) []byte { return list }
	now := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	raw := []byte(fx.Credentials[credA])
	var probe map[string]any
	_ = json.Unmarshal(raw, &probe)
	b.ReportAllocs()
	for b.Loop() {
		r, _ := credential.VerifyForeign(raw, iss, status, now)
		if r.Verdict != credential.VerdictValid {
			b.Fatalf("verdict %s", r.Verdict)
		}
	}
}
