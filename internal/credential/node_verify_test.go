package credential_test

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"takumi/internal/credential"
)

// TestCredsignNodeVerifier has Digital Bazaar's JavaScript libraries
// (pinned in testdata/verifier/package-lock.json) verify a credential
// signed here, offline. It needs Node.js and the npm registry for `npm ci`,
// so it runs only with TAKUMI_NODE_VERIFY=1.
func TestCredsignNodeVerifier(t *testing.T) {
	if os.Getenv("TAKUMI_NODE_VERIFY") != "1" {
		t.Skip("set TAKUMI_NODE_VERIFY=1 to verify with @digitalbazaar/vc (needs node and npm)")
	}
	dir, err := filepath.Abs("testdata/verifier")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "@digitalbazaar", "vc")); err != nil {
		cmd := exec.Command("npm", "ci", "--no-audit", "--no-fund")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("npm ci: %v\n%s", err, out)
		}
	}

	pub, _ := credsignKey(1)
	other, _ := credsignKey(2)
	did := "did:web:takumi.example"
	didDoc := func(keys ...[2]string) map[string]any {
		var vms, refs []any
		for _, k := range keys {
			vms = append(vms, map[string]any{"id": k[0], "type": "Multikey", "controller": did, "publicKeyMultibase": k[1]})
			refs = append(refs, k[0])
		}
		return map[string]any{
			"@context":           []any{"https://www.w3.org/ns/did/v1", credential.ContextMultikeyV1},
			"id":                 did,
			"verificationMethod": vms,
			"assertionMethod":    refs,
		}
	}
	// run returns the verifier's output and whether it verified; a crash
	// (neither verified nor a reasoned rejection) fails the test.
	run := func(t *testing.T, cred, doc map[string]any) (string, bool) {
		t.Helper()
		tmp := t.TempDir()
		write := func(name string, v any) string {
			raw, err := json.Marshal(v)
			if err != nil {
				t.Fatal(err)
			}
			p := filepath.Join(tmp, name)
			if err := os.WriteFile(p, raw, 0o600); err != nil {
				t.Fatal(err)
			}
			return p
		}
		cmd := exec.Command("node", "verify.mjs", write("cred.json", cred), write("did.json", doc))
		cmd.Dir = dir
		out, err := cmd.CombinedOutput()
		ok := err == nil && strings.Contains(string(out), `"verified":true`)
		if !ok && !strings.Contains(string(out), `"verified":false`) {
			t.Fatalf("the verifier did not run: %v\n%s", err, out)
		}
		return string(out), ok
	}
	signed := credsignSigned(t)
	goodDID := didDoc([2]string{credsignVM, credential.EncodePublicKeyMultibase(pub)})

	t.Run("OK", func(t *testing.T) {
		if out, ok := run(t, signed, goodDID); !ok {
			t.Fatalf("the independent verifier rejects our credential:\n%s", out)
		}
	})
	t.Run("ErrTamperedByte", func(t *testing.T) {
		tampered := credsignRoundTrip(t, signed)
		ach := tampered["credentialSubject"].(map[string]any)["achievement"].(map[string]any)
		ach["name"] = strings.Replace(ach["name"].(string), "基礎", "応用", 1)
		out, ok := run(t, tampered, goodDID)
		if ok {
			t.Fatalf("a tampered credential verifies:\n%s", out)
		}
		t.Logf("rejected: %s", out)
	})
	t.Run("ErrUnknownKey", func(t *testing.T) {
		if out, ok := run(t, signed, didDoc([2]string{credsignVM, credential.EncodePublicKeyMultibase(other)})); ok {
			t.Fatalf("verifies against another key:\n%s", out)
		}
		if out, ok := run(t, signed, didDoc([2]string{did + "#key-2", credential.EncodePublicKeyMultibase(pub)})); ok {
			t.Fatalf("verifies with a verification method the DID document does not list:\n%s", out)
		}
	})
}
