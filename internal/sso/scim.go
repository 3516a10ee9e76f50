package sso

import (
	"context"
	"strings"
	"time"

	"gorm.io/gorm"

	"takumi/internal/account"
	"takumi/internal/apperr"
	"takumi/internal/audit"
	"takumi/internal/emailaddr"
	"takumi/internal/org"
	"takumi/internal/token"
)

// SCIM 2.0 provisioning (RFC 7643/7644), the rules: an organisation's
// provisioning client (Entra ID, Okta, …) holds a bearer token its admins
// made; it creates people at the organisation's approved domains, and
// deactivating or deleting one ends their membership and every session at
// once. Their own learning record and credentials stay theirs. web/scim.go
// speaks the protocol.

// SCIMToken is a provisioning token as its organisation's admins see it.
type SCIMToken struct {
	ID         string
	CreatedAt  time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

// CreateSCIMToken makes a provisioning token for orgID and returns it:
// the only time it is shown (only its hash is kept). Errors: not_found.
func (s *Service) CreateSCIMToken(ctx context.Context, actor Actor, orgID string) (string, error) {
	if err := requireOrgAdmin(ctx, s.db, actor, orgID); err != nil {
		return "", err
	}
	plain, hash := token.New()
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var id string
		if err := tx.Raw("INSERT INTO scim_tokens (org_id, token_hash, created_by) VALUES (?, ?, ?) RETURNING id",
			orgID, hash, actor.UserID).Scan(&id).Error; err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: actor.UserID, Action: "sso.scim_token_created", TargetType: "scim_token",
			TargetID: id, OrgID: orgID, IP: actor.IP})
	})
	return plain, internal(err)
}

// RevokeSCIMToken revokes one of the organisation's tokens. Errors:
// not_found.
func (s *Service) RevokeSCIMToken(ctx context.Context, actor Actor, orgID, tokenID string) error {
	if err := requireOrgAdmin(ctx, s.db, actor, orgID); err != nil {
		return err
	}
	if !isUUID(tokenID) {
		return apperr.New(apperr.NotFound, "error.not_found")
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Exec("UPDATE scim_tokens SET revoked_at = now() WHERE id = ? AND org_id = ? AND revoked_at IS NULL", tokenID, orgID)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return apperr.New(apperr.NotFound, "error.not_found")
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: actor.UserID, Action: "sso.scim_token_revoked", TargetType: "scim_token",
			TargetID: tokenID, OrgID: orgID, IP: actor.IP})
	})
	return internal(err)
}

// SCIMTokens lists the organisation's tokens, newest first. Errors:
// not_found.
func (s *Service) SCIMTokens(ctx context.Context, actor Actor, orgID string) ([]SCIMToken, error) {
	if err := requireOrgAdmin(ctx, s.db, actor, orgID); err != nil {
		return nil, err
	}
	var out []SCIMToken
	err := s.db.WithContext(ctx).Raw("SELECT id, created_at, last_used_at, revoked_at FROM scim_tokens WHERE org_id = ? ORDER BY created_at DESC",
		orgID).Scan(&out).Error
	return out, internal(err)
}

// SCIMOrg returns the organisation a bearer token provisions. SECURITY:
// the token decides the organisation; nothing in the request can name
// another. Errors: unauthorized.
func (s *Service) SCIMOrg(ctx context.Context, bearer string) (string, error) {
	if !token.Plausible(bearer) {
		return "", apperr.New(apperr.Unauthorized, "error.unauthorized")
	}
	// A read, and a write only when the recorded last use is over a minute
	// old: provisioning clients send thousands of requests in bursts, and
	// a committed UPDATE on every one of them was an extra transaction
	// (and WAL flush) per request. "Last used" is right to the minute.
	var row struct {
		ID, OrgID string
		Stale     bool
	}
	err := s.db.WithContext(ctx).Raw(`SELECT id, org_id, (last_used_at IS NULL OR last_used_at < now() - interval '1 minute') AS stale
		FROM scim_tokens WHERE token_hash = ? AND revoked_at IS NULL`, token.Hash(bearer)).Scan(&row).Error
	if err != nil {
		return "", internal(err)
	}
	if row.OrgID == "" {
		return "", apperr.New(apperr.Unauthorized, "error.unauthorized")
	}
	if row.Stale {
		if err := s.db.WithContext(ctx).Exec(`UPDATE scim_tokens SET last_used_at = now() WHERE id = ?`, row.ID).Error; err != nil {
			return "", internal(err)
		}
	}
	return row.OrgID, nil
}

