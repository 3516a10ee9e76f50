package sso

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/crewjam/saml"
	"gorm.io/gorm"

	"takumi/internal/apperr"
	"takumi/internal/audit"
	"takumi/internal/database"
)

// SAML 2.0 service provider (crewjam/saml), one per organisation: its
// entity id is its metadata URL, /sso/saml/<org>/metadata, and its
// assertion consumer service /sso/saml/<org>/acs (HTTP-POST). Requests are
// sent unsigned over HTTP-Redirect with no RequestedAuthnContext (Entra ID
// non-gallery applications refuse a request for Password when the person
// used a stronger method). The response must be in answer to a request
// Takumi sent (no IdP-initiated sign-in), signed (crewjam refuses a
// response whose assertion is covered by no valid signature), for this
// audience, within its validity, and each assertion is accepted once.

// mfaClassRefs are AuthnContextClassRef values that mean multi-factor
// authentication without any configuration (Entra ID's, and SAML's own
// two-factor classes); an organisation can add others (MFAACRValues).
var mfaClassRefs = []string{
	"http://schemas.microsoft.com/claims/multipleauthn",
	"urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorContract",
	"urn:oasis:names:tc:SAML:2.0:ac:classes:MobileTwoFactorUnregistered",
	"urn:oasis:names:tc:SAML:2.0:ac:classes:TimeSyncToken",
}

// samlRequestTTL is how long a person may spend at their provider.
const samlRequestTTL = 10 * time.Minute

// spKey returns the service provider's key and certificate, loaded from
// Settings.SAMLKeyFile or, when it does not exist yet, generated into it
// (RSA 2048, self-signed for ten years: SAML uses the certificate only to
// carry the key). Instances of one site must share the file.
func (s *Service) spKey() (*rsa.PrivateKey, *x509.Certificate, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.samlKey != nil {
		return s.samlKey, s.samlCert, nil
	}
	path := s.settings.SAMLKeyFile
	if path == "" {
		return nil, nil, errors.New("sso: no SAML key file configured")
	}
	if b, err := os.ReadFile(path); err == nil {
		pair, err := tls.X509KeyPair(b, b)
		if err != nil {
			return nil, nil, fmt.Errorf("sso: SAML key file %s: %w", path, err)
		}
		key, ok := pair.PrivateKey.(*rsa.PrivateKey)
		if !ok {
			return nil, nil, fmt.Errorf("sso: SAML key file %s: not an RSA key", path)
		}
		cert, err := x509.ParseCertificate(pair.Certificate[0])
		if err != nil {
			return nil, nil, err
		}
		s.samlKey, s.samlCert = key, cert
		return key, cert, nil
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, nil, err
	}
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: "Takumi SAML service provider"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().AddDate(10, 0, 0),
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, err
	}
	var buf bytes.Buffer
	_ = pem.Encode(&buf, &pem.Block{Type: "CERTIFICATE", Bytes: der})
	_ = pem.Encode(&buf, &pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, nil, err
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		return nil, nil, err
	}
	cert, _ := x509.ParseCertificate(der)
	s.samlKey, s.samlCert = key, cert
	return key, cert, nil
}

// SPMetadataURL is the organisation's SAML service provider metadata URL
// (also its entity id).
func (s *Service) SPMetadataURL(orgID string) string {
	return strings.TrimRight(s.settings.BaseURL, "/") + "/sso/saml/" + orgID + "/metadata"
}

// SPACSURL is the organisation's assertion consumer service URL.
func (s *Service) SPACSURL(orgID string) string {
	return strings.TrimRight(s.settings.BaseURL, "/") + "/sso/saml/" + orgID + "/acs"
}

