package credential_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"takumi/internal/credential"
	"takumi/internal/i18n"
)

// The independent verifier: testdata/verifier/verify.mjs, Digital Bazaar's
// JavaScript libraries pinned in package-lock.json, run by Node.js. CI
// (.ci/run) installs the packages with `npm ci` and sets TAKUMI_NODE_VERIFY=1;
// then a missing node or missing packages fail the tests instead of skipping
// them.

const nodeVerifyHint = "set TAKUMI_NODE_VERIFY=1 to verify credentials with Digital Bazaar's libraries: " +
	"`make verify-node` (or `npm ci` in internal/credential/testdata/verifier, then " +
	"`TAKUMI_NODE_VERIFY=1 go test -run Node ./internal/credential/`)"

// nodeVerifierDir returns the verifier's directory, ready to run: it skips
// the test unless TAKUMI_NODE_VERIFY=1, and fails it when that is set but
// node or the pinned packages (exactly the versions of package.json) are
// not installed.
func nodeVerifierDir(t *testing.T) string {
	t.Helper()
	if os.Getenv("TAKUMI_NODE_VERIFY") != "1" {
		t.Skip(nodeVerifyHint)
	}
	dir, err := filepath.Abs("testdata/verifier")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatalf("TAKUMI_NODE_VERIFY=1 but Node.js is not installed: %v", err)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "package.json"))
	if err != nil {
		t.Fatal(err)
	}
	var pkg struct {
		Dependencies map[string]string `json:"dependencies"`
	}
	if err := json.Unmarshal(raw, &pkg); err != nil {
		t.Fatal(err)
	}
	for _, name := range slices.Sorted(maps.Keys(pkg.Dependencies)) {
		want := pkg.Dependencies[name]
		raw, err := os.ReadFile(filepath.Join(dir, "node_modules", filepath.FromSlash(name), "package.json"))
		var got struct{ Version string }
		if err == nil {
			err = json.Unmarshal(raw, &got)
		}
		if err != nil || got.Version != want {
			t.Fatalf("TAKUMI_NODE_VERIFY=1 but %s@%s is not installed (found %q, %v): run `npm ci` in %s",
				name, want, got.Version, err, dir)
		}
	}
	return dir
}

// nodeResult is what verify.mjs prints.
type nodeResult struct {
	Verified bool    `json:"verified"`
	Revoked  *bool   `json:"revoked"`
	Error    *string `json:"error"`
	output   string
}

// accepted reports a verified credential that is not revoked.
func (r nodeResult) accepted() bool { return r.Verified && r.Revoked != nil && !*r.Revoked }

func (r nodeResult) errorText() string {
	if r.Error == nil {
		return ""
	}
	return *r.Error
}