// SCIMUser is a provisioned person.
type SCIMUser struct {
	ID          string // the account's id
	UserName    string // their email address
	DisplayName string
	ExternalID  string
	Active      bool
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

const scimUserSelect = `SELECT u.id, u.email AS user_name, u.display_name, s.external_id, s.active, s.created_at, s.updated_at
	FROM scim_users s JOIN users u ON u.id = s.user_id`

// SCIMUserInput is a person as the provisioning client sends them.
type SCIMUserInput struct {
	UserName    string
	DisplayName string
	ExternalID  string
	Active      bool
}

// Keys of refused provisioning requests (SCIM detail messages).
const (
	KeySCIMUserName = "userName must be an email address at one of the organisation's approved domains"
	KeySCIMExists   = "a user with this userName is already provisioned"
)

// ProvisionUser creates (or takes over, when an account has the address)
// the person and, when active, their membership. Errors: invalid
// (KeySCIMUserName), conflict (KeySCIMExists).
func (s *Service) ProvisionUser(ctx context.Context, orgID string, in SCIMUserInput) (*SCIMUser, error) {
	email := emailaddr.Normalize(in.UserName)
	if !emailaddr.Valid(email) {
		return nil, apperr.New(apperr.Invalid, KeySCIMUserName)
	}
	if o, err := approvedOrgOf(ctx, s.db, email); err != nil || o != orgID {
		return nil, apperr.New(apperr.Invalid, KeySCIMUserName)
	}
	name := strings.TrimSpace(in.DisplayName)
	if name == "" {
		name = email[:strings.LastIndex(email, "@")]
	}
	var id string
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		u, err := account.UserByEmailTx(ctx, tx, email)
		if apperr.Is(err, apperr.NotFound) {
			u, err = account.CreateSSOUser(ctx, tx, email, name, "ja")
		}
		if err != nil {
			return err
		}
		res := tx.Exec(`INSERT INTO scim_users (org_id, user_id, external_id, active) VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING`,
			orgID, u.ID, in.ExternalID, in.Active)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return apperr.New(apperr.Conflict, KeySCIMExists)
		}
		if in.Active {
			if err := org.EnsureMember(ctx, tx, orgID, email, org.RoleMember, false); err != nil {
				return err
			}
		}
		id = u.ID
		return audit.Record(ctx, tx, audit.Entry{Action: "sso.scim_user_created", TargetType: "user", TargetID: u.ID, OrgID: orgID,
			Details: map[string]any{"external_id": in.ExternalID, "active": in.Active}})
	})
	if err != nil {
		return nil, internal(err)
	}
	return s.SCIMUserByID(ctx, orgID, id)
}

