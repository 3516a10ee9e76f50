package org

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"gorm.io/gorm"

	"takumi/internal/apperr"
	"takumi/internal/audit"
	"takumi/internal/emailaddr"
	"takumi/internal/jst"
	mailq "takumi/internal/mail"
	"takumi/internal/token"
)

// InvitationTTL is how long an invitation link stays valid.
const InvitationTTL = 7 * 24 * time.Hour

// Invitation is an invitation by email to join an organisation with a role.
type Invitation struct {
	ID          string
	OrgID       string
	Email       string
	Role        string
	Analyst     bool
	InvitedBy   *string
	InviterName string `gorm:"->"` // read from a join, never written
	ExpiresAt   time.Time
	AcceptedAt  *time.Time
	RevokedAt   *time.Time
	CreatedAt   time.Time
}

// Expired reports whether the invitation's link has run out at now.
func (i Invitation) Expired(now time.Time) bool { return !now.Before(i.ExpiresAt) }

// Invitation states, as the invitation page tells them.
const (
	InvitationOpen     = "open"
	InvitationExpired  = "expired"
	InvitationRevoked  = "revoked"
	InvitationAccepted = "accepted"
)

// State returns the invitation's state at now.
func (i Invitation) State(now time.Time) string {
	switch {
	case i.AcceptedAt != nil:
		return InvitationAccepted
	case i.RevokedAt != nil:
		return InvitationRevoked
	case i.Expired(now):
		return InvitationExpired
	}
	return InvitationOpen
}

// NewInvitation is what an admin types to invite someone.
type NewInvitation struct {
	Email   string
	Role    string
	Analyst bool // ministry organisations only, platform admins only
}

// InvitationView is an invitation as its link shows it.
type InvitationView struct {
	Invitation
	Org   Organisation
	State string
}

// Invite invites a person by email into orgID and queues the email with the
// link in the same transaction. An open invitation to the same address is a
// form error; an expired one is replaced (a fresh link is sent). Errors:
// invalid (fields email, role, analyst), not_found (organisation not the
// actor's), forbidden (analyst by someone other than a platform admin).
func (s *Service) Invite(ctx context.Context, actor Actor, orgID string, in NewInvitation) (*Invitation, error) {
	email := emailaddr.Normalize(in.Email)
	fields := map[string]string{}
	if !emailaddr.Valid(email) {
		fields["email"] = "org.err_email"
	}
	if !slices.Contains(Roles, in.Role) {
		fields["role"] = "org.err_role"
	}
	var inv Invitation
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		o, err := requireOrgManager(ctx, tx, actor.UserID, orgID)
		if err != nil {
			return err
		}
		if in.Analyst {
			if o.Kind != KindMinistry {
				fields["analyst"] = "org.err_analyst_ministry_only"
			} else if ok, err := isPlatformAdmin(ctx, tx, actor.UserID); err != nil {
				return err
			} else if !ok {
				return apperr.New(apperr.Forbidden, "error.forbidden")
			}
		}
		if len(fields) > 0 {
			return apperr.FieldErrors(fields)
		}
		db := tx.WithContext(ctx)
		var member bool
		if err := db.Raw(`SELECT EXISTS (SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id
			WHERE m.org_id = ? AND u.email = ?)`, orgID, email).Row().Scan(&member); err != nil {
			return apperr.Wrap(apperr.Internal, "error.internal", err)
		}
		if member {
			return apperr.FieldErrors(map[string]string{"email": "org.err_already_member"})
		}
		var open []Invitation
		if err := db.Raw(`SELECT * FROM invitations WHERE org_id = ? AND email = ?
			AND accepted_at IS NULL AND revoked_at IS NULL FOR UPDATE`, orgID, email).Scan(&open).Error; err != nil {
			return apperr.Wrap(apperr.Internal, "error.internal", err)
		}
		if len(open) > 0 && !open[0].Expired(s.now()) {
			return apperr.FieldErrors(map[string]string{"email": "org.err_already_invited"})
		}
		if len(open) > 0 {
			// An expired open invitation holds the one-open-per-address
			// slot: close it, and the new one takes its place.
			if err := db.Exec("UPDATE invitations SET revoked_at = ? WHERE id = ?", s.now(), open[0].ID).Error; err != nil {
				return apperr.Wrap(apperr.Internal, "error.internal", err)
			}
		}
		plain, hash := token.New()
		inv = Invitation{OrgID: orgID, Email: email, Role: in.Role, Analyst: in.Analyst,
			InvitedBy: optional(actor.UserID), ExpiresAt: s.now().Add(InvitationTTL)}
		err = db.Raw(`INSERT INTO invitations (org_id, email, role, analyst, token_hash, invited_by, expires_at)
			VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id, created_at`,
			orgID, email, in.Role, in.Analyst, hash, inv.InvitedBy, inv.ExpiresAt).Row().Scan(&inv.ID, &inv.CreatedAt)
		if err != nil {
			if isUniqueViolation(err, "invitations_open_key") {
				return apperr.FieldErrors(map[string]string{"email": "org.err_already_invited"})
			}
			return apperr.Wrap(apperr.Internal, "error.internal", err)
		}
		if err := s.sendInvitation(ctx, tx, o, &inv, actor.UserID, plain); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{
			ActorID: actor.UserID, Action: "org.invitation_sent", TargetType: "invitation", TargetID: inv.ID,
			OrgID: orgID, IP: actor.IP, Details: map[string]any{"email": email, "role": in.Role, "analyst": in.Analyst},
		})
	})
	if err != nil {
		return nil, err
	}
	return &inv, nil
}

