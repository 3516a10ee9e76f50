package studio

import (
	"context"
	"strings"
	"testing"
)

// TestAnalyticsPromptRendersMarkdown: the statistics table shows a prompt
// as the learner saw it, not its Markdown source, and never raw HTML.
func TestAnalyticsPromptRendersMarkdown(t *testing.T) {
	var b strings.Builder
	if err := analyticsPrompt("**保護具**は `不要` か？<script>alert(1)</script>").Render(context.Background(), &b); err != nil {
		t.Fatal(err)
	}
	got := b.String()
	for _, want := range []string{"<strong>保護具</strong>", "<code>不要</code>"} {
		if !strings.Contains(got, want) {
			t.Errorf("prompt rendered as %q, want it to contain %q", got, want)
		}
	}
	if strings.Contains(got, "**") || strings.Contains(got, "<script") {
		t.Errorf("raw Markdown or HTML left in %q", got)
	}
}
