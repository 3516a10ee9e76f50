package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"takumi/internal/apperr"
	"takumi/internal/credential"
	"takumi/internal/jst"
	partnerviews "takumi/views/partner"
	walletviews "takumi/views/wallet"
)

// The learner's credential wallet (/learn/credentials), the printable
// certificate of one credential, and the QR code of a credential's public
// verification page. The wallet and the certificate are requireUser and
// show only the signed-in learner's own credentials: someone else's id
// answers 404, like an unknown one. The QR code is public, as the page it
// leads to is.

// walletStatus is a credential's live status at now, as the verification
// page states it.
func walletStatus(c *credential.Credential, now time.Time) credential.Verdict {
	switch {
	case c.RevokedAt != nil:
		return credential.VerdictRevoked
	case c.Expired(now):
		return credential.VerdictExpired
	case now.Before(c.ValidFrom):
		return credential.VerdictNotYetValid
	}
	return credential.VerdictValid
}

// linkedInAddURL is LinkedIn's documented "Add to profile" link for a
// certification: the form opens filled in with the achievement's name, the
// provider, the issue (and expiry) month, the verification page and the
// credential id.
func linkedInAddURL(h *credential.Holding, lang, pageURL string) string {
	v := url.Values{}
	v.Set("startTask", "CERTIFICATION_NAME")
	v.Set("name", h.Name.In(lang))
	v.Set("organizationName", h.Provider.In(lang))
	issued := jst.In(h.IssuedAt) // the issue month on LinkedIn is the month in Japan, as on the certificate
	v.Set("issueYear", strconv.Itoa(issued.Year()))
	v.Set("issueMonth", strconv.Itoa(int(issued.Month())))
	if h.ValidUntil != nil {
		until := jst.In(*h.ValidUntil)
		v.Set("expirationYear", strconv.Itoa(until.Year()))
		v.Set("expirationMonth", strconv.Itoa(int(until.Month())))
	}
	v.Set("certUrl", pageURL)
	v.Set("certId", h.ID)
	// Encode writes a space as "+"; %20 means a space in any part of a URL
	// (a literal "+" is already %2B), so names read right wherever LinkedIn
	// decodes them.
	return "https://www.linkedin.com/profile/add?" + strings.ReplaceAll(v.Encode(), "+", "%20")
}

// handleWallet is the learner's wallet: every credential they hold, newest
// first, with its live status, download, certificate, share link and
// LinkedIn link.
func (s *Server) handleWallet(c echo.Context) error {
	hs, err := s.Credentials.ListForUser(c.Request().Context(), currentAuth(c).User.ID)
	if err != nil {
		return err
	}
	lang, now := s.lang(c), time.Now()
	items := make([]walletviews.Item, len(hs))
	for i := range hs {
		h := &hs[i]
		it := walletviews.Item{Holding: h, Status: walletStatus(&h.Credential, now), PageURL: s.Credentials.PageURL(h.ID)}
		if !it.Revoked() {
			it.LinkedInURL = linkedInAddURL(h, lang, it.PageURL)
		}
		items[i] = it
	}
	held, err := s.Partners.CredentialsFor(c.Request().Context(), currentAuth(c).User.ID)
	if err != nil {
		return err
	}
	p := s.page(c, "wallet.title")
	return render(c, http.StatusOK, walletviews.Wallet(p, items, partnerviews.Held(p, held)))
}

// walletQRTitle is the QR code's accessible name, in both languages (the
// public SVG is cached whatever the reader's language).
func (s *Server) walletQRTitle() string {
	return s.Catalog.For("ja").T("wallet.cert_qr_title") + " / " + s.Catalog.For("en").T("wallet.cert_qr_title")
}

// handleCertificate is the printable certificate of one of the learner's
// own credentials. SECURITY: another learner's credential answers 404, the
// same as an unknown id, so ids cannot be probed.
func (s *Server) handleCertificate(c echo.Context) error {
	h, err := s.Credentials.Get(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	user := currentAuth(c).User
	if h.UserID != user.ID {
		return apperr.New(apperr.NotFound, "error.not_found")
	}
	pageURL := s.Credentials.PageURL(h.ID)
	svg, err := walletviews.QRCodeSVG(pageURL, s.walletQRTitle())
	if err != nil {
		return err
	}
	cert := walletviews.Certificate{Holding: h, Status: walletStatus(&h.Credential, time.Now()), Recipient: user.DisplayName,
		PageURL: pageURL, QRSVG: svg, Ja: s.Catalog.For("ja"), En: s.Catalog.For("en")}
	return render(c, http.StatusOK, walletviews.CertificatePage(s.page(c, "wallet.certificate_title", h.Name.In(s.lang(c))), cert))
}

// handleCredentialQR is the QR code (SVG) of a credential's public
// verification page, for any existing credential; 404 otherwise. It never
// changes, so browsers and proxies may keep it a day.
func (s *Server) handleCredentialQR(c echo.Context) error {
	h, err := s.Credentials.Get(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	svg, err := walletviews.QRCodeSVG(s.Credentials.PageURL(h.ID), s.walletQRTitle())
	if err != nil {
		return err
	}
	c.Response().Header().Set(echo.HeaderCacheControl, "public, max-age=86400")
	return c.Blob(http.StatusOK, "image/svg+xml", []byte(svg))
}
