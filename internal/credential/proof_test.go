package credential_test

import (
	"bytes"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/piprate/json-gold/ld"

	"takumi/internal/credential"
)

const credsignVM = "did:web:takumi.example#key-1"

// credsignKey is a fixed test key so that failures are reproducible.
func credsignKey(seed byte) (ed25519.PublicKey, ed25519.PrivateKey) {
	priv := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{seed}, ed25519.SeedSize))
	return priv.Public().(ed25519.PublicKey), priv
}

// credsignInput is a complete credential input as the platform would issue it.
func credsignInput() credential.BadgeInput {
	return credential.BadgeInput{
		ID:                "urn:uuid:3f0b6a52-5a35-4f5e-9a3c-0d6f1d3b7c11",
		IssuerID:          "did:web:takumi.example",
		IssuerName:        "匠テクニカルスクール",
		IssuerURL:         "https://provider.example/",
		OperatorName:      "Takumi",
		ValidFrom:         time.Date(2026, 4, 1, 9, 30, 0, 0, time.UTC),
		ValidUntil:        time.Date(2029, 4, 1, 9, 30, 0, 0, time.UTC),
		RecipientEmail:    "hanako@example.jp",
		RecipientSalt:     "c2FsdC0xMjM0NTY3OA",
		AchievementID:     "https://takumi.example/courses/0b6c1f8e-8f43-4a8e-a1f2-2f3c4d5e6f70",
		NameJA:            "ロボットプログラミング基礎",
		NameEN:            "Robot Programming Fundamentals",
		DescriptionJA:     "産業用ロボットの基本操作とプログラミングを学ぶ。",
		DescriptionEN:     "Basic operation and programming of industrial robots.",
		CriteriaNarrative: "全モジュールを修了し、最終テストに合格すること。",
		Alignments: []credential.Alignment{
			{TargetName: "ロボット制御", TargetURL: "https://takumi.example/skills/robotics", TargetCode: "robotics", TargetFramework: "Takumi Skills"},
			{TargetName: "デジタルスキル標準 DX推進スキル標準", TargetURL: "https://www.ipa.go.jp/jinzai/skill-standard/dss/", TargetCode: "DSS-P", TargetFramework: "デジタルスキル標準"},
		},
		StatusListCredential: "https://takumi.example/credentials/status/1",
		StatusListIndex:      4242,
	}
}

