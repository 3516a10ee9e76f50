package web

import (
	"strings"

	"golang.org/x/text/unicode/norm"
)

// numericFields are the form fields that hold a number. formFrom passes
// each through numericValue, so every numeric field accepts what a Japanese
// input method types (１９９０, ３０) without each handler remembering to.
var numericFields = map[string]bool{
	"birth_year": true, "min_minutes": true, "estimated_hours": true, "pass_percent": true,
	"max_attempts": true, "capacity": true, "sort_order": true, "target": true,
	"valid_months": true, "credential_valid_months": true,
}

// numericValue is a typed number in the form the parsers read: NFKC turns
// full-width digits, signs and the full-width full stop into ASCII, and the
// surrounding space (full-width included) is dropped.
func numericValue(v string) string {
	return strings.TrimSpace(norm.NFKC.String(v))
}