// runNodeVerifier has verify.mjs check cred against the DID document and
// the status list credential, all as JSON. A run that neither accepts nor
// gives a reasoned rejection (a crash, a usage error) fails the test, as
// does an exit code that disagrees with the printed verdict.
func runNodeVerifier(t *testing.T, dir string, cred []byte, didDoc map[string]any, status []byte) nodeResult {
	t.Helper()
	tmp := t.TempDir()
	write := func(name string, raw []byte) string {
		p := filepath.Join(tmp, name)
		if err := os.WriteFile(p, raw, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	did, err := json.Marshal(didDoc)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "verify.mjs", write("cred.json", cred), write("did.json", did), write("status.json", status))
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	var r nodeResult
	r.output = strings.TrimSpace(stdout.String() + "\n" + stderr.String())
	if err := json.Unmarshal(bytes.TrimSpace(stdout.Bytes()), &r); err != nil {
		t.Fatalf("the verifier did not run (%v):\n%s", runErr, r.output)
	}
	var exit *exec.ExitError
	switch {
	case runErr == nil && !r.accepted():
		t.Fatalf("the verifier exits 0 but does not accept:\n%s", r.output)
	case runErr != nil && !(errors.As(runErr, &exit) && exit.ExitCode() == 1 && !r.accepted()):
		t.Fatalf("the verifier failed (%v):\n%s", runErr, r.output)
	}
	return r
}

// credsignStatusList is an empty revocation list for the credsign fixture
// (https://takumi.example/credentials/status/1), signed with priv.
func credsignStatusList(t *testing.T, priv ed25519.PrivateKey) []byte {
	t.Helper()
	enc, err := credential.NewStatusList().Encode()
	if err != nil {
		t.Fatal(err)
	}
	doc := map[string]any{
		"@context":  []any{credential.ContextCredentialsV2},
		"id":        "https://takumi.example/credentials/status/1",
		"type":      []any{credential.TypeVerifiableCredential, "BitstringStatusListCredential"},
		"issuer":    "did:web:takumi.example",
		"validFrom": "2026-04-01T09:30:00Z",
		"credentialSubject": map[string]any{
			"id": "https://takumi.example/credentials/status/1#list", "type": "BitstringStatusList",
			"statusPurpose": credential.StatusPurposeRevocation, "encodedList": enc,
		},
	}
	signed, err := credential.Sign(doc, priv, credsignVM, time.Date(2026, 4, 1, 9, 30, 5, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	raw, err := json.Marshal(signed)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// TestCredsignNodeVerifier has the independent verifier check a credential
// built and signed by the package's functions alone (fixed keys).
func TestCredsignNodeVerifier(t *testing.T) {
	dir := nodeVerifierDir(t)
	pub, priv := credsignKey(1)
	other, _ := credsignKey(2)
	did := "did:web:takumi.example"
	didDoc := func(vm string, pub ed25519.PublicKey) map[string]any {
		return map[string]any{
			"@context": []any{"https://www.w3.org/ns/did/v1", credential.ContextMultikeyV1},
			"id":       did,
			"verificationMethod": []any{map[string]any{"id": vm, "type": "Multikey", "controller": did,
				"publicKeyMultibase": credential.EncodePublicKeyMultibase(pub)}},
			"assertionMethod": []any{vm},
		}
	}
	marshal := func(v any) []byte {
		raw, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	signed := credsignSigned(t)
	status := credsignStatusList(t, priv)
	goodDID := didDoc(credsignVM, pub)

	t.Run("OK", func(t *testing.T) {
		if r := runNodeVerifier(t, dir, marshal(signed), goodDID, status); !r.accepted() {
			t.Fatalf("the independent verifier rejects our credential:\n%s", r.output)
		}
	})
	t.Run("ErrTamperedByte", func(t *testing.T) {
		tampered := credsignRoundTrip(t, signed)
		ach := tampered["credentialSubject"].(map[string]any)["achievement"].(map[string]any)
		ach["name"] = strings.Replace(ach["name"].(string), "基礎", "応用", 1)
		if r := runNodeVerifier(t, dir, marshal(tampered), goodDID, status); r.Verified {
			t.Fatalf("a tampered credential verifies:\n%s", r.output)
		}
	})
	t.Run("ErrUnknownKey", func(t *testing.T) {
		if r := runNodeVerifier(t, dir, marshal(signed), didDoc(credsignVM, other), status); r.Verified {
			t.Fatalf("verifies against another key:\n%s", r.output)
		}
		if r := runNodeVerifier(t, dir, marshal(signed), didDoc(did+"#key-2", pub), status); r.Verified {
			t.Fatalf("verifies with a verification method the DID document does not list:\n%s", r.output)
		}
	})
}

// TestNodeVerifierIssuedCredentials has the independent verifier check what
// the real service issues: a credential earned by completing a course
// through the learning service, the issuer's DID document and the signed
// status list credential, as the platform serves them.
func TestNodeVerifierIssuedCredentials(t *testing.T) {
	dir := nodeVerifierDir(t)
	is := newIssuing(t)
	ctx := context.Background()
	courseID, lessons := is.course(t, "node")

	issued := func(t *testing.T, s *credential.Service, user string) credential.Holding {
		t.Helper()
		hs, err := s.ListForUser(ctx, user)
		if err != nil || len(hs) != 1 {
			t.Fatalf("%d credentials (%v), want 1", len(hs), err)
		}
		return hs[0]
	}
	statusOf := func(t *testing.T, s *credential.Service, c credential.Holding) []byte {
		t.Helper()
		body, _, err := s.StatusListCredential(ctx, c.StatusListID)
		if err != nil {
			t.Fatal(err)
		}
		return body
	}
	// resign signs c's document again (without its proof) with priv under
	// the verification method vm, as a forger holding another key would.
	resign := func(t *testing.T, c credential.Holding, priv ed25519.PrivateKey, vm string) []byte {
		t.Helper()
		var doc map[string]any
		if err := json.Unmarshal([]byte(c.Document), &doc); err != nil {
			t.Fatal(err)
		}
		delete(doc, "proof")
		signed, err := credential.Sign(doc, priv, vm, c.IssuedAt)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := json.Marshal(signed)
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	mustAccept := func(t *testing.T, cred []byte, did map[string]any, status []byte) {
		t.Helper()
		if r := runNodeVerifier(t, dir, cred, did, status); !r.accepted() {
			t.Fatalf("the independent verifier does not accept the credential:\n%s", r.output)
		}
	}
	// mustReject wants a rejection whose reason contains because, and the
	// platform's own verification to agree.
	mustReject := func(t *testing.T, cred []byte, did map[string]any, status []byte, because string) {
		t.Helper()
		r := runNodeVerifier(t, dir, cred, did, status)
		if r.Verified || !strings.Contains(r.errorText(), because) {
			t.Fatalf("want a rejection because %q, got:\n%s", because, r.output)
		}
		t.Logf("rejected: %s", r.errorText())
		if rep := is.creds.Verify(ctx, cred); rep.Verdict != credential.VerdictInvalid {
			t.Fatalf("the platform's own verification says %s", rep.Verdict)
		}
	}

	user := is.learner(t, 1)
	is.complete(t, user, courseID, lessons)
	c := issued(t, is.creds, user)
	did := is.creds.DIDDocument()

	t.Run("OK", func(t *testing.T) {
		mustAccept(t, []byte(c.Document), did, statusOf(t, is.creds, c))
	})
	t.Run("ErrOneChangedByte", func(t *testing.T) {
		// One byte of the achievement's name: "溶接の基礎 node / …" becomes "溶接の基礎 nodf / …".
		doc := []byte(c.Document)
		ach := bytes.Index(doc, []byte(`"achievement":`))
		name := bytes.Index(doc[ach:], []byte(`"name":"溶接の基礎 node / `))
		if ach < 0 || name < 0 {
			t.Fatalf("achievement name not found in %s", doc)
		}
		at := ach + name + len(`"name":"溶接の基礎 nod`)
		tampered := bytes.Clone(doc)
		tampered[at] = 'f'
		var m map[string]any
		if err := json.Unmarshal(tampered, &m); err != nil ||
			m["credentialSubject"].(map[string]any)["achievement"].(map[string]any)["name"] != "溶接の基礎 nodf / Welding basics node" {
			t.Fatalf("tampering went wrong: %v", err)
		}
		mustReject(t, tampered, did, statusOf(t, is.creds, c), "Invalid signature")
	})
	t.Run("ErrUnknownKey", func(t *testing.T) {
		// Correctly signed, by a key the DID document does not list.
		_, forger, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		cred := resign(t, c, forger, is.creds.DID()+"#key-unknown")
		mustReject(t, cred, did, statusOf(t, is.creds, c), "document not allowed (offline verifier): "+is.creds.DID()+"#key-unknown")
	})
	t.Run("ErrOtherKeyUnderOurKeyID", func(t *testing.T) {
		_, forger, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		cred := resign(t, c, forger, is.creds.DID()+"#"+c.KeyID)
		mustReject(t, cred, did, statusOf(t, is.creds, c), "Invalid signature")
	})
	t.Run("Revoked", func(t *testing.T) {
		other := is.learner(t, 2)
		is.complete(t, other, courseID, lessons)
		rc := issued(t, is.creds, other)
		before := statusOf(t, is.creds, rc)
		mustAccept(t, []byte(rc.Document), did, before)

		admin := credential.Actor{UserID: is.author, AdminOf: []string{is.provider}}
		if err := is.creds.Revoke(ctx, admin, rc.ID, "独立検証のテスト"); err != nil {
			t.Fatal(err)
		}
		after := statusOf(t, is.creds, rc)
		r := runNodeVerifier(t, dir, []byte(rc.Document), did, after)
		if !r.Verified || r.Revoked == nil || !*r.Revoked {
			t.Fatalf("want verified and revoked after Revoke, got:\n%s", r.output)
		}
		// The bit is the revoked credential's alone.
		if rc.StatusListID == c.StatusListID {
			mustAccept(t, []byte(c.Document), did, after)
		}
		// Hiding the revocation by putting the old list back into the new
		// status list credential breaks its signature.
		var old, forged map[string]any
		if err := json.Unmarshal(before, &old); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(after, &forged); err != nil {
			t.Fatal(err)
		}
		forged["credentialSubject"].(map[string]any)["encodedList"] = old["credentialSubject"].(map[string]any)["encodedList"]
		raw, err := json.Marshal(forged)
		if err != nil {
			t.Fatal(err)
		}
		r = runNodeVerifier(t, dir, []byte(rc.Document), did, raw)
		if r.Verified || !strings.Contains(r.errorText(), "the status list credential does not verify") {
			t.Fatalf("a status list with its revocation undone is accepted:\n%s", r.output)
		}
	})
	t.Run("KeyRotation", func(t *testing.T) {
		if _, err := credential.Rotate(is.keysPath, time.Now()); err != nil {
			t.Fatal(err)
		}
		keys, err := credential.LoadKeys(credential.KeySource{DataDir: filepath.Dir(is.keysPath), Development: true}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		msgs, err := i18n.Load()
		if err != nil {
			t.Fatal(err)
		}
		rotated, err := credential.NewService(is.db.Gorm, keys, "https://takumi.example.jp", msgs)
		if err != nil {
			t.Fatal(err)
		}
		is.lrn.OnCompletion(rotated.IssueForEnrolment)
		newDID := rotated.DIDDocument()
		if n := len(newDID["verificationMethod"].([]any)); n != 2 {
			t.Fatalf("the DID document lists %d keys after rotation, want 2", n)
		}
		fresh := is.learner(t, 3)
		is.complete(t, fresh, courseID, lessons)
		nc := issued(t, rotated, fresh)
		if nc.KeyID == c.KeyID {
			t.Fatal("the new credential was signed with the retired key")
		}
		// The status list is now signed with the new key.
		status := statusOf(t, rotated, c)
		mustAccept(t, []byte(c.Document), newDID, status)
		mustAccept(t, []byte(nc.Document), newDID, status)
		// The DID document from before the rotation does not know the new key.
		r := runNodeVerifier(t, dir, []byte(nc.Document), did, status)
		if r.Verified {
			t.Fatalf("a credential signed by the new key verifies against the old DID document:\n%s", r.output)
		}
	})
}
