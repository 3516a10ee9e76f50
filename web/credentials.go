package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/labstack/echo/v4"

	"takumi/internal/account"
	"takumi/internal/credential"
	credviews "takumi/views/credentials"
)

// Public credential routes: a credential's verification page and its JSON,
// the signed status lists, the issuer's DID document and "verify any
// credential". None needs a login: the credential's random id is what its
// holder shares. Nothing here fetches anything from another site.

// handleCredentialPage shows a credential's public verification page: who
// earned what, from which provider, when, until when, and its live status
// as the server verifies it now (signature, key, status list, dates), with
// every check explained. An unknown or malformed id is 404.
func (s *Server) handleCredentialPage(c echo.Context) error {
	ctx := c.Request().Context()
	h, err := s.Credentials.Get(ctx, c.Param("id"))
	if err != nil {
		return err
	}
	holder, err := s.credentialHolder(ctx, h.UserID)
	if err != nil {
		return err
	}
	report := s.Credentials.VerifyStored(ctx, &h.Credential)
	p := s.page(c, "verify.page_kicker")
	p.Title = p.T("verify.page_title", h.Name.In(p.Lang()))
	return render(c, http.StatusOK, credviews.CredentialPage(p, credviews.Public{Holding: h, Report: report,
		Holder: holder, PageURL: s.Credentials.PageURL(h.ID), CheckedAt: time.Now()}))
}

// deletedEmailSuffix marks an account its owner deleted (privacy.Service.DeleteAccount
// anonymises the row rather than removing it).
const deletedEmailSuffix = "@deleted.invalid"

// credentialHolder is the display name of the learner holding a
// credential, or "" when the account was deleted: the page then names no
// one. SECURITY: a deleted account's placeholder name is never shown as if
// it were the holder's.
func (s *Server) credentialHolder(ctx context.Context, userID string) (string, error) {
	u, err := s.Users.ByID(ctx, userID)
	if isNotFound(err) {
		return "", nil
	}
	if err != nil {
		return "", err
	}
	if isDeletedAccount(u) {
		return "", nil
	}
	return strings.TrimSpace(u.DisplayName), nil
}

func isDeletedAccount(u *account.User) bool {
	return strings.HasSuffix(u.Email, deletedEmailSuffix) || (u.Disabled() && u.DisplayName == account.DeletedDisplayName)
}

// handleCredentialJSON answers the credential exactly as issued, byte for
// byte (what wallets and other verifiers take), with ?download=1 as a
// file. The document never changes, so it carries an ETag.
func (s *Server) handleCredentialJSON(c echo.Context) error {
	h, err := s.Credentials.Get(c.Request().Context(), c.Param("id"))
	if err != nil {
		return err
	}
	body := []byte(h.Document)
	hdr := c.Response().Header()
	hdr.Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
	hdr.Set("Cache-Control", "no-cache")
	publicJSONHeaders(hdr, body)
	if c.QueryParam("download") == "1" {
		// The id is a UUID (Get checked it), so the file name needs no escaping.
		hdr.Set(echo.HeaderContentDisposition, `attachment; filename="credential-`+h.ID+`.json"`)
	}
	http.ServeContent(c.Response(), c.Request(), "", h.IssuedAt, bytes.NewReader(body))
	return nil
}

// statusListMaxAge is how long a status list may be cached: a revocation
// reaches every verifier within this time (docs/credentials.md).
const statusListMaxAge = "60"

// handleStatusList answers a signed BitstringStatusListCredential. Verifiers
// poll it, so it may be cached for statusListMaxAge seconds and revalidated
// with If-None-Match or If-Modified-Since (304). An unknown list is 404.
func (s *Server) handleStatusList(c echo.Context) error {
	body, updated, err := s.Credentials.StatusListCredential(c.Request().Context(), c.Param("list"))
	if err != nil {
		return err
	}
	hdr := c.Response().Header()
	hdr.Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
	hdr.Set("Cache-Control", "public, max-age="+statusListMaxAge)
	publicJSONHeaders(hdr, body)
	http.ServeContent(c.Response(), c.Request(), "", updated.UTC().Truncate(time.Second), bytes.NewReader(body))
	return nil
}

// handleDIDDocument answers the issuer's did:web DID document: every key
// that ever signed, so credentials signed before a key rotation still
// verify.
func (s *Server) handleDIDDocument(c echo.Context) error {
	body, err := json.Marshal(s.Credentials.DIDDocument())
	if err != nil {
		return err
	}
	hdr := c.Response().Header()
	hdr.Set(echo.HeaderContentType, echo.MIMEApplicationJSON)
	hdr.Set("Cache-Control", "public, max-age=3600")
	publicJSONHeaders(hdr, body)
	http.ServeContent(c.Response(), c.Request(), "", time.Time{}, bytes.NewReader(body))
	return nil
}

