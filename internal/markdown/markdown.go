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
// The result is remembered (Memo): the same course text is shown on every
// request of a lesson or course page, and rendering and sanitising it is
// the largest part of those pages' CPU (docs/performance.md, "Learner
// pages' CPU").
func Render(src string) string { return Memo("render", src, render) }

func render(src string) string {
	once.Do(setup)
	var buf bytes.Buffer
	if err := md.Convert([]byte(src), &buf); err != nil {
		// goldmark does not fail on any input; escape the source if it ever does.
		return policy.Sanitize("<p>" + bluemonday.StrictPolicy().Sanitize(src) + "</p>")
	}
	return policy.SanitizeReader(&buf).String()
}

// memoMaxBytes bounds the remembered inputs and outputs; past it the memo
// starts again. memoMaxInput is the largest input remembered.
const (
	memoMaxBytes = 32 << 20
	memoMaxInput = 256 << 10
)

type memoKey struct{ name, in string }

var memo = struct {
	sync.RWMutex
	m     map[memoKey]string
	bytes int
}{m: map[memoKey]string{}}

// Memo returns f(in), computed once for each (name, in) while it is
// remembered. f must be a pure function of in (the same input always gives
// the same output), so a remembered result is always the right one; name
// keeps different functions apart. Safe for concurrent use.
func Memo(name, in string, f func(string) string) string {
	if len(in) > memoMaxInput {
		return f(in)
	}
	// A struct key: looking up does not copy the input (a lesson's whole
	// text, twice per view of the player: issue 20, docs/performance.md
	// "The signed-in request path without gorm").
	key := memoKey{name, in}
	memo.RLock()
	out, ok := memo.m[key]
	memo.RUnlock()
	if ok {
		return out
	}
	out = f(in)
	memo.Lock()
	size := len(name) + len(in) + len(out)
	if memo.bytes+size > memoMaxBytes {
		clear(memo.m)
		memo.bytes = 0
	}
	if _, ok := memo.m[key]; !ok {
		memo.m[key] = out
		memo.bytes += size
	}
	memo.Unlock()
	return out
}
