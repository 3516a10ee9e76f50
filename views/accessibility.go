package views

import "time"

// AccessibilityResults is the published axe-core results file
// (static/accessibility/results.json, written by `make accessibility`).
type AccessibilityResults struct {
	Standard  string              `json:"standard"`
	Target    string              `json:"target"`
	Tool      string              `json:"tool"`
	Rules     []string            `json:"rules"`
	Generated time.Time           `json:"generated"`
	Checks    int                 `json:"checks"`
	Pages     []AccessibilityPage `json:"pages"`
}

// AccessibilityPage is one page and language checked.
type AccessibilityPage struct {
	Path       string   `json:"path"`
	Lang       string   `json:"lang"`
	Names      []string `json:"names"`
	Checks     int      `json:"checks"`
	Violations []string `json:"violations"`
}

// Failing counts the pages with at least one violation.
func (r AccessibilityResults) Failing() int {
	n := 0
	for _, p := range r.Pages {
		if len(p.Violations) > 0 {
			n++
		}
	}
	return n
}

// accessibilityManualChecks are the catalogue keys of the checks made by
// hand (or by HTTP tests without a browser) beside axe-core.
var accessibilityManualChecks = []string{
	"a11y.manual_keyboard", "a11y.manual_nojs", "a11y.manual_narrow", "a11y.manual_focus",
	"a11y.manual_errors", "a11y.manual_captions", "a11y.manual_language",
}