// Resend gives an open invitation a new link and a new expiry and emails
// it again; the old link stops working. Errors: not_found, conflict
// "org.err_invitation_closed" (accepted or revoked).
func (s *Service) Resend(ctx context.Context, actor Actor, orgID, invitationID string) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		o, err := requireOrgManager(ctx, tx, actor.UserID, orgID)
		if err != nil {
			return err
		}
		inv, err := lockInvitation(ctx, tx, orgID, invitationID)
		if err != nil {
			return err
		}
		if inv.AcceptedAt != nil || inv.RevokedAt != nil {
			return apperr.New(apperr.Conflict, "org.err_invitation_closed")
		}
		plain, hash := token.New()
		inv.ExpiresAt = s.now().Add(InvitationTTL)
		if err := tx.WithContext(ctx).Exec("UPDATE invitations SET token_hash = ?, expires_at = ? WHERE id = ?",
			hash, inv.ExpiresAt, inv.ID).Error; err != nil {
			return apperr.Wrap(apperr.Internal, "error.internal", err)
		}
		if err := s.sendInvitation(ctx, tx, o, inv, actor.UserID, plain); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{
			ActorID: actor.UserID, Action: "org.invitation_resent", TargetType: "invitation", TargetID: inv.ID,
			OrgID: orgID, IP: actor.IP, Details: map[string]any{"email": inv.Email},
		})
	})
}

// Revoke cancels an open invitation: its link stops working. Errors:
// not_found, conflict "org.err_invitation_closed".
func (s *Service) Revoke(ctx context.Context, actor Actor, orgID, invitationID string) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if _, err := requireOrgManager(ctx, tx, actor.UserID, orgID); err != nil {
			return err
		}
		inv, err := lockInvitation(ctx, tx, orgID, invitationID)
		if err != nil {
			return err
		}
		if inv.AcceptedAt != nil || inv.RevokedAt != nil {
			return apperr.New(apperr.Conflict, "org.err_invitation_closed")
		}
		if err := tx.WithContext(ctx).Exec("UPDATE invitations SET revoked_at = ? WHERE id = ?", s.now(), inv.ID).Error; err != nil {
			return apperr.Wrap(apperr.Internal, "error.internal", err)
		}
		return audit.Record(ctx, tx, audit.Entry{
			ActorID: actor.UserID, Action: "org.invitation_revoked", TargetType: "invitation", TargetID: inv.ID,
			OrgID: orgID, IP: actor.IP, Details: map[string]any{"email": inv.Email},
		})
	})
}

// InvitationByToken returns the invitation a link's token names, with its
// organisation, inviter and state. Errors: not_found (unknown token).
func (s *Service) InvitationByToken(ctx context.Context, token string) (*InvitationView, error) {
	inv, err := invitationByToken(ctx, s.db, token, false)
	if err != nil {
		return nil, err
	}
	o, err := orgByID(ctx, s.db, inv.OrgID)
	if err != nil {
		return nil, err
	}
	return &InvitationView{Invitation: *inv, Org: *o, State: inv.State(s.now())}, nil
}

