// Package org holds organisations (employers, training providers,
// ministries), their memberships and roles, and invitations by email.
package org

import (
	"context"
	"encoding/json"
	"time"

	"gorm.io/gorm"

	"takumi/internal/account"
	"takumi/internal/apperr"
)

// Organisation kinds.
const (
	KindEmployer = "employer"
	KindProvider = "provider"
	KindMinistry = "ministry"
)

// Kinds lists every organisation kind.
var Kinds = []string{KindEmployer, KindProvider, KindMinistry}

// Roles a person can hold in an organisation.
const (
	RoleMember     = "member"
	RoleInstructor = "instructor"
	RoleAdmin      = "admin"
)

// Roles lists every organisation role.
var Roles = []string{RoleMember, RoleInstructor, RoleAdmin}

// Organisation is an employer, a training provider or a ministry.
type Organisation struct {
	ID             string `gorm:"primaryKey;default:gen_random_uuid()"`
	NameJa         string
	NameEn         string
	Kind           string
	PrefectureCode *string
	IndustryCode   *string
	Code           *string // training provider's URL code (course pages); nil when unset
	CreatedAt      time.Time
}

// TableName maps Organisation to its table.
func (Organisation) TableName() string { return "organisations" }

// Membership is one person's place in one organisation, with the
// organisation's names for display.
type Membership struct {
	OrgID   string
	UserID  string
	Role    string
	Analyst bool
	Kind    string
	NameJa  string
	NameEn  string
}

// MembershipsOf returns every organisation userID belongs to.
func MembershipsOf(ctx context.Context, db *gorm.DB, userID string) ([]Membership, error) {
	var out []Membership
	err := db.WithContext(ctx).Raw(`
		SELECT m.org_id, m.user_id, m.role, m.analyst, o.kind, o.name_ja, o.name_en
		FROM memberships m JOIN organisations o ON o.id = m.org_id
		WHERE m.user_id = ? ORDER BY o.name_ja`, userID).Scan(&out).Error
	if err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	return out, nil
}

// SignedIn reads a person's account and every organisation they belong to
// (as MembershipsOf, same order) in one round trip: the check every
// request of a signed-in person makes (issue 20, docs/performance.md
// "Learner pages' CPU"). Errors: not_found (no such account), internal.
func SignedIn(ctx context.Context, db *gorm.DB, userID string) (*account.User, []Membership, error) {
	var rows []struct {
		account.User
		MembershipsJSON string
	}
	err := db.WithContext(ctx).Raw(`
		SELECT u.*, coalesce((
		    SELECT json_agg(json_build_object('OrgID', m.org_id, 'UserID', m.user_id, 'Role', m.role, 'Analyst', m.analyst,
		                                      'Kind', o.kind, 'NameJa', o.name_ja, 'NameEn', coalesce(o.name_en, '')) ORDER BY o.name_ja)
		    FROM memberships m JOIN organisations o ON o.id = m.org_id
		    WHERE m.user_id = u.id), '[]') AS memberships_json
		FROM users u WHERE u.id = ?`, userID).Scan(&rows).Error
	if err != nil {
		return nil, nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	if len(rows) == 0 {
		return nil, nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	var ms []Membership
	if err := json.Unmarshal([]byte(rows[0].MembershipsJSON), &ms); err != nil {
		return nil, nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	u := rows[0].User
	return &u, ms, nil
}

// Roles summarises what a person may do across all their memberships.
type RoleSummary struct {
	OrgAdmin bool // admin of at least one organisation
	Analyst  bool // analyst of a ministry organisation
}

// Summarise folds memberships into a RoleSummary.
func Summarise(ms []Membership) RoleSummary {
	var r RoleSummary
	for _, m := range ms {
		if m.Role == RoleAdmin {
			r.OrgAdmin = true
		}
		if m.Analyst && m.Kind == KindMinistry {
			r.Analyst = true
		}
	}
	return r
}
