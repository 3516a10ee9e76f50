// Package admin holds the platform admin console's pages (/admin).
package admin

import (
	"encoding/json"
	"net/url"
	"sort"
	"strconv"
	"strings"

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
		key := "audit.family." + strings.TrimSuffix(a, ".")
		out[i] = views.Option{Value: a, Label: p.T(key)}
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

// auditLabel is the catalogue label of an audit code under prefix
// ("audit.action.", "audit.target.", "audit.field."), or the code itself
// when the catalogue has none (a new action still shows, as its code).
func auditLabel(p views.Page, prefix, code string) string {
	if l := p.T(prefix + code); !strings.HasPrefix(l, "[") {
		return l
	}
	return code
}

// auditField is one labelled value of an audit event's details.
type auditField struct {
	Label string
	Value string
}

// auditDetails turns an event's JSON details into labelled fields, sorted
// by their code; details that are not a JSON object come back as one field.
func auditDetails(p views.Page, details string) []auditField {
	var m map[string]any
	if err := json.Unmarshal([]byte(details), &m); err != nil {
		if details == "" || details == "{}" || details == "null" {
			return nil
		}
		return []auditField{{Label: p.T("admin.col_details"), Value: details}}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]auditField, 0, len(keys))
	for _, k := range keys {
		out = append(out, auditField{Label: auditLabel(p, "audit.field.", k), Value: auditValue(m[k])})
	}
	return out
}

// auditValue shows one detail value: text as is, whole numbers without an
// exponent, lists joined, anything else as compact JSON.
func auditValue(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = auditValue(e)
		}
		return strings.Join(parts, ", ")
	}
	b, _ := json.Marshal(v)
	return string(b)
}
