// Package views holds Takumi's templ components. Views take explicit props
// (a Page describing the request, plus their own data), never echo.Context.
package views

import (
	"sort"

	"takumi/internal/i18n"
)

// Page is what every full page needs to know about the request.
type Page struct {
	L     i18n.Localizer
	Path  string // current path and query, for the language switch to return to
	CSRF  string // token for every state-changing form
	User  *CurrentUser
	Dev   bool   // development mode: show the dev mailbox link and demo accounts
	Flash string // catalogue key of a one-time notice
	Title string // already translated page title

	// FlashArgs are the arguments of Flash's message (see web flashWith).
	FlashArgs []any
}

// CurrentUser is the signed-in person as the views see them.
type CurrentUser struct {
	ID              string
	DisplayName     string
	Email           string
	IsPlatformAdmin bool
	IsOrgAdmin      bool
	IsAnalyst       bool
	IsAuthor        bool // instructor or admin of a training provider: may use the studio
}

// T translates key in the page's language.
func (p Page) T(key string, args ...any) string { return p.L.T(key, args...) }

// Lang is the page's language code.
func (p Page) Lang() string { return p.L.Lang }

// FallbackLang is the lang attribute of a bilingual text shown on this
// page whose English is en: "ja" when the page is English and i18n.Pick
// fell back to the Japanese (en is blank), else "" (none needed).
func (p Page) FallbackLang(en string) string {
	if p.Lang() == "en" && i18n.Pick(p.Lang(), "", en) == "" {
		return "ja"
	}
	return ""
}

// Form holds what a person typed and what was wrong with it, so a failed form
// comes back with every value kept (never passwords) and every problem next
// to its field.
type Form struct {
	Values map[string]string
	Errors map[string]string // field -> catalogue key
	// Order is the fields in the order the form shows them, so the error
	// summary lists problems top to bottom (web's formFrom sets it).
	Order []string
}

// FormError is the Errors key of a problem with the form as a whole.
const FormError = "_form"

// NewForm returns an empty form.
func NewForm() Form { return Form{Values: map[string]string{}, Errors: map[string]string{}} }

// Get returns the typed value of field.
func (f Form) Get(field string) string { return f.Values[field] }

// Err returns the catalogue key of field's problem, or "".
func (f Form) Err(field string) string { return f.Errors[field] }

// ErrorFields is the fields with a problem: the whole-form problem first,
// then in Order, then any others by name.
func (f Form) ErrorFields() []string {
	var out []string
	seen := map[string]bool{}
	add := func(name string) {
		if f.Errors[name] != "" && !seen[name] {
			seen[name] = true
			out = append(out, name)
		}
	}
	add(FormError)
	for _, name := range f.Order {
		add(name)
	}
	rest := make([]string, 0, len(f.Errors))
	for name := range f.Errors {
		rest = append(rest, name)
	}
	sort.Strings(rest)
	for _, name := range rest {
		add(name)
	}
	return out
}

// HasErrors reports whether any field has a problem.
func (f Form) HasErrors() bool { return len(f.Errors) > 0 }

// Option is one choice of a select or radio group.
type Option struct {
	Value string
	Label string
}