// serviceProvider is the organisation's SP; idp is the provider's parsed
// metadata (nil for the SP's own metadata only).
func (s *Service) serviceProvider(orgID string, idp *saml.EntityDescriptor) (*saml.ServiceProvider, error) {
	key, cert, err := s.spKey()
	if err != nil {
		return nil, err
	}
	md, _ := url.Parse(s.SPMetadataURL(orgID))
	acs, _ := url.Parse(s.SPACSURL(orgID))
	return &saml.ServiceProvider{EntityID: md.String(), Key: key, Certificate: cert, MetadataURL: *md, AcsURL: *acs,
		IDPMetadata: idp, HTTPClient: s.settings.HTTPClient, AllowIDPInitiated: false,
		AuthnNameIDFormat: saml.UnspecifiedNameIDFormat, ReplayCache: replayCache{s: s}}, nil
}

// SPMetadata returns the organisation's SAML service provider metadata
// (public: it holds only public keys and URLs). Errors: not_found.
func (s *Service) SPMetadata(ctx context.Context, orgID string) ([]byte, error) {
	var n int64
	if !isUUID(orgID) || s.db.WithContext(ctx).Raw("SELECT count(*) FROM organisations WHERE id = ?", orgID).Scan(&n).Error != nil || n == 0 {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	sp, err := s.serviceProvider(orgID, nil)
	if err != nil {
		return nil, internal(err)
	}
	b, err := xml.MarshalIndent(sp.Metadata(), "", "  ")
	return b, internal(err)
}

// SAMLInput is what an organisation admin submits for a SAML provider:
// the IdP's metadata, by URL or pasted.
type SAMLInput struct {
	MetadataURL  string
	MetadataXML  string
	MFAACRValues string
	RequireSSO   bool
}

// SaveSAMLProvider saves the organisation's SAML identity provider from its
// metadata (fetched from MetadataURL when given). It replaces an OpenID
// Connect provider. Errors: not_found (not an admin), invalid (field
// metadata: sso.err_saml_metadata).
func (s *Service) SaveSAMLProvider(ctx context.Context, actor Actor, orgID string, in SAMLInput) error {
	if err := requireOrgAdmin(ctx, s.db, actor, orgID); err != nil {
		return err
	}
	raw := []byte(strings.TrimSpace(in.MetadataXML))
	if u := strings.TrimSpace(in.MetadataURL); u != "" {
		pu, err := url.Parse(u)
		if err != nil || (pu.Scheme != "https" && !(s.settings.AllowHTTPIssuer && pu.Scheme == "http")) {
			return apperr.FieldErrors(map[string]string{"metadata_url": "sso.err_saml_metadata_url"})
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, pu.String(), nil)
		res, err := s.settings.HTTPClient.Do(req)
		if err != nil {
			return apperr.FieldErrors(map[string]string{"metadata_url": "sso.err_saml_metadata_url"})
		}
		raw, err = io.ReadAll(io.LimitReader(res.Body, 1<<20))
		res.Body.Close()
		if err != nil || res.StatusCode != http.StatusOK {
			return apperr.FieldErrors(map[string]string{"metadata_url": "sso.err_saml_metadata_url"})
		}
	}
	ed, err := parseIdPMetadata(raw)
	if err != nil || len(raw) > 1<<20 || len(ed.IDPSSODescriptors) == 0 || ed.EntityID == "" {
		return apperr.FieldErrors(map[string]string{"metadata_xml": "sso.err_saml_metadata"})
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`INSERT INTO identity_providers (org_id, protocol, issuer, client_id, client_secret, saml_metadata, mfa_acr_values,
				require_sso, enabled, updated_at, updated_by)
			VALUES (?, 'saml', ?, '', '', ?, ?, ?, true, now(), ?)
			ON CONFLICT (org_id) DO UPDATE SET protocol = 'saml', issuer = EXCLUDED.issuer, client_id = '', client_secret = '',
				saml_metadata = EXCLUDED.saml_metadata, mfa_acr_values = EXCLUDED.mfa_acr_values,
				require_sso = EXCLUDED.require_sso, enabled = true, updated_at = now(), updated_by = EXCLUDED.updated_by`,
			orgID, ed.EntityID, string(raw), database.Array(strings.Fields(in.MFAACRValues)), in.RequireSSO, actor.UserID).Error; err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: actor.UserID, Action: "sso.provider_saved", TargetType: "organisation",
			TargetID: orgID, OrgID: orgID, IP: actor.IP, Details: map[string]any{"protocol": "saml", "entity_id": ed.EntityID, "require_sso": in.RequireSSO}})
	})
	return internal(err)
}

