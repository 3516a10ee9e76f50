package org

import (
	"context"
	"slices"
	"time"

	"gorm.io/gorm"

	"takumi/internal/apperr"
	"takumi/internal/audit"
)

// Member is one person in an organisation, as its admins see them.
type Member struct {
	UserID      string
	DisplayName string
	Email       string
	Role        string
	Analyst     bool
	JoinedAt    time.Time
}

// MemberPageSize is how many members one page of an organisation's
// member list shows.
const MemberPageSize = 50

// MemberPage picks the members ViewRoster returns: the MemberPageSize
// after the member After (a user id; empty for the first page), in order
// of name, address and id, or only the member UserID.
type MemberPage struct {
	After  string
	UserID string
}

// Roster is an organisation with one page of its members and its open
// invitations.
type Roster struct {
	Org         Organisation
	Members     []Member     // one page (MemberPage)
	MemberCount int          // all members
	After       string       // the page's After (empty on the first page)
	NextAfter   string       // After of the next page; empty on the last one
	Invitations []Invitation // open (not accepted, not revoked), newest first
}

// ViewRoster returns one page of orgID's members and its open invitations
// to an admin of that organisation or a platform admin, and records the
// view in the audit log ("org.members_viewed"): every view of named people
// is audited. A page reads its own rows (keyset on users' name order,
// migration 00052), whatever the organisation's size.
// Errors: not_found (no such organisation, or not the actor's).
func (s *Service) ViewRoster(ctx context.Context, actor Actor, orgID string, page MemberPage) (*Roster, error) {
	r := Roster{After: page.After}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		o, err := requireOrgManager(ctx, tx, actor.UserID, orgID)
		if err != nil {
			return err
		}
		r.Org = *o
		// The count kept with every change of memberships (migration
		// 00052), not counted per view.
		if err := tx.Raw(`SELECT COALESCE((SELECT members FROM org_member_counts WHERE org_id = ?), 0)`, orgID).Scan(&r.MemberCount).Error; err != nil {
			return apperr.Wrap(apperr.Internal, "error.internal", err)
		}
		q := `SELECT m.user_id, u.display_name, u.email, m.role, m.analyst, m.created_at AS joined_at
			FROM memberships m JOIN users u ON u.id = m.user_id
			WHERE m.org_id = @org`
		args := map[string]any{"org": orgID, "after": page.After, "user": page.UserID, "limit": MemberPageSize + 1}
		switch {
		case page.UserID != "":
			q += ` AND m.user_id = CAST(@user AS uuid)`
		case page.After != "":
			// A member removed since leaves the tuple of their name: the
			// next page still starts after it.
			q += ` AND (u.display_name, u.email, u.id) > (SELECT a.display_name, a.email, a.id FROM users a WHERE a.id = CAST(@after AS uuid))`
		}
		q += ` ORDER BY u.display_name, u.email, u.id LIMIT @limit`
		// An address that names no one gives an empty page.
		if (page.After == "" || isUUID(page.After)) && (page.UserID == "" || isUUID(page.UserID)) {
			if err := tx.WithContext(ctx).Raw(q, args).Scan(&r.Members).Error; err != nil {
				return apperr.Wrap(apperr.Internal, "error.internal", err)
			}
		}
		if len(r.Members) > MemberPageSize {
			r.Members = r.Members[:MemberPageSize]
			r.NextAfter = r.Members[MemberPageSize-1].UserID
		}
		if err := tx.WithContext(ctx).Raw(`
			SELECT i.*, COALESCE(u.display_name, '') AS inviter_name
			FROM invitations i LEFT JOIN users u ON u.id = i.invited_by
			WHERE i.org_id = ? AND i.accepted_at IS NULL AND i.revoked_at IS NULL
			ORDER BY i.created_at DESC`, orgID).Scan(&r.Invitations).Error; err != nil {
			return apperr.Wrap(apperr.Internal, "error.internal", err)
		}
		return audit.Record(ctx, tx, audit.Entry{
			ActorID: actor.UserID, Action: "org.members_viewed", TargetType: "organisation", TargetID: orgID,
			OrgID: orgID, IP: actor.IP, Details: map[string]any{"members": len(r.Members), "after": page.After},
		})
	})
	if err != nil {
		return nil, err
	}
	return &r, nil
}

// ChangeRole gives a member a new role. An organisation's last admin cannot
// be demoted (they would lock everyone out of it). Errors: invalid (field
// role), not_found (no such member or organisation, or not the actor's),
// conflict "org.err_last_admin".
func (s *Service) ChangeRole(ctx context.Context, actor Actor, orgID, userID, role string) error {
	if !slices.Contains(Roles, role) {
		return apperr.FieldErrors(map[string]string{"role": "org.err_role"})
	}
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if _, err := requireOrgManager(ctx, tx, actor.UserID, orgID); err != nil {
			return err
		}
		m, err := lockMember(ctx, tx, orgID, userID)
		if err != nil {
			return err
		}
		if m.Role == role {
			return nil
		}
		if m.Role == RoleAdmin {
			if err := refuseLastAdmin(ctx, tx, orgID); err != nil {
				return err
			}
		}
		if err := tx.WithContext(ctx).Exec("UPDATE memberships SET role = ? WHERE org_id = ? AND user_id = ?", role, orgID, userID).Error; err != nil {
			return apperr.Wrap(apperr.Internal, "error.internal", err)
		}
		return audit.Record(ctx, tx, audit.Entry{
			ActorID: actor.UserID, Action: "org.role_changed", TargetType: "user", TargetID: userID,
			OrgID: orgID, IP: actor.IP, Details: map[string]any{"from": m.Role, "to": role},
		})
	})
}

