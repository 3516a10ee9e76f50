package credential_test

import (
	"testing"
	"time"

	"takumi/internal/credential"
)

func BenchmarkSign(b *testing.B) {
	doc, err := credential.BuildOpenBadge(credsignInput())
	if err != nil {
		b.Fatal(err)
	}
	_, priv := credsignKey(1)
	created := time.Date(2026, 4, 1, 9, 30, 5, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := credential.Sign(doc, priv, credsignVM, created); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkVerify(b *testing.B) {
	signed := credsignSigned(b)
	pub, _ := credsignKey(1)
	resolve := credsignResolver(pub)
	b.ReportAllocs()
	for b.Loop() {
		if err := credential.VerifyProof(signed, resolve); err != nil {
			b.Fatal(err)
		}
	}
}
