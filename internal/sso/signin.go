package sso

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
	"gorm.io/gorm"

	"takumi/internal/account"
	"takumi/internal/apperr"
	"takumi/internal/audit"
	"takumi/internal/emailaddr"
	"takumi/internal/org"
	"takumi/internal/token"
)

// Message keys of a refused single sign-on.
const (
	KeyNoProvider = "sso.err_no_provider" // the address's domain has no organisation sign-in
	KeyFailed     = "sso.err_failed"      // the provider's answer was refused (the audit log says why)
	KeyLinkFirst  = "sso.err_link_first"  // a password account has the address: sign in with it first
	KeyDisabled   = "sso.err_disabled"    // the account is disabled
	// KeyDeprovisioned: the organisation turned the person off (SCIM).
	KeyDeprovisioned = "sso.err_deprovisioned"
)

// Start is a sign-in sent to a provider: web keeps it in the session and
// hands it back to Complete. SECURITY: State ties the answer to this
// browser, Nonce the ID token to this request, Verifier (PKCE S256) the
// code to this client; all three are single use (the session drops them).
type Start struct {
	OrgID    string
	Email    string
	State    string
	Nonce    string
	Verifier string
	// LinkUserID is the account signed in on this browser when the sign-in
	// began: an existing password account is linked only to itself.
	LinkUserID string
	URL        string // where to send the browser
	// SAML is true for a SAML provider: the answer comes to the
	// organisation's assertion consumer service, not the OIDC callback.
	SAML bool
}

// Begin starts "sign in with your organisation" for email: its domain must
// be an approved domain of an organisation with a provider. linkUserID is
// the person signed in on this browser ("" for none). Errors: invalid
// (field email: sso.err_email, KeyNoProvider), internal (the provider's
// discovery failed: sso.err_provider_down).
func (s *Service) Begin(ctx context.Context, email, linkUserID string) (*Start, error) {
	email = emailaddr.Normalize(email)
	if !emailaddr.Valid(email) {
		return nil, apperr.FieldErrors(map[string]string{"email": "sso.err_email"})
	}
	orgID, err := approvedOrgOf(ctx, s.db, email)
	if err != nil {
		return nil, internal(err)
	}
	var p *Provider
	if orgID != "" {
		if p, err = providerOf(ctx, s.db, orgID); err != nil {
			return nil, err
		}
	}
	if p == nil || !p.Enabled {
		return nil, apperr.FieldErrors(map[string]string{"email": KeyNoProvider})
	}
	if p.Protocol == "saml" {
		st := &Start{OrgID: orgID, Email: email, LinkUserID: linkUserID, SAML: true}
		if err := s.beginSAML(ctx, p, st); err != nil {
			return nil, internal(err)
		}
		return st, nil
	}
	op, err := s.discover(ctx, p.Issuer)
	if err != nil {
		return nil, apperr.Wrap(apperr.Unavailable, "sso.err_provider_down", err)
	}
	st := &Start{OrgID: orgID, Email: email, LinkUserID: linkUserID, Verifier: oauth2.GenerateVerifier()}
	st.State, _ = token.New()
	st.Nonce, _ = token.New()
	st.URL = s.oauthConfig(p, op).AuthCodeURL(st.State, oidc.Nonce(st.Nonce), oauth2.S256ChallengeOption(st.Verifier),
		oauth2.SetAuthURLParam("login_hint", email))
	return st, nil
}

func (s *Service) oauthConfig(p *Provider, op *oidc.Provider) *oauth2.Config {
	return &oauth2.Config{ClientID: p.ClientID, ClientSecret: p.ClientSecret, Endpoint: op.Endpoint(),
		RedirectURL: s.RedirectURL(), Scopes: []string{oidc.ScopeOpenID, "email", "profile"}}
}

// Result is a completed single sign-on.
type Result struct {
	User    *account.User
	OrgID   string
	Created bool // the account was made by this sign-in
	// MFA is true when the provider asserted multi-factor authentication
	// (amr "mfa", or an acr the organisation listed): Takumi does not ask
	// for its own second factor again.
	MFA bool
}

// claims is what Takumi reads from the ID token (and the userinfo
// endpoint when the token lacks the address).
type claims struct {
	Email         string          `json:"email"`
	EmailVerified json.RawMessage `json:"email_verified"`
	Name          string          `json:"name"`
	PreferredName string          `json:"preferred_username"`
	AMR           []string        `json:"amr"`
	ACR           string          `json:"acr"`
	Locale        string          `json:"locale"`
}