// credsignSigned returns a freshly built and signed credential.
func credsignSigned(t testing.TB) map[string]any {
	t.Helper()
	doc, err := credential.BuildOpenBadge(credsignInput())
	if err != nil {
		t.Fatal(err)
	}
	_, priv := credsignKey(1)
	signed, err := credential.Sign(doc, priv, credsignVM, time.Date(2026, 4, 1, 9, 30, 5, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	return credsignRoundTrip(t, signed)
}

// credsignRoundTrip re-decodes doc through JSON, as a verifier receives it.
func credsignRoundTrip(t testing.TB, doc map[string]any) map[string]any {
	t.Helper()
	raw, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// credsignResolver knows only credsignVM, bound to pub.
func credsignResolver(pub ed25519.PublicKey) func(string) (ed25519.PublicKey, error) {
	return func(vm string) (ed25519.PublicKey, error) {
		if vm == credsignVM {
			return pub, nil
		}
		return nil, fmt.Errorf("no key %s", vm)
	}
}

// credsignStringLeaves lists the JSON paths of every string value in v.
func credsignStringLeaves(v any, path []any, out *[][]any) {
	switch x := v.(type) {
	case map[string]any:
		for k, c := range x {
			credsignStringLeaves(c, append(append([]any{}, path...), k), out)
		}
	case []any:
		for i, c := range x {
			credsignStringLeaves(c, append(append([]any{}, path...), i), out)
		}
	case string:
		*out = append(*out, path)
	}
}

// credsignTamper changes one byte of the string at path in a deep copy of doc.
func credsignTamper(t *testing.T, doc map[string]any, path []any) map[string]any {
	t.Helper()
	out := credsignRoundTrip(t, doc)
	var parent any = out
	for _, p := range path[:len(path)-1] {
		switch k := p.(type) {
		case string:
			parent = parent.(map[string]any)[k]
		case int:
			parent = parent.([]any)[k]
		}
	}
	change := func(s string) string {
		b := []byte(s)
		i := len(b) - 1
		if b[i] == 'x' {
			b[i] = 'y'
		} else {
			b[i] = 'x'
		}
		return string(b)
	}
	switch k := path[len(path)-1].(type) {
	case string:
		m := parent.(map[string]any)
		m[k] = change(m[k].(string))
	case int:
		l := parent.([]any)
		l[k] = change(l[k].(string))
	}
	return out
}

func TestCredsignSignVerify(t *testing.T) {
	pub, _ := credsignKey(1)
	signed := credsignSigned(t)

	t.Run("OK", func(t *testing.T) {
		info, err := credential.VerifyProofInfo(signed, credsignResolver(pub))
		if err != nil {
			t.Fatalf("verify: %v", err)
		}
		if info.VerificationMethod != credsignVM || !info.Created.Equal(time.Date(2026, 4, 1, 9, 30, 5, 0, time.UTC)) {
			t.Errorf("info = %+v", info)
		}
		// VC Data Model 2.0 allows an object or a list; 1EdTech's OB 3.0 JSON
		// Schema requires the list.
		list, isList := signed["proof"].([]any)
		if !isList || len(list) != 1 {
			t.Fatalf("proof is %T %v, want a list of one", signed["proof"], signed["proof"])
		}
		proof := list[0].(map[string]any)
		for k, want := range map[string]string{
			"type": "DataIntegrityProof", "cryptosuite": "eddsa-rdfc-2022", "created": "2026-04-01T09:30:05Z",
			"verificationMethod": credsignVM, "proofPurpose": "assertionMethod",
		} {
			if proof[k] != want {
				t.Errorf("proof.%s = %v, want %s", k, proof[k], want)
			}
		}
		if pv, _ := proof["proofValue"].(string); !strings.HasPrefix(pv, "z") || len(pv) < 80 {
			t.Errorf("proofValue = %q", pv)
		}
	})

	// Credentials issued before issue 15 carry the proof as an object: they
	// still verify.
	t.Run("ObjectProofStillVerifies", func(t *testing.T) {
		doc := credsignRoundTrip(t, signed)
		doc["proof"] = proofOf(doc)
		if _, err := credential.VerifyProofInfo(doc, credsignResolver(pub)); err != nil {
			t.Fatalf("verify: %v", err)
		}
	})

	t.Run("InputUnchanged", func(t *testing.T) {
		doc, _ := credential.BuildOpenBadge(credsignInput())
		_, priv := credsignKey(1)
		if _, err := credential.Sign(doc, priv, credsignVM, time.Now()); err != nil {
			t.Fatal(err)
		}
		if _, has := doc["proof"]; has {
			t.Fatal("Sign added the proof to its input")
		}
		if _, err := credential.Sign(credsignRoundTrip(t, signed), priv, credsignVM, time.Now()); err == nil {
			t.Fatal("signed a document that already has a proof")
		}
	})

	t.Run("ErrTamperedByte", func(t *testing.T) {
		var leaves [][]any
		credsignStringLeaves(signed, nil, &leaves)
		if len(leaves) < 30 {
			t.Fatalf("only %d string values", len(leaves))
		}
		for _, path := range leaves {
			tampered := credsignTamper(t, signed, path)
			if err := credential.VerifyProof(tampered, credsignResolver(pub)); err == nil {
				t.Errorf("changing one byte of %v still verifies", path)
			}
		}
		// The signed document itself is untouched by the copies.
		if err := credential.VerifyProof(signed, credsignResolver(pub)); err != nil {
			t.Fatalf("original no longer verifies: %v", err)
		}
	})

	t.Run("ErrTamperedName", func(t *testing.T) {
		tampered := credsignRoundTrip(t, signed)
		tampered["credentialSubject"].(map[string]any)["achievement"].(map[string]any)["name"] = "ロボットプログラミング応用"
		if err := credential.VerifyProof(tampered, credsignResolver(pub)); !errors.Is(err, credential.ErrSignatureMismatch) {
			t.Fatalf("err = %v, want ErrSignatureMismatch", err)
		}
	})

	t.Run("ErrWrongKey", func(t *testing.T) {
		other, _ := credsignKey(2)
		if err := credential.VerifyProof(signed, credsignResolver(other)); !errors.Is(err, credential.ErrSignatureMismatch) {
			t.Fatalf("err = %v, want ErrSignatureMismatch", err)
		}
	})

	t.Run("ErrUnknownVerificationMethod", func(t *testing.T) {
		doc := credsignRoundTrip(t, signed)
		proofOf(doc)["verificationMethod"] = "did:web:takumi.example#key-9"
		if err := credential.VerifyProof(doc, credsignResolver(pub)); !errors.Is(err, credential.ErrUnknownKey) {
			t.Fatalf("err = %v, want ErrUnknownKey", err)
		}
	})

	t.Run("ErrBadProofValue", func(t *testing.T) {
		for _, pv := range []string{"", "uAAAA", "z0OIl", "z" + strings.Repeat("1", 10)} {
			doc := credsignRoundTrip(t, signed)
			proofOf(doc)["proofValue"] = pv
			if err := credential.VerifyProof(doc, credsignResolver(pub)); !errors.Is(err, credential.ErrBadProof) {
				t.Errorf("proofValue %q: err = %v, want ErrBadProof", pv, err)
			}
		}
	})

	t.Run("ErrUnsupportedCryptosuite", func(t *testing.T) {
		doc := credsignRoundTrip(t, signed)
		proofOf(doc)["cryptosuite"] = "ecdsa-rdfc-2019"
		if err := credential.VerifyProof(doc, credsignResolver(pub)); !errors.Is(err, credential.ErrUnsupportedCryptosuite) {
			t.Fatalf("err = %v, want ErrUnsupportedCryptosuite", err)
		}
	})

	t.Run("ErrNoProof", func(t *testing.T) {
		doc := credsignRoundTrip(t, signed)
		delete(doc, "proof")
		if err := credential.VerifyProof(doc, credsignResolver(pub)); !errors.Is(err, credential.ErrNoProof) {
			t.Fatalf("err = %v, want ErrNoProof", err)
		}
	})

	t.Run("ErrUndefinedTerm", func(t *testing.T) {
		doc := credsignRoundTrip(t, signed)
		doc["favouriteColour"] = "blue"
		if err := credential.VerifyProof(doc, credsignResolver(pub)); !errors.Is(err, credential.ErrExpansion) {
			t.Fatalf("err = %v, want ErrExpansion", err)
		}
		doc, _ = credential.BuildOpenBadge(credsignInput())
		doc["favouriteColour"] = "blue"
		_, priv := credsignKey(1)
		if _, err := credential.Sign(doc, priv, credsignVM, time.Now()); !errors.Is(err, credential.ErrExpansion) {
			t.Fatalf("Sign of a document with an undefined term: err = %v, want ErrExpansion", err)
		}
	})
}

func TestCredsignLoader(t *testing.T) {
	t.Run("ErrRemoteContextNotFetched", func(t *testing.T) {
		var hits atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits.Add(1)
			w.Header().Set("Content-Type", "application/ld+json")
			fmt.Fprint(w, `{"@context":{"favouriteColour":"https://evil.example/colour"}}`)
		}))
		defer srv.Close()
		pub, _ := credsignKey(1)
		doc := credsignSigned(t)
		doc["@context"] = append(doc["@context"].([]any), srv.URL+"/context.json")
		err := credential.VerifyProof(doc, credsignResolver(pub))
		var notAllowed *credential.ErrDocumentNotAllowed
		if !errors.Is(err, credential.ErrExpansion) || !errors.As(err, &notAllowed) || notAllowed.URL != srv.URL+"/context.json" {
			t.Fatalf("err = %v, want ErrExpansion wrapping ErrDocumentNotAllowed for the remote URL", err)
		}
		if _, err := credential.ExpandSafe(doc, nil); !errors.As(err, &notAllowed) {
			t.Fatalf("ExpandSafe: err = %v, want ErrDocumentNotAllowed", err)
		}
		if n := hits.Load(); n != 0 {
			t.Fatalf("the remote context was fetched %d times", n)
		}
	})

	t.Run("BundledContextsServed", func(t *testing.T) {
		l := credential.NewLoader(map[string]any{"did:web:takumi.example": map[string]any{"id": "did:web:takumi.example"}})
		for _, u := range []string{credential.ContextCredentialsV2, credential.ContextOpenBadges303, credential.ContextDataIntegrityV2, credential.ContextMultikeyV1, "did:web:takumi.example"} {
			rd, err := l.LoadDocument(u)
			if err != nil || rd.Document == nil {
				t.Errorf("%s: %v", u, err)
			}
			if u != "did:web:takumi.example" {
				if raw, ok := credential.BundledContext(u); !ok || !json.Valid(raw) {
					t.Errorf("BundledContext(%s) missing or invalid", u)
				}
			}
		}
		for _, u := range []string{"https://www.w3.org/2018/credentials/v1", "https://purl.imsglobal.org/spec/ob/v3p0/context.json", "file:///etc/passwd", "http://169.254.169.254/latest/meta-data/"} {
			if _, err := l.LoadDocument(u); err == nil {
				t.Errorf("%s: loaded, want refused", u)
			}
		}
	})

	t.Run("ExtraCannotReplaceBundled", func(t *testing.T) {
		l := credential.NewLoader(map[string]any{credential.ContextCredentialsV2: map[string]any{"@context": map[string]any{}}})
		rd, err := l.LoadDocument(credential.ContextCredentialsV2)
		if err != nil {
			t.Fatal(err)
		}
		if ctx, _ := rd.Document.(map[string]any)["@context"].(map[string]any); len(ctx) < 10 {
			t.Fatalf("the bundled credentials context was replaced by an extra document")
		}
	})
}