// RemoveMember takes a person out of an organisation. The last admin cannot
// be removed. Errors: not_found, conflict "org.err_last_admin".
func (s *Service) RemoveMember(ctx context.Context, actor Actor, orgID, userID string) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if _, err := requireOrgManager(ctx, tx, actor.UserID, orgID); err != nil {
			return err
		}
		m, err := lockMember(ctx, tx, orgID, userID)
		if err != nil {
			return err
		}
		if m.Role == RoleAdmin {
			if err := refuseLastAdmin(ctx, tx, orgID); err != nil {
				return err
			}
		}
		if err := tx.WithContext(ctx).Exec("DELETE FROM memberships WHERE org_id = ? AND user_id = ?", orgID, userID).Error; err != nil {
			return apperr.Wrap(apperr.Internal, "error.internal", err)
		}
		return audit.Record(ctx, tx, audit.Entry{
			ActorID: actor.UserID, Action: "org.member_removed", TargetType: "user", TargetID: userID,
			OrgID: orgID, IP: actor.IP, Details: map[string]any{"role": m.Role},
		})
	})
}

// SetAnalyst grants or revokes the ministry analyst flag of a member. Only
// platform admins may, and only in ministry organisations. Errors:
// forbidden, not_found, conflict "org.err_analyst_ministry_only".
func (s *Service) SetAnalyst(ctx context.Context, actor Actor, orgID, userID string, grant bool) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := requirePlatformAdmin(ctx, tx, actor.UserID); err != nil {
			return err
		}
		o, err := orgByID(ctx, tx, orgID)
		if err != nil {
			return err
		}
		if o.Kind != KindMinistry {
			return apperr.New(apperr.Conflict, "org.err_analyst_ministry_only")
		}
		m, err := lockMember(ctx, tx, orgID, userID)
		if err != nil {
			return err
		}
		if m.Analyst == grant {
			return nil
		}
		if err := tx.WithContext(ctx).Exec("UPDATE memberships SET analyst = ? WHERE org_id = ? AND user_id = ?", grant, orgID, userID).Error; err != nil {
			return apperr.Wrap(apperr.Internal, "error.internal", err)
		}
		action := "org.analyst_revoked"
		if grant {
			action = "org.analyst_granted"
		}
		return audit.Record(ctx, tx, audit.Entry{
			ActorID: actor.UserID, Action: action, TargetType: "user", TargetID: userID, OrgID: orgID, IP: actor.IP,
		})
	})
}

type memberRow struct {
	Role    string
	Analyst bool
}

// lockMember reads and locks one membership. Errors: not_found.
func lockMember(ctx context.Context, tx *gorm.DB, orgID, userID string) (*memberRow, error) {
	if !isUUID(userID) {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	var rows []memberRow
	if err := tx.WithContext(ctx).Raw(`SELECT role, analyst FROM memberships
		WHERE org_id = ? AND user_id = ? FOR UPDATE`, orgID, userID).Scan(&rows).Error; err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	if len(rows) == 0 {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	return &rows[0], nil
}

// refuseLastAdmin returns conflict when orgID has at most one admin. The
// organisation row is locked first so two admins demoting each other at the
// same moment cannot both succeed.
func refuseLastAdmin(ctx context.Context, tx *gorm.DB, orgID string) error {
	db := tx.WithContext(ctx)
	if err := db.Exec("SELECT 1 FROM organisations WHERE id = ? FOR UPDATE", orgID).Error; err != nil {
		return apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	var n int64
	if err := db.Raw("SELECT count(*) FROM memberships WHERE org_id = ? AND role = 'admin'", orgID).Row().Scan(&n); err != nil {
		return apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	if n <= 1 {
		return apperr.New(apperr.Conflict, "org.err_last_admin")
	}
	return nil
}

// RecountMembers counts every organisation's members again into
// org_member_counts, with memberships locked against writes meanwhile: a
// repair, never needed while the triggers of migration 00052 stand.
func (s *Service) RecountMembers(ctx context.Context) error {
	return apperr.Coded(s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`LOCK TABLE memberships IN SHARE MODE`).Error; err != nil {
			return err
		}
		if err := tx.Exec(`DELETE FROM org_member_counts`).Error; err != nil {
			return err
		}
		return tx.Exec(`INSERT INTO org_member_counts (org_id, members) SELECT org_id, count(*) FROM memberships GROUP BY org_id`).Error
	}))
}

// AdminContact is how to reach one of an organisation's admins.
type AdminContact struct {
	Email    string
	Name     string
	Language string
}

// AdminContacts lists the admins of organisation orgID, in tx, for a
// notice another domain sends them (a webhook endpoint disabled).
func AdminContacts(ctx context.Context, tx *gorm.DB, orgID string) ([]AdminContact, error) {
	var out []AdminContact
	err := tx.WithContext(ctx).Raw(`SELECT u.email, u.display_name AS name, u.language
		FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE m.org_id = ? AND m.role = ? AND u.disabled_at IS NULL ORDER BY u.email`, orgID, RoleAdmin).Scan(&out).Error
	return out, err
}
