package reporting

import "testing"

// TestQueriesLoad: every query file has text, its comments left out.
func TestQueriesLoad(t *testing.T) {
	if len(queries) == 0 {
		t.Fatal("no queries")
	}
	for name, q := range queries {
		if q == "" || q[0] == '-' {
			t.Errorf("%s: %q", name, q)
		}
	}
}
