package progress

import (
	"strings"
	"testing"
)

// TestQueriesFill: every query file loads with its fragments in place.
func TestQueriesFill(t *testing.T) {
	entries, err := queryFiles.ReadDir("queries")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		name := strings.TrimSuffix(e.Name(), ".sql")
		if name == "achievements" {
			name += ":all"
		}
		if q := query(name); strings.Contains(q, "/*{") || strings.HasPrefix(q, "--") || q == "" {
			t.Errorf("%s: %q", name, q)
		}
	}
}
