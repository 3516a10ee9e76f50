// Package apiviews holds the integration API's pages (issue 19): an
// organisation's API clients (/org/:id/api-clients) and the API's
// documentation page (/developers/api).
package apiviews

import (
	"strings"

	"takumi/internal/apiclient"
	"takumi/internal/org"
	"takumi/views"
	"takumi/web/apidoc"
)

// ClientsState is the API clients page.
type ClientsState struct {
	Org     org.Organisation
	Clients []apiclient.Client
	Form    views.Form // the create form: name, scopes (one value per scope, "on")
	// Issued is set on the answer to a create or rotate: the only time the
	// secret is shown.
	Issued *Issued
}

// Issued is a client id with its new secret.
type Issued struct {
	ClientID string
	Name     string
	Secret   string
}

// ScopeKey is a scope's label key ("api.scope_catalogue_read").
func ScopeKey(scope string) string { return "api.scope_" + strings.ReplaceAll(scope, ":", "_") }

// ScopeField is the create form's checkbox name for scope.
func ScopeField(scope string) string { return "scope_" + strings.ReplaceAll(scope, ":", "_") }

func orgName(p views.Page, o org.Organisation) string { return p.L.Pick(o.NameJa, o.NameEn) }

func clientsPath(o org.Organisation) string { return "/org/" + o.ID + "/api-clients" }

// DocsState is the documentation page.
type DocsState struct {
	BaseURL    string
	Operations []apidoc.Operation
	Tags       []string
}

// OpKey is an operation's description key ("api.op_listCourses").
func OpKey(id string) string { return "api.op_" + id }

// TagKey is a tag's heading key.
func TagKey(tag string) string { return "api.tag_" + tag }

func opsOf(ops []apidoc.Operation, tag string) []apidoc.Operation {
	var out []apidoc.Operation
	for _, o := range ops {
		if o.Tag == tag {
			out = append(out, o)
		}
	}
	return out
}