// beginSAML makes the AuthnRequest for p and records its id.
func (s *Service) beginSAML(ctx context.Context, p *Provider, st *Start) error {
	ed, err := parseIdPMetadata([]byte(p.SAMLMetadata))
	if err != nil {
		return err
	}
	sp, err := s.serviceProvider(p.OrgID, ed)
	if err != nil {
		return err
	}
	req, err := sp.MakeAuthenticationRequest(sp.GetSSOBindingLocation(saml.HTTPRedirectBinding), saml.HTTPRedirectBinding, saml.HTTPPostBinding)
	if err != nil {
		return err
	}
	var link any
	if st.LinkUserID != "" {
		link = st.LinkUserID
	}
	if err := s.db.WithContext(ctx).Exec("INSERT INTO saml_requests (id, org_id, link_user_id, expires_at) VALUES (?, ?, ?, ?)",
		req.ID, p.OrgID, link, s.now().Add(samlRequestTTL)).Error; err != nil {
		return err
	}
	u, err := req.Redirect("", sp)
	if err != nil {
		return err
	}
	st.URL = u.String()
	return nil
}

// CompleteSAML finishes a SAML sign-in from the POST to the organisation's
// assertion consumer service (r, its form parsed). Refusals are audited
// (sso.login_refused with the reason) and return unauthorized with
// KeyFailed, or forbidden with KeyLinkFirst or KeyDisabled.
func (s *Service) CompleteSAML(ctx context.Context, orgID string, r *http.Request, lang, ip string) (*Result, error) {
	refuse := func(reason string, err error) error {
		d := map[string]any{"reason": reason, "protocol": "saml"}
		if err != nil {
			d["error"] = err.Error()
			var ie *saml.InvalidResponseError
			if errors.As(err, &ie) && ie.PrivateErr != nil {
				d["error"] = ie.PrivateErr.Error()
			}
		}
		_ = audit.RecordNow(ctx, s.db, audit.Entry{Action: "sso.login_refused", TargetType: "organisation",
			TargetID: orgID, OrgID: orgID, IP: ip, Details: d})
		return apperr.Wrap(apperr.Unauthorized, KeyFailed, fmt.Errorf("%s: %w", reason, err))
	}
	if !isUUID(orgID) {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	p, err := providerOf(ctx, s.db, orgID)
	if err != nil {
		return nil, err
	}
	if p == nil || !p.Enabled || p.Protocol != "saml" {
		return nil, refuse("no_provider", nil)
	}
	ed, err := parseIdPMetadata([]byte(p.SAMLMetadata))
	if err != nil {
		return nil, refuse("metadata", err)
	}
	sp, err := s.serviceProvider(orgID, ed)
	if err != nil {
		return nil, internal(err)
	}
	var requestID string
	sp.ValidateRequestID = func(resp saml.Response, _ []string) error {
		var n int64
		if resp.InResponseTo == "" {
			return errors.New("unsolicited response (IdP-initiated sign-in is not accepted)")
		}
		if err := s.db.WithContext(ctx).Raw("SELECT count(*) FROM saml_requests WHERE id = ? AND org_id = ? AND expires_at > ?",
			resp.InResponseTo, orgID, s.now()).Scan(&n).Error; err != nil || n == 0 {
			return fmt.Errorf("InResponseTo %q is no pending request of this organisation", resp.InResponseTo)
		}
		requestID = resp.InResponseTo
		return nil
	}
	as, err := sp.ParseResponse(r, nil)
	if err != nil {
		return nil, refuse("response", err)
	}
	// SECURITY: the request is used up now: the same response, or another
	// one to the same request, is refused.
	var link struct{ LinkUserID *string }
	res := s.db.WithContext(ctx).Raw("DELETE FROM saml_requests WHERE id = ? RETURNING link_user_id", requestID).Scan(&link)
	if res.Error != nil || res.RowsAffected == 0 {
		return nil, refuse("request_used", res.Error)
	}
	attrs := map[string]string{}
	for _, stmt := range as.AttributeStatements {
		for _, a := range stmt.Attributes {
			if len(a.Values) > 0 {
				attrs[a.Name] = a.Values[0].Value
				if a.FriendlyName != "" {
					attrs[a.FriendlyName] = a.Values[0].Value
				}
			}
		}
	}
	first := func(names ...string) string {
		for _, n := range names {
			if v := strings.TrimSpace(attrs[n]); v != "" {
				return v
			}
		}
		return ""
	}
	email := first("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress", "urn:oid:0.9.2342.19200300.100.1.3", "email", "mail")
	if email == "" && as.Subject != nil && as.Subject.NameID != nil && strings.Contains(as.Subject.NameID.Value, "@") {
		email = as.Subject.NameID.Value
	}
	name := first("http://schemas.microsoft.com/identity/claims/displayname", "urn:oid:2.5.4.3", "cn", "displayName")
	if name == "" {
		name = strings.TrimSpace(first("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname", "urn:oid:2.5.4.42", "givenName") + " " +
			first("http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname", "urn:oid:2.5.4.4", "sn"))
	}
	// The subject: Entra ID's object id, else a NameID that is not
	// transient (a transient one changes at every sign-in), else the uid
	// or principal name attribute.
	subject := ""
	if as.Subject != nil && as.Subject.NameID != nil && as.Subject.NameID.Format != string(saml.TransientNameIDFormat) {
		subject = as.Subject.NameID.Value
	}
	if subject == "" {
		subject = first("urn:oid:0.9.2342.19200300.100.1.1", "uid", "urn:oid:1.3.6.1.4.1.5923.1.1.1.6", "eduPersonPrincipalName")
	}
	if oid := first("http://schemas.microsoft.com/identity/claims/objectidentifier"); oid != "" {
		subject = oid // Entra ID's stable user id
	}
	if subject == "" {
		return nil, refuse("no_subject", nil)
	}
	classRef := ""
	for _, st := range as.AuthnStatements {
		if st.AuthnContext.AuthnContextClassRef != nil {
			classRef = st.AuthnContext.AuthnContextClassRef.Value
		}
	}
	mfa := classRef != "" && (slices.Contains(mfaClassRefs, classRef) || slices.Contains(p.MFAACRValues, classRef))
	in := identityIn{OrgID: orgID, Issuer: p.Issuer, Subject: subject, Email: email, Name: name,
		Department: first(p.DepartmentClaim), EmployeeNo: first(p.EmployeeNoClaim), MFA: mfa, Method: "saml",
		Details: map[string]any{"authn_context_class_ref": classRef}}
	if link.LinkUserID != nil {
		in.LinkUserID = *link.LinkUserID
	}
	return s.signIn(ctx, in, lang, ip, func(reason string) error { return refuse(reason, nil) })
}

// replayCache records used assertion ids in PostgreSQL, so every instance
// refuses a replayed assertion.
type replayCache struct{ s *Service }

// Consume implements saml.AssertionReplayCache.
func (c replayCache) Consume(id string, expiresAt time.Time) error {
	db := c.s.db
	_ = db.Exec("DELETE FROM saml_assertions_used WHERE expires_at < now()").Error
	res := db.Exec("INSERT INTO saml_assertions_used (id, expires_at) VALUES (?, ?) ON CONFLICT DO NOTHING", id, expiresAt)
	if res.Error != nil {
		return res.Error
	}
	if res.RowsAffected == 0 {
		return saml.ErrAssertionReplayed
	}
	return nil
}

// parseIdPMetadata reads an identity provider's EntityDescriptor.
func parseIdPMetadata(b []byte) (*saml.EntityDescriptor, error) {
	var ed saml.EntityDescriptor
	if err := xml.Unmarshal(b, &ed); err != nil {
		return nil, err
	}
	return &ed, nil
}