// Accept makes the signed-in person (userID, whose account email must be
// the invited address) a member of the organisation with the invited role;
// an existing member gets the invited role. Errors: not_found (unknown
// token), conflict "org.invitation_expired", "org.invitation_revoked",
// "org.invitation_accepted", forbidden "org.invitation_wrong_account".
func (s *Service) Accept(ctx context.Context, actor Actor, token string) (*InvitationView, error) {
	var view InvitationView
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		inv, err := invitationByToken(ctx, tx, token, true)
		if err != nil {
			return err
		}
		switch inv.State(s.now()) {
		case InvitationAccepted:
			return apperr.New(apperr.Conflict, "org.invitation_accepted")
		case InvitationRevoked:
			return apperr.New(apperr.Conflict, "org.invitation_revoked")
		case InvitationExpired:
			return apperr.New(apperr.Conflict, "org.invitation_expired")
		}
		db := tx.WithContext(ctx)
		var email string
		if err := db.Raw("SELECT email FROM users WHERE id = ? AND disabled_at IS NULL", actor.UserID).Row().Scan(&email); err != nil {
			return apperr.New(apperr.Forbidden, "org.invitation_wrong_account")
		}
		// SECURITY: only the invited address may accept; the link alone
		// does not make anyone a member.
		if emailaddr.Normalize(email) != inv.Email {
			return apperr.New(apperr.Forbidden, "org.invitation_wrong_account")
		}
		o, err := orgByID(ctx, tx, inv.OrgID)
		if err != nil {
			return err
		}
		analyst := inv.Analyst && o.Kind == KindMinistry
		if err := db.Exec(`INSERT INTO memberships (org_id, user_id, role, analyst) VALUES (?, ?, ?, ?)
			ON CONFLICT (org_id, user_id) DO UPDATE SET role = EXCLUDED.role,
				analyst = memberships.analyst OR EXCLUDED.analyst`, inv.OrgID, actor.UserID, inv.Role, analyst).Error; err != nil {
			return apperr.Wrap(apperr.Internal, "error.internal", err)
		}
		now := s.now()
		if err := db.Exec("UPDATE invitations SET accepted_at = ? WHERE id = ?", now, inv.ID).Error; err != nil {
			return apperr.Wrap(apperr.Internal, "error.internal", err)
		}
		// The invitation page says what the organisation will see; accepting
		// is the person's consent (withdrawable from their account page).
		if err := grantOnAccept(ctx, tx, inv.OrgID, actor.UserID, now); err != nil {
			return apperr.Wrap(apperr.Internal, "error.internal", err)
		}
		for _, h := range s.acceptHooks {
			if err := h(ctx, tx, inv.OrgID, actor.UserID, inv.Email); err != nil {
				return apperr.Wrap(apperr.Internal, "error.internal", err)
			}
		}
		inv.AcceptedAt = &now
		view = InvitationView{Invitation: *inv, Org: *o, State: InvitationAccepted}
		return audit.Record(ctx, tx, audit.Entry{
			ActorID: actor.UserID, Action: "org.invitation_accepted", TargetType: "invitation", TargetID: inv.ID,
			OrgID: inv.OrgID, IP: actor.IP, Details: map[string]any{"role": inv.Role, "analyst": analyst},
		})
	})
	if err != nil {
		return nil, err
	}
	return &view, nil
}

// sendInvitation queues the invitation email inside tx. The message is in
// the invitee's language when they already have an account; otherwise in
// Japanese with the English text below.
func (s *Service) sendInvitation(ctx context.Context, tx *gorm.DB, o *Organisation, inv *Invitation, inviterID, plain string) error {
	db := tx.WithContext(ctx)
	var langs []string
	if err := db.Raw("SELECT language FROM users WHERE email = ?", inv.Email).Scan(&langs).Error; err != nil {
		return apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	var inviter string
	db.Raw("SELECT display_name FROM users WHERE id = ?", inviterID).Row().Scan(&inviter)
	link := strings.TrimRight(s.baseURL, "/") + "/invitations/" + plain
	expires := jst.DateTime(inv.ExpiresAt)
	text := func(lang string) (subject, body string) {
		l := s.catalog.For(lang)
		name := l.Pick(o.NameJa, o.NameEn)
		role := l.T(RoleKey(inv.Role))
		return l.T("org.invite_mail_subject", name),
			l.T("org.invite_mail_body", inviter, name, role, link, expires)
	}
	var m mailq.Message
	m.To = inv.Email
	if len(langs) == 1 {
		m.Subject, m.Body = text(langs[0])
	} else {
		sj, bj := text("ja")
		se, be := text("en")
		m.Subject = sj + " / " + se
		m.Body = bj + "\n\n----------------------------------------\n\n" + be
	}
	return s.mail.EnqueueTx(ctx, tx, m)
}

// invitationByToken finds the invitation of a link's token. SECURITY: only
// the token's hash is stored (internal/token: SHA-256 of the token text,
// the scheme invitations have always used, so old links keep working).
func invitationByToken(ctx context.Context, db *gorm.DB, plain string, lock bool) (*Invitation, error) {
	if !token.Plausible(plain) {
		return nil, apperr.New(apperr.NotFound, "org.invitation_unknown")
	}
	hash := token.Hash(plain)
	q := `SELECT i.*, COALESCE(u.display_name, '') AS inviter_name
		FROM invitations i LEFT JOIN users u ON u.id = i.invited_by WHERE i.token_hash = ?`
	if lock {
		q += " FOR UPDATE OF i"
	}
	var rows []Invitation
	if err := db.WithContext(ctx).Raw(q, hash).Scan(&rows).Error; err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	if len(rows) == 0 {
		return nil, apperr.New(apperr.NotFound, "org.invitation_unknown")
	}
	return &rows[0], nil
}

func lockInvitation(ctx context.Context, tx *gorm.DB, orgID, id string) (*Invitation, error) {
	if !isUUID(id) {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	var inv Invitation
	err := tx.WithContext(ctx).Raw("SELECT * FROM invitations WHERE id = ? AND org_id = ? FOR UPDATE", id, orgID).Scan(&inv).Error
	if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	if inv.ID == "" {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	return &inv, nil
}
