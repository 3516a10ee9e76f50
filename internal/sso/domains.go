package sso

import (
	"context"
	"errors"
	"time"

	"gorm.io/gorm"

	"takumi/internal/apperr"
	"takumi/internal/audit"
	"takumi/internal/emailaddr"
	mailq "takumi/internal/mail"
	"takumi/internal/token"
)

// Domain is an email domain an organisation claims. SECURITY: it routes
// sign-in to the organisation's provider, and that provider may vouch for
// addresses at it, only once Approved.
type Domain struct {
	ID             string
	OrgID          string
	Domain         string
	ConfirmEmail   string
	ConfirmExpires time.Time
	ConfirmedAt    *time.Time
	ApprovedAt     *time.Time
	CreatedAt      time.Time
	// OrgNameJa and OrgNameEn are the claiming organisation's names (lists).
	OrgNameJa string `gorm:"->"`
	OrgNameEn string `gorm:"->"`
}

// TableName maps Domain to its table.
func (Domain) TableName() string { return "org_email_domains" }

// State is "approved", "confirmed" (waiting for a platform admin),
// "waiting" (the confirmation email is unanswered) or "expired".
func (d Domain) State(now time.Time) string {
	switch {
	case d.ApprovedAt != nil:
		return "approved"
	case d.ConfirmedAt != nil:
		return "confirmed"
	case now.After(d.ConfirmExpires):
		return "expired"
	}
	return "waiting"
}

// ConfirmFor is how long a domain's confirmation link stays good.
const ConfirmFor = 7 * 24 * time.Hour

// RequestDomain starts an organisation's claim of the domain of
// confirmEmail: a confirmation link goes to that address, whose mailbox
// shows the organisation controls the domain (docs/sso.md explains why an
// email rather than a DNS record). A second request for the same domain
// sends a new link. Errors: not_found (not an admin of orgID), invalid
// (field "email": sso.err_email).
func (s *Service) RequestDomain(ctx context.Context, actor Actor, orgID, confirmEmail, lang string) error {
	if err := requireOrgAdmin(ctx, s.db, actor, orgID); err != nil {
		return err
	}
	email := emailaddr.Normalize(confirmEmail)
	if !emailaddr.Valid(email) {
		return apperr.FieldErrors(map[string]string{"email": "sso.err_email"})
	}
	domain := domainOf(email)
	plain, hash := token.New()
	now := s.now()
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var d Domain
		err := tx.Raw(`INSERT INTO org_email_domains (org_id, domain, confirm_email, confirm_hash, confirm_expires, requested_by)
			VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (org_id, domain) DO UPDATE SET confirm_email = EXCLUDED.confirm_email,
				confirm_hash = CASE WHEN org_email_domains.confirmed_at IS NULL THEN EXCLUDED.confirm_hash END,
				confirm_expires = EXCLUDED.confirm_expires, requested_by = EXCLUDED.requested_by
			RETURNING *`, orgID, domain, email, hash, now.Add(ConfirmFor), actor.UserID).Scan(&d).Error
		if err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, audit.Entry{ActorID: actor.UserID, Action: "sso.domain_requested", TargetType: "org_email_domain",
			TargetID: d.ID, OrgID: orgID, IP: actor.IP, Details: map[string]any{"domain": domain, "confirm_email": email}}); err != nil {
			return err
		}
		if d.ConfirmedAt != nil || s.mail == nil {
			return nil
		}
		l := s.catalog.For(lang)
		return s.mail.EnqueueTx(ctx, tx, mailq.Message{To: email, Subject: l.T("sso.mail_domain_subject", domain),
			Body: l.T("sso.mail_domain_body", domain, s.settings.BaseURL+"/sso/domains/confirm?token="+plain)})
	})
	return internal(err)
}

