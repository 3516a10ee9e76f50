// Package markdown renders course text written in Markdown to safe HTML.
// SECURITY: authors are trusted to write prose, not markup: raw HTML in the
// source is dropped by the renderer, and the output is sanitised again with
// an allowlist (no script, no event-handler attributes, no style, links only
// to http(s), mailto and relative URLs), so nothing an author types can run
// in a learner's browser.
package markdown

import (
	"bytes"
	"sync"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/extension"
)

var (
	once   sync.Once
	md     goldmark.Markdown
	policy *bluemonday.Policy
)

func setup() {
	// goldmark escapes raw HTML unless WithUnsafe is set; it is not.
	md = goldmark.New(goldmark.WithExtensions(extension.GFM))
	policy = bluemonday.UGCPolicy()
	policy.AllowURLSchemes("http", "https", "mailto")
	policy.RequireNoFollowOnLinks(true)
	policy.AddTargetBlankToFullyQualifiedLinks(true)
	policy.RequireNoReferrerOnFullyQualifiedLinks(true)
}

// Render converts Markdown to sanitised HTML, safe to insert into a page.
func Render(src string) string {
	once.Do(setup)
	var buf bytes.Buffer
	if err := md.Convert([]byte(src), &buf); err != nil {
		// goldmark does not fail on any input; escape the source if it ever does.
		return policy.Sanitize("<p>" + bluemonday.StrictPolicy().Sanitize(src) + "</p>")
	}
	return policy.SanitizeReader(&buf).String()
}
