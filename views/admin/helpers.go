// Package admin holds the platform admin console's pages (/admin).
package admin

import (
	"net/url"
	"strconv"

	"takumi/internal/account"
	"takumi/internal/audit"
	"takumi/views"
)

// OrgFormOptions are the choices of the new-organisation form.
type OrgFormOptions struct {
	Kinds       []views.Option
	Prefectures []views.Option
	Industries  []views.Option
}

// AuditState is what the audit page shows: a page of events and, after the
// verify button, the chain check's result.
type AuditState struct {
	Log    *account.AuditLogPage
	Verify *audit.VerifyResult
}

// usersURL is the users listing with q's search and sort at page n.
func usersURL(q account.UserQuery, page int) string {
	v := url.Values{}
	if q.Search != "" {
		v.Set("q", q.Search)
	}
	if q.Sort != "" && q.Sort != account.DefaultUserSort {
		v.Set("sort", q.Sort)
	}
	if page > 1 {
		v.Set("page", strconv.Itoa(page))
	}
	if len(v) == 0 {
		return "/admin/users"
	}
	return "/admin/users?" + v.Encode()
}

// auditURL is the audit log with q's filters, older than beforeID.
func auditURL(q account.AuditQuery, beforeID int64) string {
	v := url.Values{}
	if q.Action != "" {
		v.Set("action", q.Action)
	}
	if q.ActorEmail != "" {
		v.Set("actor", q.ActorEmail)
	}
	if beforeID > 0 {
		v.Set("before", strconv.FormatInt(beforeID, 10))
	}
	return "/admin/audit?" + v.Encode()
}

// sortOptions are the allowlisted orders of the users listing.
func sortOptions(p views.Page) []views.Option {
	keys := []string{"newest", "oldest", "email", "name"}
	out := make([]views.Option, len(keys))
	for i, k := range keys {
		out[i] = views.Option{Value: k, Label: p.T(sortKey(k))}
	}
	return out
}

// actionOptions are the allowlisted action families of the audit filter.
func actionOptions(p views.Page) []views.Option {
	out := make([]views.Option, len(account.AuditActionPrefixes))
	for i, a := range account.AuditActionPrefixes {
		out[i] = views.Option{Value: a, Label: a + "*"}
	}
	return out
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

func itoa(n int) string { return strconv.Itoa(n) }

func countKey(kind string) string { return "admin.count_orgs_" + kind }

func sortKey(sort string) string { return "admin.users_sort_" + sort }
