package credential_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"takumi/internal/credential"
	"takumi/internal/database"
)

// 1EdTech's Open Badges 3.0 JSON Schema (testdata/ob-schema/, see its
// README) is checked with ajv by testdata/verifier/schema.mjs, next to the
// Node verifier and installed with it (TAKUMI_NODE_VERIFY=1, as in CI).

// schemaResult is one credential's verdict from schema.mjs.
type schemaResult struct {
	File   string   `json:"file"`
	Valid  bool     `json:"valid"`
	Errors []string `json:"errors"`
}

// runSchemaCheck validates each credential (JSON) against the OB 3.0 JSON
// Schema and returns the verdicts in order. dir is nodeVerifierDir's.
func runSchemaCheck(t *testing.T, dir string, creds ...[]byte) []schemaResult {
	t.Helper()
	tmp := t.TempDir()
	args := []string{"schema.mjs"}
	for i, c := range creds {
		p := filepath.Join(tmp, fmt.Sprintf("cred-%d.json", i))
		if err := os.WriteFile(p, c, 0o600); err != nil {
			t.Fatal(err)
		}
		args = append(args, p)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", args...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run()
	var out []schemaResult
	if err := json.Unmarshal(bytes.TrimSpace(stdout.Bytes()), &out); err != nil || len(out) != len(creds) {
		t.Fatalf("schema.mjs did not run (%v, %v):\n%s\n%s", runErr, err, stdout.String(), stderr.String())
	}
	var exit *exec.ExitError
	if runErr != nil && !(errors.As(runErr, &exit) && exit.ExitCode() == 1) {
		t.Fatalf("schema.mjs failed (%v):\n%s", runErr, stderr.String())
	}
	return out
}

// requireSchemaValid fails t for every credential that is not valid
// against the OB 3.0 JSON Schema.
func requireSchemaValid(t *testing.T, dir string, creds ...[]byte) {
	t.Helper()
	for i, r := range runSchemaCheck(t, dir, creds...) {
		if !r.Valid {
			t.Errorf("credential %d is not valid against 1EdTech's OB 3.0 JSON Schema: %s\n%.600s",
				i, strings.Join(r.Errors, "; "), creds[i])
		}
	}
}

// checkIssuedAgainstSchema registers a cleanup that validates every
// credential stored in db when the test ends (what the service issued
// during the test), when TAKUMI_NODE_VERIFY=1.
func checkIssuedAgainstSchema(t *testing.T, db *database.DB) {
	t.Helper()
	if os.Getenv("TAKUMI_NODE_VERIFY") != "1" {
		return
	}
	t.Cleanup(func() {
		if t.Failed() {
			return
		}
		var docs []string
		if err := db.Gorm.Raw(`SELECT document FROM credentials ORDER BY issued_at, id`).Scan(&docs).Error; err != nil {
			t.Fatal(err)
		}
		if len(docs) == 0 {
			return
		}
		creds := make([][]byte, len(docs))
		for i, d := range docs {
			creds[i] = []byte(d)
		}
		requireSchemaValid(t, nodeVerifierDir(t), creds...)
	})
}

// TestNodeSchemaRejectsObjectProof: the vendored schema and schema.mjs do
// check (a credential whose proof is an object, as Takumi issued before
// issue 15, is refused; the same with the proof in a list is accepted).
func TestNodeSchemaRejectsObjectProof(t *testing.T) {
	dir := nodeVerifierDir(t)
	signed := credsignSigned(t)
	asList, err := json.Marshal(signed)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	_ = json.Unmarshal(asList, &m)
	if l, ok := m["proof"].([]any); ok {
		m["proof"] = l[0]
	}
	asObject, _ := json.Marshal(m)
	r := runSchemaCheck(t, dir, asList, asObject)
	if !r[0].Valid {
		t.Fatalf("a credential built by BuildOpenBadge and Sign is not schema-valid: %v", r[0].Errors)
	}
	if r[1].Valid || !strings.Contains(strings.Join(r[1].Errors, " "), "/proof must be array") {
		t.Fatalf("an object proof passes the schema: %+v", r[1])
	}
}

// TestNodeSchemaLanguageValueObjects records why names are plain strings
// with both languages (docs/decisions.md, "Names in both languages"): VC
// Data Model 2.0 language value objects ({"@value", "@language"}) pass
// JSON-LD safe-mode expansion and RDF canonicalisation (json-gold) and
// Digital Bazaar's verifier, but 1EdTech's OB 3.0 JSON Schema types every
// name and description as a string and refuses them.
func TestNodeSchemaLanguageValueObjects(t *testing.T) {
	dir := nodeVerifierDir(t)
	pub, priv := credsignKey(1)
	in := credsignInput()
	doc, err := credential.BuildOpenBadge(in)
	if err != nil {
		t.Fatal(err)
	}
	langs := func(ja, en string) []any {
		return []any{map[string]any{"@value": ja, "@language": "ja"}, map[string]any{"@value": en, "@language": "en"}}
	}
	doc["name"] = langs(in.NameJA, in.NameEN)
	ach := doc["credentialSubject"].(map[string]any)["achievement"].(map[string]any)
	ach["name"] = langs(in.NameJA, in.NameEN)
	ach["description"] = langs(in.DescriptionJA, in.DescriptionEN)

	if _, err := credential.ExpandSafe(doc, nil); err != nil {
		t.Fatalf("safe-mode expansion refuses language value objects: %v", err)
	}
	nq, err := credential.Canonicalize(doc, nil)
	if err != nil || !strings.Contains(nq, `"Robot Programming Fundamentals"@en`) || !strings.Contains(nq, `"`+in.NameJA+`"@ja`) {
		t.Fatalf("canonical form (%v) lacks the language-tagged names:\n%s", err, nq)
	}
	signed, err := credential.Sign(doc, priv, credsignVM, time.Date(2026, 4, 1, 9, 30, 5, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	if err := credential.VerifyProof(signed, credsignResolver(pub)); err != nil {
		t.Fatalf("our verifier: %v", err)
	}
	raw, _ := json.Marshal(signed)
	didDoc := map[string]any{
		"@context": []any{"https://www.w3.org/ns/did/v1", credential.ContextMultikeyV1},
		"id":       "did:web:takumi.example",
		"verificationMethod": []any{map[string]any{"id": credsignVM, "type": "Multikey", "controller": "did:web:takumi.example",
			"publicKeyMultibase": credential.EncodePublicKeyMultibase(pub)}},
		"assertionMethod": []any{credsignVM},
	}
	if r := runNodeVerifier(t, dir, raw, didDoc, credsignStatusList(t, priv)); !r.accepted() {
		t.Fatalf("Digital Bazaar's verifier refuses language value objects:\n%s", r.output)
	}
	r := runSchemaCheck(t, dir, raw)[0]
	errs := strings.Join(r.Errors, " ")
	if r.Valid || !strings.Contains(errs, "/name must be string") || !strings.Contains(errs, "/credentialSubject/achievement/name must be string") {
		t.Fatalf("the OB 3.0 JSON Schema now accepts language value objects (revisit the decision): %+v", r)
	}
}
