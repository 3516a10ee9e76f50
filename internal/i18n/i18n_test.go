package i18n

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

func TestCatalogues(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	t.Run("EveryKeyInBothLanguages", func(t *testing.T) {
		if m := c.Missing(); len(m) > 0 {
			t.Fatalf("missing translations:\n%s", strings.Join(m, "\n"))
		}
	})
	t.Run("Fallback", func(t *testing.T) {
		if got := c.For("fr").Lang; got != "ja" {
			t.Fatalf("unsupported language fell back to %q", got)
		}
		if got := c.For("en").T("no.such.key"); got != "[no.such.key]" {
			t.Fatalf("unknown key rendered as %q", got)
		}
	})
	t.Run("EveryKeyUsedInCodeExists", func(t *testing.T) {
		// Scan the Go and templ sources for T("key") and Key: "key" and
		// apperr constructors; every literal key must be in the catalogue.
		re := regexp.MustCompile(`(?:\.T\(|apperr\.(?:New|Wrap)\([a-zA-Z.]+, )"([a-z_]+\.[a-z0-9_.]+)"`)
		root := filepath.Join("..", "..")
		var missing []string
		filepath.Walk(root, func(p string, info os.FileInfo, err error) error {
			if err != nil || info.IsDir() || strings.Contains(p, "node_modules") {
				return nil
			}
			if !strings.HasSuffix(p, ".go") && !strings.HasSuffix(p, ".templ") {
				return nil
			}
			if strings.HasSuffix(p, "_templ.go") || strings.HasSuffix(p, "_test.go") {
				return nil
			}
			b, _ := os.ReadFile(p)
			for _, m := range re.FindAllStringSubmatch(string(b), -1) {
				if !c.Has(m[1]) {
					missing = append(missing, p+": "+m[1])
				}
			}
			return nil
		})
		if len(missing) > 0 {
			t.Fatalf("keys used but not in the catalogue:\n%s", strings.Join(missing, "\n"))
		}
	})
}
