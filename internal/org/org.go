// Package org holds organisations (employers, training providers,
// ministries), their memberships and roles, and invitations by email.
package org

import (
	"context"
	"time"

	"gorm.io/gorm"

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
