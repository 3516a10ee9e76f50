package sso

import (
	"context"
	"net/url"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"gorm.io/gorm"

	"takumi/internal/account"
	"takumi/internal/apperr"
	"takumi/internal/audit"
	"takumi/internal/database"
)

// Provider is an organisation's OpenID Connect identity provider.
// SECURITY: ClientSecret never leaves this package towards a page; views
// get ProviderView.
type Provider struct {
	OrgID           string
	Protocol        string
	Issuer          string
	ClientID        string
	ClientSecret    string
	SAMLMetadata    string             `gorm:"column:saml_metadata"`
	MFAACRValues    database.TextArray `gorm:"column:mfa_acr_values;type:text[]"`
	DepartmentClaim string
	EmployeeNoClaim string
	RequireSSO      bool `gorm:"column:require_sso"`
	Enabled         bool
	UpdatedAt       time.Time
}

// TableName maps Provider to its table.
func (Provider) TableName() string { return "identity_providers" }

// ProviderView is the provider as its admins see it: the secret only as
// "one is set".
type ProviderView struct {
	Protocol        string // oidc or saml
	Issuer          string
	ClientID        string
	HasSecret       bool
	MFAACRValues    string // space separated
	DepartmentClaim string
	EmployeeNoClaim string
	RequireSSO      bool
	UpdatedAt       time.Time
}

// ProviderInput is what an organisation admin submits.
type ProviderInput struct {
	Issuer          string
	ClientID        string
	ClientSecret    string // "" keeps the saved one
	MFAACRValues    string // space separated acr values that mean multi-factor
	DepartmentClaim string
	EmployeeNoClaim string
	RequireSSO      bool
}

// ProviderOf returns the organisation's provider for one of its admins,
// or nil when none is configured. Errors: not_found (not an admin).
func (s *Service) ProviderOf(ctx context.Context, actor Actor, orgID string) (*ProviderView, error) {
	if err := requireOrgAdmin(ctx, s.db, actor, orgID); err != nil {
		return nil, err
	}
	p, err := providerOf(ctx, s.db, orgID)
	if err != nil || p == nil {
		return nil, err
	}
	return &ProviderView{Protocol: p.Protocol, Issuer: p.Issuer, ClientID: p.ClientID, HasSecret: p.ClientSecret != "",
		MFAACRValues: strings.Join(p.MFAACRValues, " "), DepartmentClaim: p.DepartmentClaim,
		EmployeeNoClaim: p.EmployeeNoClaim, RequireSSO: p.RequireSSO, UpdatedAt: p.UpdatedAt}, nil
}

func providerOf(ctx context.Context, db *gorm.DB, orgID string) (*Provider, error) {
	var ps []Provider
	if err := db.WithContext(ctx).Where("org_id = ?", orgID).Limit(1).Find(&ps).Error; err != nil {
		return nil, internal(err)
	}
	if len(ps) == 0 {
		return nil, nil
	}
	return &ps[0], nil
}

