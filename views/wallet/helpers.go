// Package wallet holds the learner's credential pages: the wallet
// (/learn/credentials) and the printable certificate of one credential,
// plus the QR code drawing both the certificate and the public QR route use.
package wallet

import (
	"strings"

	"github.com/a-h/templ"

	"takumi/internal/credential"
	"takumi/internal/i18n"
)

// Item is one credential in the wallet with what its actions need.
type Item struct {
	*credential.Holding
	Status      credential.Verdict // valid, expired, not_yet_valid or revoked, as of the request
	PageURL     string             // the public verification page: the share link
	LinkedInURL string             // LinkedIn's add-to-profile link; "" when revoked
}

// Revoked reports whether the credential has been revoked.
func (it Item) Revoked() bool { return it.Status == credential.VerdictRevoked }

// Certificate is what the printable certificate shows. It is bilingual
// whatever the page's language, so it carries both catalogues.
type Certificate struct {
	*credential.Holding
	Status    credential.Verdict
	Recipient string // the learner's display name
	PageURL   string // the public verification page the QR code leads to
	QRSVG     string // the QR code of PageURL, drawn by QRCodeSVG
	Ja, En    i18n.Localizer
}

// statusKey is the catalogue key of a credential's status.
func statusKey(v credential.Verdict) string { return "credential.verdict." + string(v) }

// statusBadge is the badge class of a status.
func statusBadge(v credential.Verdict) string {
	switch v {
	case credential.VerdictValid:
		return "badge badge-ok"
	case credential.VerdictRevoked:
		return "badge badge-warn"
	}
	return "badge"
}

// hasEnglish reports whether en is an English text worth printing beside ja.
func hasEnglish(ja, en string) bool { return strings.TrimSpace(en) != "" && en != ja }

// certificateURL is the printable certificate of credential id.
func certificateURL(id string) templ.SafeURL {
	return templ.SafeURL("/learn/credentials/" + id + "/certificate")
}

// downloadURL is the signed credential as a .json download.
func downloadURL(id string) templ.SafeURL {
	return templ.SafeURL("/credentials/" + id + "/credential.json?download=1")
}

// pageLink is the public verification page as a link target.
func pageLink(id string) templ.SafeURL { return templ.SafeURL("/credentials/" + id) }
