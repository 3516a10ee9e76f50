package i18n

import (
	"encoding/json"
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
	t.Run("FormForOne", func(t *testing.T) {
		en, ja := c.For("en"), c.For("ja")
		for _, want := range []struct{ got, want string }{
			{en.T("catalogue.result_count", 1), "1 course"},
			{en.T("catalogue.result_count", int64(1)), "1 course"},
			{en.T("catalogue.result_count", uint8(1)), "1 course"},
			{en.T("catalogue.result_count", 2), "2 courses"},
			{en.T("catalogue.result_count", 0), "0 courses"},
			{en.T("cohorts.seats_left", 1), "1 seat left"},
			{en.T("programmes.group_count", 1, 1), "(1 course, 1 chosen)"},
			{en.T("programmes.group_count", 3, 1), "(3 courses, 1 chosen)"},
			{ja.T("catalogue.result_count", 1), "1件のコース"},
		} {
			if want.got != want.want {
				t.Errorf("got %q, want %q", want.got, want.want)
			}
		}
		// Every form for one has its message in the same language and
		// takes the same arguments.
		for _, lang := range Languages {
			for k, one := range c.messages[lang] {
				base, ok := strings.CutSuffix(k, OneSuffix)
				if !ok {
					continue
				}
				if verbs(one) != verbs(c.messages[lang][base]) {
					t.Errorf("%s: %s has verbs %q, %s %q", lang, k, verbs(one), base, verbs(c.messages[lang][base]))
				}
			}
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

// TestJapaneseGlossary fails when the Japanese catalogue uses a variant that
// docs/glossary.md forbids, or half-width punctuation next to Japanese text
// (the glossary's punctuation rule).
func TestJapaneseGlossary(t *testing.T) {
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "glossary.md"))
	if err != nil {
		t.Fatal(err)
	}
	forbidden := map[string]string{} // variant -> term to use
	for _, line := range strings.Split(string(doc), "\n") {
		cells := strings.Split(line, "|")
		if len(cells) != 6 || strings.Contains(line, "---") || strings.TrimSpace(cells[3]) == "use (日本語)" {
			continue
		}
		use := strings.TrimSpace(cells[3])
		for _, v := range strings.Split(cells[4], ",") {
			if v = strings.TrimSpace(v); v != "" {
				forbidden[v] = use
			}
		}
	}
	if len(forbidden) < 4 {
		t.Fatalf("glossary table not found or too short in docs/glossary.md: %v", forbidden)
	}
	jp := `[\p{Hiragana}\p{Katakana}\p{Han}\x{3000}-\x{303f}\x{ff00}-\x{ffef}]`
	halfWidth := regexp.MustCompile(jp + `[()!?,:]|[()!?,:]` + jp)
	markdownLink := regexp.MustCompile(`\]\([^)]*\)`) // [文字](https://...) shown as an example
	files, err := filepath.Glob(filepath.Join("locales", "ja", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no Japanese catalogue: %v", err)
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var msgs map[string]string
		if err := json.Unmarshal(b, &msgs); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for key, msg := range msgs {
			for variant, use := range forbidden {
				if strings.Contains(msg, variant) {
					t.Errorf("%s %s uses %q; the glossary says %q: %s", filepath.Base(f), key, variant, use, msg)
				}
			}
			if m := halfWidth.FindString(markdownLink.ReplaceAllString(msg, "]")); m != "" {
				t.Errorf("%s %s has half-width punctuation in Japanese text (%q); use full-width: %s", filepath.Base(f), key, m, msg)
			}
		}
	}
}

// TestAuditActionsLabelled: every audit action written in code has a label
// in both catalogues, so the admin audit log never shows a bare code.
func TestAuditActionsLabelled(t *testing.T) {
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	re := regexp.MustCompile(`Action:\s+"([a-z_]+\.[a-z_.]+)"`)
	var missing []string
	filepath.Walk(filepath.Join("..", ".."), func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") {
			return nil
		}
		b, _ := os.ReadFile(p)
		for _, m := range re.FindAllStringSubmatch(string(b), -1) {
			if !c.Has("audit.action." + m[1]) {
				missing = append(missing, p+": "+m[1])
			}
		}
		return nil
	})
	if len(missing) > 0 {
		t.Fatalf("audit actions without a label (add audit.action.<code> to locales/*/audit.json):\n%s", strings.Join(missing, "\n"))
	}
}

// verbs is the fmt verbs of a message, in order.
func verbs(msg string) string {
	return strings.Join(regexp.MustCompile(`%(?:\[\d+\])?[a-z%]`).FindAllString(msg, -1), " ")
}
