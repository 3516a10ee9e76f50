// Package revokeviews holds the pages where a training provider's admins
// and platform admins see issued credentials and revoke them with a reason.
package revokeviews

import (
	"net/url"
	"time"

	"takumi/internal/credential"
	"takumi/internal/jst"
	"takumi/views"
)

// ValidUntil is the end of a credential's validity, or "no expiry".
func ValidUntil(p views.Page, c credential.Credential) string {
	if c.ValidUntil == nil {
		return p.T("revoke.no_expiry")
	}
	return jst.Date(*c.ValidUntil)
}

// StatusKey is the catalogue key of a credential's state at now: revoked,
// expired, not yet valid or valid.
func StatusKey(c credential.Credential, now time.Time) string {
	switch {
	case c.RevokedAt != nil:
		return "credential.verdict.revoked"
	case c.Expired(now):
		return "credential.verdict.expired"
	case now.Before(c.ValidFrom):
		return "credential.verdict.not_yet_valid"
	}
	return "credential.verdict.valid"
}

func statusClass(c credential.Credential, now time.Time) string {
	switch StatusKey(c, now) {
	case "credential.verdict.valid":
		return "badge badge-ok"
	case "credential.verdict.revoked":
		return "badge badge-warn"
	}
	return "badge"
}

// Target is the credential a revocation page is about, and where its forms
// and links go.
type Target struct {
	Issued  *credential.Issued
	Action  string // the form's POST URL
	BackURL string // the list or lookup page
	BackKey string // catalogue key of the back link
	Now     time.Time
}

// OrgList is what the provider's list of issued credentials shows.
type OrgList struct {
	List  *credential.IssuedList
	Query string // the typed filter (id or verification URL), as typed
	Now   time.Time
}

// orgListURL is the provider's list, filtered by q, or the page after or
// before the credential with that id ("" for none).
func orgListURL(orgID, q, after, before string) string {
	v := url.Values{}
	if q != "" {
		v.Set("q", q)
	}
	if after != "" {
		v.Set("after", after)
	}
	if before != "" {
		v.Set("before", before)
	}
	u := "/org/" + orgID + "/credentials"
	if len(v) > 0 {
		u += "?" + v.Encode()
	}
	return u
}

func revokeURL(orgID, id string) string { return "/org/" + orgID + "/credentials/" + id + "/revoke" }

func pageURL(id string) string { return "/credentials/" + id }

// AdminLookup is what the platform admin's lookup page shows.
type AdminLookup struct {
	Form  views.Form // field "q": the typed id or URL, with its problem
	Found *credential.Issued
	Now   time.Time
}