// ConfirmDomain marks the domain whose link carries plain as confirmed by
// its mailbox; it then waits for a platform admin. Errors: not_found
// (unknown, used or expired link).
func (s *Service) ConfirmDomain(ctx context.Context, plain, ip string) (*Domain, error) {
	if !token.Plausible(plain) {
		return nil, apperr.New(apperr.NotFound, "sso.err_link")
	}
	var d Domain
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		err := tx.Raw(`UPDATE org_email_domains SET confirmed_at = now(), confirm_hash = NULL
			WHERE confirm_hash = ? AND confirm_expires > ? AND confirmed_at IS NULL RETURNING *`, token.Hash(plain), s.now()).Scan(&d).Error
		if err != nil {
			return err
		}
		if d.ID == "" {
			return apperr.New(apperr.NotFound, "sso.err_link")
		}
		return audit.Record(ctx, tx, audit.Entry{Action: "sso.domain_confirmed", TargetType: "org_email_domain",
			TargetID: d.ID, OrgID: d.OrgID, IP: ip, Details: map[string]any{"domain": d.Domain, "confirm_email": d.ConfirmEmail}})
	})
	if err != nil {
		return nil, internal(err)
	}
	return &d, nil
}

// ApproveDomain is a platform admin's approval of a confirmed domain: from
// then on it routes sign-in to its organisation. Errors: forbidden (not a
// platform admin), not_found, conflict (sso.err_not_confirmed; or
// sso.err_domain_taken when another organisation has it approved).
func (s *Service) ApproveDomain(ctx context.Context, actor Actor, domainID string) error {
	if !isUUID(domainID) {
		return apperr.New(apperr.NotFound, "error.not_found")
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var admin bool
		if err := tx.Raw("SELECT EXISTS (SELECT 1 FROM users WHERE id = ? AND is_platform_admin AND disabled_at IS NULL)", actor.UserID).
			Row().Scan(&admin); err != nil {
			return err
		}
		if !admin {
			return apperr.New(apperr.Forbidden, "error.forbidden")
		}
		var d Domain
		if err := tx.Raw("SELECT * FROM org_email_domains WHERE id = ? FOR UPDATE", domainID).Scan(&d).Error; err != nil {
			return err
		}
		switch {
		case d.ID == "":
			return apperr.New(apperr.NotFound, "error.not_found")
		case d.ConfirmedAt == nil:
			return apperr.New(apperr.Conflict, "sso.err_not_confirmed")
		case d.ApprovedAt != nil:
			return nil
		}
		var taken bool
		if err := tx.Raw("SELECT EXISTS (SELECT 1 FROM org_email_domains WHERE domain = ? AND approved_at IS NOT NULL)", d.Domain).
			Row().Scan(&taken); err != nil {
			return err
		}
		if taken {
			return apperr.New(apperr.Conflict, "sso.err_domain_taken")
		}
		if err := tx.Exec("UPDATE org_email_domains SET approved_at = now(), approved_by = ? WHERE id = ?", actor.UserID, d.ID).Error; err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: actor.UserID, Action: "sso.domain_approved", TargetType: "org_email_domain",
			TargetID: d.ID, OrgID: d.OrgID, IP: actor.IP, Details: map[string]any{"domain": d.Domain}})
	})
	return internal(err)
}

// Domains returns the organisation's claimed domains for one of its
// admins. Errors: not_found.
func (s *Service) Domains(ctx context.Context, actor Actor, orgID string) ([]Domain, error) {
	if err := requireOrgAdmin(ctx, s.db, actor, orgID); err != nil {
		return nil, err
	}
	var out []Domain
	err := s.db.WithContext(ctx).Raw("SELECT * FROM org_email_domains WHERE org_id = ? ORDER BY domain", orgID).Scan(&out).Error
	return out, internal(err)
}

// DomainsToApprove returns every confirmed domain not yet approved, oldest
// first, for the platform admins' page.
func (s *Service) DomainsToApprove(ctx context.Context) ([]Domain, error) {
	var out []Domain
	err := s.db.WithContext(ctx).Raw(`SELECT d.*, o.name_ja AS org_name_ja, o.name_en AS org_name_en
		FROM org_email_domains d JOIN organisations o ON o.id = d.org_id
		WHERE d.confirmed_at IS NOT NULL AND d.approved_at IS NULL ORDER BY d.confirmed_at`).Scan(&out).Error
	return out, internal(err)
}

// approvedOrgOf returns the organisation whose approved domain is the
// domain of email, or "" for none.
func approvedOrgOf(ctx context.Context, db *gorm.DB, email string) (string, error) {
	var orgID string
	err := db.WithContext(ctx).Raw("SELECT org_id FROM org_email_domains WHERE domain = ? AND approved_at IS NOT NULL",
		domainOf(emailaddr.Normalize(email))).Scan(&orgID).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return "", nil
	}
	return orgID, err
}