func TestCredsignMultikey(t *testing.T) {
	pub, _ := credsignKey(1)
	enc := credential.EncodePublicKeyMultibase(pub)
	if !strings.HasPrefix(enc, "z6Mk") {
		t.Fatalf("publicKeyMultibase %q does not start with z6Mk (Ed25519 multikey)", enc)
	}
	got, err := credential.DecodePublicKeyMultibase(enc)
	if err != nil || !got.Equal(pub) {
		t.Fatalf("round trip: %v", err)
	}
	// W3C did:key test vector (Ed25519, seed 0 … of the did:key spec examples).
	if _, err := credential.DecodePublicKeyMultibase("z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"); err != nil {
		t.Errorf("did:key example: %v", err)
	}
	for _, bad := range []string{"", "z", "6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK", "zQ3shokFTS3brHcDQrn82RUDfCZESWL1ZdCEJwekUDPQiYBme", "z0OIl"} {
		if _, err := credential.DecodePublicKeyMultibase(bad); err == nil {
			t.Errorf("%q decoded, want error", bad)
		}
	}
}

func TestCredsignCanonicalize(t *testing.T) {
	signed := credsignSigned(t)

	t.Run("SameAsJSONGoldProcessor", func(t *testing.T) {
		// The cached-context path must give exactly what json-gold's own
		// processor gives for the same document.
		for _, doc := range []map[string]any{credsignRoundTrip(t, signed), func() map[string]any {
			d := credsignRoundTrip(t, signed)
			delete(d, "proof")
			return d
		}()} {
			got, err := credential.Canonicalize(doc, nil)
			if err != nil {
				t.Fatal(err)
			}
			opts := ld.NewJsonLdOptions("")
			opts.DocumentLoader = credential.NewLoader(nil)
			opts.ProcessingMode = ld.JsonLd_1_1
			opts.Algorithm = ld.AlgorithmURDNA2015
			opts.Format = "application/n-quads"
			want, err := ld.NewJsonLdProcessor().Normalize(doc, opts)
			if err != nil {
				t.Fatal(err)
			}
			if got != want.(string) {
				t.Fatalf("canonical forms differ:\n%s\n---\n%s", got, want)
			}
			if !strings.Contains(got, "ロボットプログラミング基礎") || strings.Count(got, "\n") < 30 {
				t.Fatalf("canonical form looks incomplete:\n%s", got)
			}
		}
	})

	t.Run("ExpandSafeSameAsJSONGoldProcessor", func(t *testing.T) {
		// ExpandSafe's cached-context path must expand exactly as json-gold's
		// processor does, and still refuse an undefined term.
		doc := credsignRoundTrip(t, signed)
		got, err := credential.ExpandSafe(doc, nil)
		if err != nil {
			t.Fatal(err)
		}
		opts := ld.NewJsonLdOptions("")
		opts.DocumentLoader = credential.NewLoader(nil)
		opts.ProcessingMode = ld.JsonLd_1_1
		opts.SafeMode = true
		want, err := ld.NewJsonLdProcessor().Expand(credsignRoundTrip(t, signed), opts)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			g, _ := json.Marshal(got)
			w, _ := json.Marshal(want)
			t.Fatalf("expanded forms differ:\n%s\n---\n%s", g, w)
		}
		doc["notATerm"] = "x"
		if _, err := credential.ExpandSafe(doc, nil); !errors.Is(err, credential.ErrExpansion) {
			t.Fatalf("an undefined term expands: %v", err)
		}
	})

	t.Run("Concurrent", func(t *testing.T) {
		pub, priv := credsignKey(1)
		doc, err := credential.BuildOpenBadge(credsignInput())
		if err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		errs := make(chan error, 16)
		for range 8 {
			wg.Go(func() {
				s, err := credential.Sign(doc, priv, credsignVM, time.Now())
				if err == nil {
					err = credential.VerifyProof(s, credsignResolver(pub))
				}
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
	})
}