// SCIMUserByID returns a person the organisation provisioned. Errors:
// not_found (also for another organisation's person).
func (s *Service) SCIMUserByID(ctx context.Context, orgID, id string) (*SCIMUser, error) {
	if !isUUID(id) {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	var out []SCIMUser
	if err := s.db.WithContext(ctx).Raw(scimUserSelect+" WHERE s.org_id = ? AND s.user_id = ?", orgID, id).Scan(&out).Error; err != nil {
		return nil, internal(err)
	}
	if len(out) == 0 {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	return &out[0], nil
}

// SCIMFilter narrows a list: Attr is "userName" or "externalId" ("" for
// none), compared for equality with Value.
type SCIMFilter struct{ Attr, Value string }

// ListSCIMUsers returns one page of the organisation's provisioned people
// (startIndex from 1) and how many match in all.
func (s *Service) ListSCIMUsers(ctx context.Context, orgID string, f SCIMFilter, startIndex, count int) ([]SCIMUser, int64, error) {
	where, args := " WHERE s.org_id = ?", []any{orgID}
	switch strings.ToLower(f.Attr) {
	case "":
	case "username":
		where += " AND u.email = ?"
		args = append(args, emailaddr.Normalize(f.Value))
	case "externalid":
		where += " AND s.external_id = ?"
		args = append(args, f.Value)
	default:
		return nil, 0, apperr.New(apperr.Invalid, "invalidFilter")
	}
	db := s.db.WithContext(ctx)
	var total int64
	if err := db.Raw("SELECT count(*) FROM scim_users s JOIN users u ON u.id = s.user_id"+where, args...).Scan(&total).Error; err != nil {
		return nil, 0, internal(err)
	}
	var out []SCIMUser
	err := db.Raw(scimUserSelect+where+" ORDER BY s.created_at, s.user_id OFFSET ? LIMIT ?", append(args, startIndex-1, count)...).Scan(&out).Error
	return out, total, internal(err)
}

// UpdateSCIMUser changes what the client manages: externalId (when not
// nil) and active. Deactivation ends the person's membership and every
// session at once; activation gives the membership back. Errors:
// not_found.
func (s *Service) UpdateSCIMUser(ctx context.Context, orgID, id string, externalID *string, active *bool) (*SCIMUser, error) {
	cur, err := s.SCIMUserByID(ctx, orgID, id)
	if err != nil {
		return nil, err
	}
	err = s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if externalID != nil {
			if err := tx.Exec("UPDATE scim_users SET external_id = ?, updated_at = now() WHERE org_id = ? AND user_id = ?",
				*externalID, orgID, id).Error; err != nil {
				return err
			}
		}
		if active == nil || *active == cur.Active {
			return nil
		}
		if err := tx.Exec("UPDATE scim_users SET active = ?, updated_at = now() WHERE org_id = ? AND user_id = ?", *active, orgID, id).Error; err != nil {
			return err
		}
		if *active {
			if err := org.EnsureMember(ctx, tx, orgID, cur.UserName, org.RoleMember, false); err != nil {
				return err
			}
			return audit.Record(ctx, tx, audit.Entry{Action: "sso.scim_user_activated", TargetType: "user", TargetID: id, OrgID: orgID})
		}
		return s.deprovision(ctx, tx, orgID, id, "sso.scim_user_deactivated")
	})
	if err != nil {
		return nil, internal(err)
	}
	return s.SCIMUserByID(ctx, orgID, id)
}

// DeleteSCIMUser deprovisions the person and forgets the client's record
// of them (their account and learning record stay). Errors: not_found.
func (s *Service) DeleteSCIMUser(ctx context.Context, orgID, id string) error {
	if _, err := s.SCIMUserByID(ctx, orgID, id); err != nil {
		return err
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec("DELETE FROM scim_users WHERE org_id = ? AND user_id = ?", orgID, id).Error; err != nil {
			return err
		}
		return s.deprovision(ctx, tx, orgID, id, "sso.scim_user_deleted")
	})
	return internal(err)
}

// deprovision ends the membership and every session, and audits action.
func (s *Service) deprovision(ctx context.Context, tx *gorm.DB, orgID, userID, action string) error {
	if _, err := org.EndMembership(ctx, tx, orgID, userID); err != nil {
		return err
	}
	if err := account.EndSessions(ctx, tx, userID); err != nil {
		return err
	}
	return audit.Record(ctx, tx, audit.Entry{Action: action, TargetType: "user", TargetID: userID, OrgID: orgID})
}

// UserIDByExternalID returns the person orgID's provisioning client gave
// this externalId (an employee number, an HR id), inside tx; the
// integration API enrols by it (issue 19). Only active provisioned people
// count. Errors: not_found "api.err_external_id_unknown", conflict
// "api.err_external_id_ambiguous" (SCIM does not make externalId unique:
// two people with the same one are refused rather than guessed between).
func UserIDByExternalID(ctx context.Context, tx *gorm.DB, orgID, externalID string) (string, error) {
	if externalID == "" || !isUUID(orgID) {
		return "", apperr.New(apperr.NotFound, "api.err_external_id_unknown")
	}
	var ids []string
	if err := tx.WithContext(ctx).Raw(`SELECT user_id::text FROM scim_users WHERE org_id = ? AND external_id = ? AND active LIMIT 2`,
		orgID, externalID).Scan(&ids).Error; err != nil {
		return "", internal(err)
	}
	switch len(ids) {
	case 0:
		return "", apperr.New(apperr.NotFound, "api.err_external_id_unknown")
	case 1:
		return ids[0], nil
	}
	return "", apperr.New(apperr.Conflict, "api.err_external_id_ambiguous")
}
