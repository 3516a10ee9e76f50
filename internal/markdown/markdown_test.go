package markdown

import (
	"strings"
	"testing"
)

func TestRender(t *testing.T) {
	t.Run("OK", func(t *testing.T) {
		got := Render("# 見出し\n\n**太字** と [リンク](https://example.jp)\n\n| a | b |\n|---|---|\n| 1 | 2 |\n")
		for _, want := range []string{"<h1", "見出し", "<strong>太字</strong>", `href="https://example.jp"`, "<table>"} {
			if !strings.Contains(got, want) {
				t.Errorf("rendered %q lacks %q", got, want)
			}
		}
	})
	for name, src := range map[string]string{
		"ErrScriptTag":      "<script>alert(1)</script>",
		"ErrEventHandler":   `<img src="x" onerror="alert(1)">`,
		"ErrJavascriptURL":  "[click](javascript:alert(1))",
		"ErrInlineHTMLLink": `<a href="javascript:alert(1)" onclick="alert(1)">x</a>`,
		"ErrDataURL":        "[x](data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==)",
		"ErrIframe":         `<iframe src="https://evil.example"></iframe>`,
		"ErrStyle":          `<p style="position:fixed">x</p>`,
	} {
		t.Run(name, func(t *testing.T) {
			got := strings.ToLower(Render(src))
			for _, bad := range []string{"<script", "onerror", "onclick", "javascript:", "data:text", "<iframe", "style="} {
				if strings.Contains(got, bad) {
					t.Fatalf("Render(%q) = %q contains %q", src, got, bad)
				}
			}
		})
	}
}

// TestMemo: a remembered result is the function's own for that input and
// name, computed once; different inputs and names are kept apart.
func TestMemo(t *testing.T) {
	calls := 0
	upper := func(s string) string { calls++; return strings.ToUpper(s) }
	for i := 0; i < 3; i++ {
		if got := Memo("test-upper", "abc", upper); got != "ABC" {
			t.Fatalf("Memo = %q", got)
		}
	}
	if calls != 1 {
		t.Fatalf("computed %d times, want once", calls)
	}
	if got := Memo("test-upper", "abd", upper); got != "ABD" || calls != 2 {
		t.Fatalf("another input: %q after %d calls", got, calls)
	}
	if got := Memo("test-lower", "abc", strings.ToLower); got != "abc" {
		t.Fatalf("another name shared a result: %q", got)
	}
	big := strings.Repeat("x", memoMaxInput+1)
	Memo("test-upper", big, upper)
	Memo("test-upper", big, upper)
	if calls != 4 {
		t.Fatalf("an input over the bound was remembered (%d calls)", calls)
	}
	if Render("**a**") != render("**a**") {
		t.Fatal("Render differs from render")
	}
}
