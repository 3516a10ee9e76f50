// Command accessibility-results turns the axe-core lines the browser tests
// append (TAKUMI_AXE_RESULTS, see web/axe_record_test.go) into the results
// file the /accessibility page publishes: one entry per page (its path with
// ids replaced by ":id") and language, with how often it was checked and
// which rules failed. `make accessibility` runs it.
//
// Usage: go run ./scripts/accessibility-results <lines.jsonl> <results.json>
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"sort"
	"time"

	"takumi/views"
)

type record struct {
	Page       string    `json:"page"`
	Path       string    `json:"path"`
	Lang       string    `json:"lang"`
	Violations []string  `json:"violations"`
	At         time.Time `json:"at"`
}

// Page and Results are the results file's types, shared with the page that
// reads it.
type (
	Page    = views.AccessibilityPage
	Results = views.AccessibilityResults
)

var ids = regexp.MustCompile(`/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|/[0-9]+(/|$)|/[0-9a-f]{64}`)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: accessibility-results <lines.jsonl> <results.json>")
		os.Exit(2)
	}
	in, err := os.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	defer in.Close()
	byKey := map[string]*Page{}
	out := Results{Standard: "JIS X 8341-3:2016", Target: "AA", Tool: "axe-core 4.14.1",
		Rules: []string{"wcag2a", "wcag2aa", "wcag21a", "wcag21aa"}}
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var r record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			fmt.Fprintln(os.Stderr, "skipping a line:", err)
			continue
		}
		path := ids.ReplaceAllStringFunc(r.Path, func(m string) string {
			if m[len(m)-1] == '/' {
				return "/:id/"
			}
			return "/:id"
		})
		key := path + " " + r.Lang
		p := byKey[key]
		if p == nil {
			p = &Page{Path: path, Lang: r.Lang, Violations: []string{}}
			byKey[key] = p
		}
		p.Checks++
		out.Checks++
		p.Names = addUnique(p.Names, r.Page)
		for _, v := range r.Violations {
			p.Violations = addUnique(p.Violations, v)
		}
		if r.At.After(out.Generated) {
			out.Generated = r.At
		}
	}
	if err := sc.Err(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	for _, p := range byKey {
		sort.Strings(p.Names)
		sort.Strings(p.Violations)
		out.Pages = append(out.Pages, *p)
	}
	sort.Slice(out.Pages, func(i, j int) bool {
		if out.Pages[i].Path != out.Pages[j].Path {
			return out.Pages[i].Path < out.Pages[j].Path
		}
		return out.Pages[i].Lang > out.Pages[j].Lang // ja first
	})
	b, _ := json.MarshalIndent(out, "", "  ")
	if err := os.WriteFile(os.Args[2], append(b, '\n'), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("%d checks of %d pages written to %s\n", out.Checks, len(out.Pages), os.Args[2])
}

func addUnique(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}
