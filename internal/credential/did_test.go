package credential

import (
	"crypto/ed25519"
	"encoding/json"
	"testing"
	"time"
)

// The key pair of the W3C "Data Integrity EdDSA Cryptosuites v1.0" test
// vectors (secretKeyMultibase carries the multicodec 0x8026 + 32-byte seed).
const (
	vectorSecretMultibase = "z3u2en7t5LR2WtQH5PfFqMqwVHBeXouLzo6haApm8XHqvjxq"
	vectorPublicMultibase = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"
)

func vectorKey(t *testing.T) Key {
	t.Helper()
	raw, err := DecodeMultibaseBase58(vectorSecretMultibase)
	if err != nil || len(raw) != 34 || raw[0] != 0x80 || raw[1] != 0x26 {
		t.Fatalf("secret key vector decodes to % x", raw)
	}
	priv := ed25519.NewKeyFromSeed(raw[2:])
	return Key{ID: "key-1", Public: priv.Public().(ed25519.PublicKey), Private: priv, Created: time.Now()}
}

func TestMultikeyVector(t *testing.T) {
	k := vectorKey(t)
	if got := EncodePublicKeyMultibase(k.Public); got != vectorPublicMultibase {
		t.Fatalf("multikey = %s, want %s", got, vectorPublicMultibase)
	}
	back, err := DecodePublicKeyMultibase(vectorPublicMultibase)
	if err != nil || !back.Equal(k.Public) {
		t.Fatalf("decoding the vector: %v", err)
	}
}

func TestDIDWeb(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"https://takumi.example.jp", "did:web:takumi.example.jp"},
		{"https://Takumi.Example.JP/", "did:web:takumi.example.jp"},
		{"http://localhost:8080", "did:web:localhost%3A8080"},
		{"https://example.jp/training/takumi", "did:web:example.jp:training:takumi"},
	} {
		got, err := DIDWeb(c.in)
		if err != nil || got != c.want {
			t.Errorf("DIDWeb(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"", "ftp://example.jp", "https://", "https://user@example.jp", "https://example.jp/?q=1", "https://[::1]:8080"} {
		if got, err := DIDWeb(bad); err == nil {
			t.Errorf("DIDWeb(%q) = %q, want an error", bad, got)
		}
	}
}

func TestDIDDocument(t *testing.T) {
	active := vectorKey(t)
	active.ID = "key-20261127-abcdef"
	retiredAt := time.Date(2026, 11, 27, 0, 0, 0, 0, time.UTC)
	old := Key{ID: "key-20250101-000000", Public: make(ed25519.PublicKey, 32), Retired: &retiredAt}
	doc := DIDDocument("did:web:takumi.example.jp", []Key{old, active})
	got, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	want := `{
  "@context": [
    "https://www.w3.org/ns/did/v1",
    "https://w3id.org/security/multikey/v1"
  ],
  "assertionMethod": [
    "did:web:takumi.example.jp#key-20250101-000000",
    "did:web:takumi.example.jp#key-20261127-abcdef"
  ],
  "id": "did:web:takumi.example.jp",
  "verificationMethod": [
    {
      "controller": "did:web:takumi.example.jp",
      "id": "did:web:takumi.example.jp#key-20250101-000000",
      "publicKeyMultibase": "z6MkeTG3bFFSLYVU7VqhgZxqr6YzpaGrQtFMh1uvqGy1vDnP",
      "type": "Multikey"
    },
    {
      "controller": "did:web:takumi.example.jp",
      "id": "did:web:takumi.example.jp#key-20261127-abcdef",
      "publicKeyMultibase": "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2",
      "type": "Multikey"
    }
  ]
}`
	if string(got) != want {
		t.Fatalf("DID document:\n%s\nwant:\n%s", got, want)
	}
}