// Complete finishes a sign-in: the code is exchanged (with the PKCE
// verifier), the ID token verified (signature, issuer, audience, expiry,
// nonce), the address checked against the organisation's approved
// domains, and the account found, linked or created with its membership.
// lang is the page language, for a new account. Every refusal is audited
// (action sso.login_refused, with the reason) and returns unauthorized
// with KeyFailed, or forbidden with KeyLinkFirst or KeyDisabled.
func (s *Service) Complete(ctx context.Context, st Start, code, lang, ip string) (*Result, error) {
	refuse := func(reason string, err error) error {
		d := map[string]any{"reason": reason}
		if err != nil {
			d["error"] = err.Error()
		}
		_ = audit.RecordNow(ctx, s.db, audit.Entry{ActorID: "", Action: "sso.login_refused", TargetType: "organisation",
			TargetID: st.OrgID, OrgID: st.OrgID, IP: ip, Details: d})
		return apperr.Wrap(apperr.Unauthorized, KeyFailed, fmt.Errorf("%s: %w", reason, err))
	}
	p, err := providerOf(ctx, s.db, st.OrgID)
	if err != nil {
		return nil, err
	}
	if p == nil || !p.Enabled {
		return nil, refuse("no_provider", nil)
	}
	op, err := s.discover(ctx, p.Issuer)
	if err != nil {
		return nil, refuse("discovery", err)
	}
	hctx := oidc.ClientContext(ctx, s.settings.HTTPClient)
	tok, err := s.oauthConfig(p, op).Exchange(hctx, code, oauth2.VerifierOption(st.Verifier))
	if err != nil {
		return nil, refuse("code_exchange", err)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return nil, refuse("no_id_token", nil)
	}
	// SECURITY: go-oidc checks the signature against the provider's keys
	// (refusing alg none and algorithms the provider does not list), the
	// issuer, the audience (our client id) and the expiry.
	idt, err := op.Verifier(&oidc.Config{ClientID: p.ClientID}).Verify(hctx, raw)
	if err != nil {
		return nil, refuse("id_token", err)
	}
	if idt.Nonce != st.Nonce {
		return nil, refuse("nonce", nil)
	}
	var c claims
	if err := idt.Claims(&c); err != nil {
		return nil, refuse("claims", err)
	}
	all := map[string]any{}
	_ = idt.Claims(&all)
	if c.Email == "" || c.Name == "" || (p.DepartmentClaim != "" && all[p.DepartmentClaim] == nil) {
		// Many providers put the profile only in userinfo.
		if ui, err := op.UserInfo(hctx, oauth2.StaticTokenSource(tok)); err == nil {
			if ui.Subject != idt.Subject {
				return nil, refuse("userinfo_subject", nil)
			}
			var uc claims
			_ = ui.Claims(&uc)
			_ = ui.Claims(&all)
			if c.Email == "" {
				c.Email, c.EmailVerified = uc.Email, uc.EmailVerified
			}
			if c.Name == "" {
				c.Name = uc.Name
			}
		}
	}
	email := emailaddr.Normalize(c.Email)
	if !emailaddr.Valid(email) {
		return nil, refuse("no_email", nil)
	}
	// SECURITY: an organisation's provider vouches only for addresses at
	// that organisation's approved domains, and not for one it says is
	// unverified (Entra ID sends no email_verified: the approved domain is
	// the proof).
	if strings.TrimSpace(string(c.EmailVerified)) == "false" || strings.TrimSpace(string(c.EmailVerified)) == `"false"` {
		return nil, refuse("email_unverified", nil)
	}
	return s.signIn(ctx, identityIn{OrgID: st.OrgID, Issuer: p.Issuer, Subject: idt.Subject, Email: email, Name: c.Name,
		PreferredName: c.PreferredName, Department: claimString(all, p.DepartmentClaim), EmployeeNo: claimString(all, p.EmployeeNoClaim),
		MFA: slices.Contains(c.AMR, "mfa") || (c.ACR != "" && slices.Contains(p.MFAACRValues, c.ACR)), LinkUserID: st.LinkUserID,
		Method: "oidc", Details: map[string]any{"amr": c.AMR, "acr": c.ACR}}, lang, ip, func(reason string) error { return refuse(reason, nil) })
}

// identityIn is what a provider said about the person (either protocol).
type identityIn struct {
	OrgID, Issuer, Subject, Email, Name, PreferredName string
	Department, EmployeeNo                             string
	MFA                                                bool
	LinkUserID                                         string
	Method                                             string // oidc or saml, for the audit log
	Details                                            map[string]any
}

