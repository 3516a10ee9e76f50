// Package orgviews holds the organisation admin pages (/org) and the
// invitation pages (/invitations/...), plus components the platform admin
// console reuses (the invite form).
package orgviews

import (
	"takumi/internal/org"
	"takumi/views"
	accountviews "takumi/views/account"
)

// OrgName is the organisation's name in the page's language.
func OrgName(p views.Page, o org.Organisation) string { return p.L.Pick(o.NameJa, o.NameEn) }

// RoleOptions are the organisation roles as select options.
func RoleOptions(p views.Page) []views.Option {
	out := make([]views.Option, 0, len(org.Roles))
	for _, r := range org.Roles {
		out = append(out, views.Option{Value: r, Label: p.T(org.RoleKey(r))})
	}
	return out
}

// InvitationState is what the invitation page shows.
type InvitationState struct {
	Token         string
	View          *org.InvitationView // nil when the token is unknown
	State         string              // org.Invitation* state, or "unknown"
	SignedIn      bool
	SignedInEmail string
	EmailMatches  bool
	ProblemKey    string // catalogue key of a refusal to show, or ""
	// HasAccount: the invited address has an account (sign in and accept);
	// otherwise the page carries the sign-up form (Signup, Options).
	HasAccount bool
	Courses    []string // titles of the courses the organisation enrolled the address in
	Signup     views.Form
	Options    accountviews.SignupOptions
}
