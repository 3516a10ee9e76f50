// Package orgviews holds the organisation admin pages (/org) and the
// invitation pages (/invitations/...), plus components the platform admin
// console reuses (the invite form).
package orgviews

import (
	"time"

	"takumi/internal/org"
	"takumi/views"
)

// tokyo is Japan Standard Time (Japan has no daylight saving).
var tokyo = time.FixedZone("JST", 9*3600)

// DateTime formats t in Japan time, to the minute.
func DateTime(t time.Time) string { return t.In(tokyo).Format("2006-01-02 15:04") }

// Date formats t's day in Japan time.
func Date(t time.Time) string { return t.In(tokyo).Format("2006-01-02") }

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
}