// handleIssuerInfo shows what an issuer registry needs to list this
// platform as a credential issuer: the DID, its DID document and keys, the
// operator's name, location and contact (configuration), and a ready
// registry entry (docs/credentials.md).
func (s *Server) handleIssuerInfo(c echo.Context) error {
	did := s.Credentials.DID()
	v := credviews.IssuerInfo{DID: did, DIDDocumentURL: s.Config.BaseURL + "/.well-known/did.json", SiteURL: s.Config.BaseURL,
		OperatorName: s.Config.OperatorName, OperatorLocation: s.Config.OperatorLocation, Contact: s.Config.OperatorContact}
	if refs, ok := s.Credentials.DIDDocument()["assertionMethod"].([]any); ok {
		for _, r := range refs {
			if id, ok := r.(string); ok {
				v.KeyIDs = append(v.KeyIDs, id)
			}
		}
	}
	switch {
	case strings.HasPrefix(v.Contact, "https://") || strings.HasPrefix(v.Contact, "http://"):
		v.ContactHref = v.Contact
	case strings.Contains(v.Contact, "@"):
		v.ContactHref = "mailto:" + v.Contact
	default:
		v.ContactHref = "" // neither a URL nor an address: shown as text
	}
	// The Digital Credentials Consortium's registries key entries by DID:
	// {"<did>": {"name", "location", "url"}}.
	entry := map[string]string{"name": v.OperatorName, "url": v.SiteURL}
	if v.OperatorLocation != "" {
		entry["location"] = v.OperatorLocation
	}
	raw, err := json.MarshalIndent(map[string]any{did: entry}, "", "  ")
	if err != nil {
		return err
	}
	v.RegistryEntry = string(raw)
	p := s.page(c, "issuer.title")
	return render(c, http.StatusOK, credviews.IssuerPage(p, v))
}

// publicJSONHeaders sets what every public JSON document carries: an ETag
// of its bytes, and CORS open to every origin so web wallets and verifiers
// running in a browser can read it. SECURITY: these documents are public
// and the response carries no cookies' data, so "*" discloses nothing.
func publicJSONHeaders(hdr http.Header, body []byte) {
	sum := sha256.Sum256(body)
	hdr.Set("ETag", `"`+base64.RawURLEncoding.EncodeToString(sum[:18])+`"`)
	hdr.Set(echo.HeaderAccessControlAllowOrigin, "*")
}

// handleVerifyForm shows "verify any credential": paste or upload a JSON.
func (s *Server) handleVerifyForm(c echo.Context) error {
	p := s.page(c, "verify.title")
	return render(c, http.StatusOK, credviews.VerifyPage(p, credviews.VerifyForm{MaxKiB: credential.MaxVerifyBytes >> 10}))
}

// handleVerify verifies a pasted or uploaded credential (the file when
// both are given) and explains every check. Whatever was given, the answer
// is this page with an explanation: malformed JSON, a file too large, a
// remote context, another DID method or a changed byte are all verdicts,
// never errors. The credential domain never fetches anything.
func (s *Server) handleVerify(c echo.Context) error {
	f := credviews.VerifyForm{MaxKiB: credential.MaxVerifyBytes >> 10, Pasted: c.FormValue("credential")}
	raw := []byte(f.Pasted)
	if len(f.Pasted) > credential.MaxVerifyBytes {
		f.Pasted = "" // too large to send back; the explanation says why
	}
	if fh, err := c.FormFile("file"); err == nil && (fh.Size > 0 || fh.Filename != "") {
		file, err := fh.Open()
		if err != nil {
			return err
		}
		defer file.Close()
		// One byte over the limit is enough for Verify to say "too large".
		raw, err = io.ReadAll(io.LimitReader(file, credential.MaxVerifyBytes+1))
		if err != nil {
			return err
		}
		f.FileName = fh.Filename
	} else if err != nil && !errors.Is(err, http.ErrMissingFile) && !errors.Is(err, http.ErrNotMultipart) {
		return echo.NewHTTPError(http.StatusBadRequest).SetInternal(err)
	}
	// A credential naming another issuer is a partner's (or unregistered):
	// checked against the partner's stored DID document (internal/partner).
	if iss := credential.PresentedIssuer(raw); iss != "" && iss != s.Credentials.DID() && len(raw) <= credential.MaxVerifyBytes {
		f.Report = s.Partners.Verify(c.Request().Context(), raw)
	} else {
		f.Report = s.Credentials.Verify(c.Request().Context(), raw)
	}
	return render(c, http.StatusOK, credviews.VerifyPage(s.page(c, "verify.title"), f))
}

// verifyRoute is the form /verify posts to; it takes a file upload.
const verifyRoute = "/verify"

// verifyUploadTime is how long a credential upload may take to arrive.
const verifyUploadTime = time.Minute

// verifyBodyLimit is the largest /verify body read: a pasted and an
// uploaded credential at the limit each, with room to spare, so that a file
// a few times too large still gets the page's own explanation.
const verifyBodyLimit = 4 * credential.MaxVerifyBytes

func isVerifyUpload(c echo.Context) bool {
	return c.Request().Method == http.MethodPost && c.Path() == verifyRoute
}

// verifyTooLarge answers a /verify body over verifyBodyLimit, refused
// unread: the verify page saying the file is too large, as Verify says it
// for a smaller oversized file. It runs before the session and CSRF
// middleware, so the page offers a link back to the form rather than a
// form without a token.
func (s *Server) verifyTooLarge(c echo.Context) error {
	c.Response().Header().Set("Connection", "close")
	// The too-large explanation in the domain's own report shape: the
	// format check fails, the rest are skipped.
	report := s.Credentials.Verify(c.Request().Context(), nil)
	report.Checks[0].Detail, report.Checks[0].Args = "credential.detail.too_large", []any{credential.MaxVerifyBytes >> 10}
	p := s.safePage(c, http.StatusRequestEntityTooLarge)
	p.CSRF = ""
	p.Title = p.T("verify.title")
	page := credviews.VerifyPage(p, credviews.VerifyForm{MaxKiB: credential.MaxVerifyBytes >> 10, Report: report})
	// Security headers are set by a middleware that has not run yet.
	return s.securityHeaders(func(c echo.Context) error {
		return render(c, http.StatusRequestEntityTooLarge, page)
	})(c)
}
