package org

import (
	"context"
	"encoding/json"

	"gorm.io/gorm"

	"takumi/internal/account"
	"takumi/internal/apperr"
)

// SignedInColumns is SignedIn's select list over `users u`: the account's
// columns and, as memberships_json, every organisation it belongs to (as
// MembershipsOf, same order). A statement of another package that reads
// the signed-in person with a row of its own (the session store,
// internal/app/sessionstore.go, joins users u to the session row) selects
// it and scans into SignedInRow, so that the read stays one round trip and
// its shape stays here. Over an outer join without a user, u's columns are
// NULL and memberships_json is '[]'.
const SignedInColumns = `u.*, coalesce((
		    SELECT json_agg(json_build_object('OrgID', m.org_id, 'UserID', m.user_id, 'Role', m.role, 'Analyst', m.analyst,
		                                      'Kind', o.kind, 'NameJa', o.name_ja, 'NameEn', coalesce(o.name_en, '')) ORDER BY o.name_ja)
		    FROM memberships m JOIN organisations o ON o.id = m.org_id
		    WHERE m.user_id = u.id), '[]') AS memberships_json`

// SignedInRow is one row of a statement selecting SignedInColumns.
type SignedInRow struct {
	account.User
	MembershipsJSON string
}

// Account returns the row's account and memberships. Errors: not_found
// (the row has no account: an outer join found no user), internal.
func (r *SignedInRow) Account() (*account.User, []Membership, error) {
	if r.ID == "" {
		return nil, nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	var ms []Membership
	if err := json.Unmarshal([]byte(r.MembershipsJSON), &ms); err != nil {
		return nil, nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	u := r.User
	return &u, ms, nil
}

// SignedIn reads a person's account and every organisation they belong to
// (as MembershipsOf, same order) in one round trip: the check every
// request of a signed-in person makes (issue 20, docs/performance.md
// "Learner pages' CPU"). Since migration 00056 the session store reads the
// same with the session (SessionAccount); this is the fallback for a
// session row without a user id. Errors: not_found (no such account),
// internal.
func SignedIn(ctx context.Context, db *gorm.DB, userID string) (*account.User, []Membership, error) {
	var rows []SignedInRow
	err := db.WithContext(ctx).Raw(`SELECT `+SignedInColumns+` FROM users u WHERE u.id = ?`, userID).Find(&rows).Error
	if err != nil {
		return nil, nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	if len(rows) == 0 {
		return nil, nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	return rows[0].Account()
}

// SessionAccount is, for one request, the account and memberships that the
// session store read in the same statement as the session row (issue 20,
// docs/performance.md "Session and sign-in check in one round trip"). The
// web layer puts an empty one in the request's context before the session
// is loaded; the store fills it; the sign-in check (web/middleware.go
// loadUser) uses it when its UserID is the session's user id, and applies
// the same checks to it as to SignedIn's answer.
type SessionAccount struct {
	// Read is true once the store has read the session row with its
	// account (only the first read of the request fills it).
	Read bool
	// UserID is the session row's user id: "" when the row has none (a
	// visitor, a pending second factor, a row written before migration
	// 00056).
	UserID string
	// User is the account with UserID, nil when there is none.
	User        *account.User
	Memberships []Membership
}

type sessionAccountKey struct{}

// WithSessionAccount returns ctx carrying an empty SessionAccount for the
// session store to fill.
func WithSessionAccount(ctx context.Context) context.Context {
	return context.WithValue(ctx, sessionAccountKey{}, &SessionAccount{})
}

// SessionAccountOf returns the SessionAccount ctx carries, or nil.
func SessionAccountOf(ctx context.Context) *SessionAccount {
	sa, _ := ctx.Value(sessionAccountKey{}).(*SessionAccount)
	return sa
}
