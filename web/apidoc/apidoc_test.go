package apidoc_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"takumi/web/apidoc"
)

// TestGeneratedClientCurrent fails when apiclientgen/client.gen.go is not
// what oapi-codegen (pinned as a go tool) makes from the document: the API
// tests call the server with that client, so it must follow the document.
func TestGeneratedClientCurrent(t *testing.T) {
	// The committed configuration, writing elsewhere.
	cfg, err := os.ReadFile("apiclientgen/oapi-codegen.yaml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	out := filepath.Join(dir, "client.gen.go")
	cfg = bytes.Replace(cfg, []byte("output: apiclientgen/client.gen.go"), []byte("output: "+out), 1)
	cfgPath := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfgPath, cfg, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "tool", "oapi-codegen", "-config", cfgPath, "openapi.yaml")
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("oapi-codegen: %v\n%s", err, b)
	}
	want, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile("apiclientgen/client.gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("apiclientgen/client.gen.go is stale: run 'go generate ./web/apidoc/' and commit")
	}
}

// TestEveryOperationExplained: every operation of the document has its
// sentence on the documentation page in both languages, and JSON() is JSON.
func TestEveryOperationExplained(t *testing.T) {
	ops, err := apidoc.Operations()
	if err != nil {
		t.Fatal(err)
	}
	if len(ops) < 10 {
		t.Fatalf("only %d operations", len(ops))
	}
	for _, lang := range []string{"ja", "en"} {
		b, err := os.ReadFile(filepath.Join("..", "..", "internal", "i18n", "locales", lang, "api.json"))
		if err != nil {
			t.Fatal(err)
		}
		var cat map[string]string
		if err := json.Unmarshal(b, &cat); err != nil {
			t.Fatal(err)
		}
		for _, op := range ops {
			if cat["api.op_"+op.ID] == "" {
				t.Errorf("%s: no api.op_%s", lang, op.ID)
			}
			if cat["api.tag_"+op.Tag] == "" {
				t.Errorf("%s: no api.tag_%s", lang, op.Tag)
			}
		}
	}
	doc, err := apidoc.JSON()
	if err != nil || !json.Valid(doc) {
		t.Fatalf("JSON(): %v", err)
	}
}
