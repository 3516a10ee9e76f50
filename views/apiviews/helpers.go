// Package apiviews holds the integration API's pages (issue 19): an
// organisation's API clients (/org/:id/api-clients) and the API's
// documentation page (/developers/api).
package apiviews

import (
	"strconv"
	"strings"

	"takumi/internal/apiclient"
	"takumi/internal/org"
	"takumi/internal/webhook"
	"takumi/views"
	"takumi/web/apidoc"
)

// ClientsState is the API clients page.
type ClientsState struct {
	Org org.Organisation
	// Base is the page's path (/org/:id/api-clients, or
	// /studio/providers/:id/api-clients for a training provider's admins);
	// Back and BackLabel the link above the title. Hooks shows the webhook
	// endpoints (only under /org, where their routes are).
	Base, Back, BackLabel string
	Hooks                 bool
	Clients               []apiclient.Client
	Form                  views.Form // the create form: name, scopes (one value per scope, "on")
	// Issued is set on the answer to a create or rotate: the only time the
	// secret is shown.
	Issued *Issued
	// Webhook endpoints, their create form (url, event_<type>) and the
	// signing secret of one just created (shown once).
	Endpoints  []webhook.Endpoint
	HookForm   views.Form
	IssuedHook *IssuedHook
}

// IssuedHook is a new endpoint with its signing secret.
type IssuedHook struct {
	URL    string
	Secret string
}

// EventField is the webhook form's checkbox name for an event type.
func EventField(ev string) string { return "event_" + strings.ReplaceAll(ev, ".", "_") }

// EventKey is an event type's label key.
func EventKey(ev string) string { return "webhook.event_" + strings.ReplaceAll(ev, ".", "_") }

// HookState is an endpoint's delivery log page.
type HookState struct {
	Org        org.Organisation
	Endpoint   webhook.Endpoint
	Deliveries []webhook.Delivery
}

func hookPath(o org.Organisation, id string) string { return "/org/" + o.ID + "/webhooks/" + id }

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

func deliveryStateKey(d webhook.Delivery) string {
	switch d.State() {
	case "delivered":
		return "webhook.state_delivered"
	case "failed":
		return "webhook.state_failed"
	}
	return "webhook.state_pending"
}

// lastAttempt is the last attempt's answer: the status, or the error.
func lastAttempt(d webhook.Delivery) string {
	switch {
	case d.LastStatus != nil && d.LastError != nil:
		return strconv.Itoa(*d.LastStatus) + " " + *d.LastError
	case d.LastStatus != nil:
		return strconv.Itoa(*d.LastStatus)
	case d.LastError != nil:
		return *d.LastError
	}
	return ""
}
