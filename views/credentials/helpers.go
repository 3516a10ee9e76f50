// Package credentials holds the public credential pages: a credential's
// verification page (/credentials/{id}) and "verify any credential"
// (/verify). Both show a credential.Report: the verdict in words and every
// check with its plain explanation.
package credentials

import (
	"time"

	"takumi/internal/credential"
	"takumi/internal/jst"
	"takumi/views"
)

// Public is what a credential's public verification page shows.
type Public struct {
	*credential.Holding
	Report    *credential.Report // verified by the server for this request
	Holder    string             // the learner's display name; "" when the account was deleted
	PageURL   string             // this page's absolute URL (the QR code's target)
	CheckedAt time.Time
}

// RevokedTime is when the credential was revoked: as the status check read
// it, else as the credential's row records it.
func (v Public) RevokedTime() *time.Time {
	if v.Report.RevokedAt != nil {
		return v.Report.RevokedAt
	}
	return v.Holding.RevokedAt
}

// Reason is why the credential was revoked.
func (v Public) Reason() string {
	if v.Report.RevocationReason != "" {
		return v.Report.RevocationReason
	}
	return v.Holding.RevocationReason
}

// VerifyForm is the /verify page: the form as typed and, once submitted,
// what verification found.
type VerifyForm struct {
	Pasted   string             // the pasted JSON, kept in the textarea
	FileName string             // the uploaded file that was checked, if any
	Report   *credential.Report // nil until something is submitted
	MaxKiB   int                // the size limit, in KiB
}

// date writes t's day in Japan in the page's language: 2026年11月27日 or
// 27 November 2026.
func date(p views.Page, t time.Time) string { return jst.LongDate(p.Lang(), t) }

// dateTime writes t in Japan to the minute, with the zone.
func dateTime(p views.Page, t time.Time) string {
	return date(p, t) + " " + jst.In(t).Format("15:04 MST")
}

// isoTime is t for a <time datetime> attribute.
func isoTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// verdictKey is the catalogue key naming a verdict.
func verdictKey(v credential.Verdict) string {
	switch v {
	case credential.VerdictValid:
		return "credential.verdict.valid"
	case credential.VerdictExpired:
		return "credential.verdict.expired"
	case credential.VerdictNotYetValid:
		return "credential.verdict.not_yet_valid"
	case credential.VerdictRevoked:
		return "credential.verdict.revoked"
	}
	return "credential.verdict.invalid"
}

// verdictClass is the CSS class of a verdict's banner. The verdict is also
// written in words: colour is never the only signal.
func verdictClass(v credential.Verdict) string {
	switch v {
	case credential.VerdictValid:
		return "cred-verdict cred-verdict-valid"
	case credential.VerdictExpired, credential.VerdictNotYetValid:
		return "cred-verdict cred-verdict-warn"
	}
	return "cred-verdict cred-verdict-bad"
}

// explanation is the sentence under a verdict, in the page's language.
func explanation(p views.Page, r *credential.Report, revokedAt *time.Time) string {
	switch r.Verdict {
	case credential.VerdictValid:
		return p.T("verify.explain_valid")
	case credential.VerdictRevoked:
		if revokedAt == nil {
			return p.T("verify.explain_revoked_undated")
		}
		return p.T("verify.explain_revoked", dateTime(p, *revokedAt))
	case credential.VerdictExpired:
		if r.ValidUntil != nil {
			return p.T("verify.explain_expired", date(p, *r.ValidUntil))
		}
	case credential.VerdictNotYetValid:
		if r.ValidFrom != nil {
			return p.T("verify.explain_not_yet_valid", date(p, *r.ValidFrom))
		}
	}
	return p.T("verify.explain_invalid")
}

// checkResult is the label of a check's outcome and its CSS class.
func checkResult(c credential.Check) (label, class string) {
	switch {
	case c.Skipped:
		return "verify.check_skipped", "badge cred-check-skipped"
	case c.OK:
		return "verify.check_ok", "badge badge-ok"
	}
	return "verify.check_failed", "badge badge-warn"
}

func checkLabel(c credential.Check) string { l, _ := checkResult(c); return l }
func checkClass(c credential.Check) string { _, cl := checkResult(c); return cl }

// otherLang is the language the page is not in, for the achievement's
// name in that language.
func otherLang(p views.Page) string {
	if p.Lang() == "en" {
		return "ja"
	}
	return "en"
}

// otherName is the achievement's name in the other language, or "" when it
// is the same or missing.
func otherName(p views.Page, h *credential.Holding) string {
	other := h.Name.In(otherLang(p))
	if other == h.Name.In(p.Lang()) {
		return ""
	}
	return other
}

// otherProvider is the provider's name in the other language, or "".
func otherProvider(p views.Page, h *credential.Holding) string {
	other := h.Provider.In(otherLang(p))
	if other == h.Provider.In(p.Lang()) {
		return ""
	}
	return other
}

// okAttr is a check's outcome for the data-ok attribute (tests and styling).
func okAttr(c credential.Check) string {
	switch {
	case c.Skipped:
		return "skipped"
	case c.OK:
		return "true"
	}
	return "false"
}

// claimsKnown reports whether the report read anything from the credential.
func claimsKnown(r *credential.Report) bool {
	return r.AchievementName != "" || r.IssuerName != "" || r.ValidFrom != nil || r.ValidUntil != nil || r.CredentialID != ""
}