// SaveProvider saves the organisation's OpenID Connect provider after
// fetching its discovery document (so a typo in the issuer is caught
// here, not at a person's sign-in). Errors: not_found (not an admin),
// invalid (fields issuer, client_id, client_secret, claims).
func (s *Service) SaveProvider(ctx context.Context, actor Actor, orgID string, in ProviderInput) error {
	if err := requireOrgAdmin(ctx, s.db, actor, orgID); err != nil {
		return err
	}
	in.Issuer = strings.TrimRight(strings.TrimSpace(in.Issuer), "/")
	in.ClientID = strings.TrimSpace(in.ClientID)
	in.ClientSecret = strings.TrimSpace(in.ClientSecret)
	errs := map[string]string{}
	u, err := url.Parse(in.Issuer)
	switch {
	case in.Issuer == "" || err != nil || u.Host == "":
		errs["issuer"] = "sso.err_issuer"
	case u.Scheme != "https" && !(s.settings.AllowHTTPIssuer && u.Scheme == "http"):
		errs["issuer"] = "sso.err_issuer_https"
	}
	if in.ClientID == "" || len(in.ClientID) > 255 {
		errs["client_id"] = "sso.err_client_id"
	}
	if len(in.ClientSecret) > 1024 {
		errs["client_secret"] = "sso.err_client_secret"
	}
	for _, c := range []string{in.DepartmentClaim, in.EmployeeNoClaim} {
		if len(c) > 100 || strings.ContainsAny(c, " \t\r\n") {
			errs["claims"] = "sso.err_claim"
		}
	}
	if len(errs) > 0 {
		return apperr.FieldErrors(errs)
	}
	if _, err := s.discover(ctx, in.Issuer); err != nil {
		return apperr.FieldErrors(map[string]string{"issuer": "sso.err_discovery"})
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		old, err := providerOf(ctx, tx, orgID)
		if err != nil {
			return err
		}
		secret := in.ClientSecret
		if secret == "" && old != nil && old.Issuer == in.Issuer && old.ClientID == in.ClientID {
			secret = old.ClientSecret
		}
		if err := tx.Exec(`INSERT INTO identity_providers (org_id, protocol, issuer, client_id, client_secret, mfa_acr_values,
				department_claim, employee_no_claim, require_sso, enabled, updated_at, updated_by)
			VALUES (?, 'oidc', ?, ?, ?, ?, ?, ?, ?, true, now(), ?)
			ON CONFLICT (org_id) DO UPDATE SET issuer = EXCLUDED.issuer, client_id = EXCLUDED.client_id,
				client_secret = EXCLUDED.client_secret, mfa_acr_values = EXCLUDED.mfa_acr_values,
				department_claim = EXCLUDED.department_claim, employee_no_claim = EXCLUDED.employee_no_claim,
				require_sso = EXCLUDED.require_sso, enabled = true, updated_at = now(), updated_by = EXCLUDED.updated_by`,
			orgID, in.Issuer, in.ClientID, secret, database.Array(strings.Fields(in.MFAACRValues)),
			strings.TrimSpace(in.DepartmentClaim), strings.TrimSpace(in.EmployeeNoClaim), in.RequireSSO, actor.UserID).Error; err != nil {
			return err
		}
		// SECURITY: the audit entry says whether the secret changed, never what it is.
		return audit.Record(ctx, tx, audit.Entry{ActorID: actor.UserID, Action: "sso.provider_saved", TargetType: "organisation",
			TargetID: orgID, OrgID: orgID, IP: actor.IP, Details: map[string]any{"issuer": in.Issuer, "client_id": in.ClientID,
				"secret_changed": in.ClientSecret != "", "require_sso": in.RequireSSO}})
	})
	return internal(err)
}

// discover returns the provider at issuer from its discovery document,
// cached for discoveryTTL. go-oidc checks that the document's issuer is
// the one asked for.
func (s *Service) discover(ctx context.Context, issuer string) (*oidc.Provider, error) {
	s.mu.Lock()
	c, ok := s.discovery[issuer]
	s.mu.Unlock()
	if ok && s.now().Sub(c.at) < discoveryTTL {
		return c.p, nil
	}
	p, err := oidc.NewProvider(oidc.ClientContext(ctx, s.settings.HTTPClient), issuer)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	s.discovery[issuer] = cachedProvider{p: p, at: s.now()}
	s.mu.Unlock()
	return p, nil
}

// PasswordPolicy is account's hook (account.Service.SetPasswordPolicy):
// a person whose address is at an approved domain of an organisation that
// requires single sign-on may not sign in with a password. Break-glass:
// an admin of that organisation (or a platform admin) still may, with
// two-factor sign-in set up (docs/sso.md), so a broken provider cannot lock
// the organisation out.
// Errors: forbidden with account.KeyLoginSSORequired.
func (s *Service) PasswordPolicy(ctx context.Context, u *account.User) error {
	orgID, err := approvedOrgOf(ctx, s.db, u.Email)
	if err != nil {
		return internal(err)
	}
	if orgID == "" {
		return nil
	}
	p, err := providerOf(ctx, s.db, orgID)
	if err != nil {
		return err
	}
	if p == nil || !p.Enabled || !p.RequireSSO {
		return nil
	}
	if u.TOTPEnabled() && u.IsPlatformAdmin {
		return nil // the platform's own administrators are never locked out
	}
	if u.TOTPEnabled() {
		var admin bool
		if err := s.db.WithContext(ctx).Raw("SELECT EXISTS (SELECT 1 FROM memberships WHERE user_id = ? AND org_id = ? AND role = 'admin')",
			u.ID, orgID).Row().Scan(&admin); err != nil {
			return internal(err)
		}
		if admin {
			return nil
		}
	}
	return apperr.New(apperr.Forbidden, account.KeyLoginSSORequired)
}