// signIn checks the address against the organisation's approved domains
// and finds, links or creates the account and its membership.
func (s *Service) signIn(ctx context.Context, in identityIn, lang, ip string, refuse func(reason string) error) (*Result, error) {
	email := emailaddr.Normalize(in.Email)
	if !emailaddr.Valid(email) {
		return nil, refuse("no_email")
	}
	if o, err := approvedOrgOf(ctx, s.db, email); err != nil || o != in.OrgID {
		return nil, refuse("email_domain")
	}
	res := &Result{OrgID: in.OrgID, MFA: in.MFA}
	name := strings.TrimSpace(in.Name)
	if name == "" {
		name = strings.TrimSpace(in.PreferredName)
	}
	if name == "" {
		name = email[:strings.LastIndex(email, "@")]
	}
	dept, empNo := in.Department, in.EmployeeNo
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var userID string
		if err := tx.Raw("SELECT user_id FROM sso_identities WHERE issuer = ? AND subject = ?", in.Issuer, in.Subject).
			Scan(&userID).Error; err != nil {
			return err
		}
		action := "sso.login"
		if userID == "" {
			existing, err := account.UserByEmailTx(ctx, tx, email)
			provisioned := false
			if err == nil {
				// An account this organisation provisioned (SCIM) is its
				// provider's person from the start.
				if err := tx.Raw("SELECT EXISTS (SELECT 1 FROM scim_users WHERE org_id = ? AND user_id = ?)", in.OrgID, existing.ID).
					Row().Scan(&provisioned); err != nil {
					return err
				}
			}
			switch {
			case err == nil && existing.ID != in.LinkUserID && !provisioned:
				// SECURITY: an account made with a password is joined to the
				// provider only by its owner, signed in with the password on
				// this browser when the sign-in began.
				return apperr.New(apperr.Forbidden, KeyLinkFirst)
			case err == nil:
				userID, action = existing.ID, "sso.account_linked"
			case apperr.Is(err, apperr.NotFound):
				u, err := account.CreateSSOUser(ctx, tx, email, name, lang)
				if err != nil {
					return err
				}
				userID, action, res.Created = u.ID, "sso.account_created", true
			default:
				return err
			}
			if err := tx.Exec(`INSERT INTO sso_identities (org_id, issuer, subject, user_id, department, employee_number)
				VALUES (?, ?, ?, ?, ?, ?)`, in.OrgID, in.Issuer, in.Subject, userID, dept, empNo).Error; err != nil {
				return err
			}
		} else if err := tx.Exec(`UPDATE sso_identities SET department = ?, employee_number = ?, last_login_at = now()
			WHERE issuer = ? AND subject = ?`, dept, empNo, in.Issuer, in.Subject).Error; err != nil {
			return err
		}
		u, err := account.UserByIDTx(ctx, tx, userID)
		if err != nil {
			return err
		}
		if u.Disabled() {
			return apperr.New(apperr.Forbidden, KeyDisabled)
		}
		// SECURITY: a person the organisation deprovisioned (SCIM active
		// false) does not get the membership back by signing in.
		var inactive bool
		if err := tx.Raw("SELECT EXISTS (SELECT 1 FROM scim_users WHERE org_id = ? AND user_id = ? AND NOT active)", in.OrgID, u.ID).
			Row().Scan(&inactive); err != nil {
			return err
		}
		if inactive {
			return apperr.New(apperr.Forbidden, KeyDeprovisioned)
		}
		res.User = u
		if err := org.EnsureMember(ctx, tx, in.OrgID, u.Email, org.RoleMember, false); err != nil {
			return err
		}
		if action != "sso.login" {
			if err := audit.Record(ctx, tx, audit.Entry{ActorID: u.ID, Action: action, TargetType: "user", TargetID: u.ID,
				OrgID: in.OrgID, IP: ip, Details: map[string]any{"issuer": in.Issuer, "subject": in.Subject}}); err != nil {
				return err
			}
		}
		d := map[string]any{"method": in.Method, "mfa_by_provider": in.MFA}
		for k, v := range in.Details {
			d[k] = v
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: u.ID, Action: "auth.login_succeeded", TargetType: "user", TargetID: u.ID,
			OrgID: in.OrgID, IP: ip, Details: d})
	})
	if err != nil {
		var e *apperr.Error
		if errors.As(err, &e) && (e.Key == KeyLinkFirst || e.Key == KeyDisabled || e.Key == KeyDeprovisioned) {
			_ = audit.RecordNow(ctx, s.db, audit.Entry{Action: "sso.login_refused", TargetType: "organisation", TargetID: in.OrgID,
				OrgID: in.OrgID, IP: ip, Details: map[string]any{"reason": e.Key, "email": email}})
			return nil, err
		}
		return nil, internal(err)
	}
	return res, nil
}

// claimString returns claim name of all as text ("" when unset or name
// is "").
func claimString(all map[string]any, name string) string {
	if name == "" {
		return ""
	}
	switch v := all[name].(type) {
	case string:
		return strings.TrimSpace(v)
	case float64:
		return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%f", v), "0"), ".")
	case nil:
		return ""
	default:
		return fmt.Sprint(v)
	}
}
