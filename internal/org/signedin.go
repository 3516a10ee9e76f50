package org

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"

	"takumi/internal/account"
	"takumi/internal/apperr"
)

// SignedInColumns is SignedIn's select list over `users u`: the account's
// columns (account.UserColumns) and, as memberships_text, every
// organisation it belongs to (as MembershipsOf, same order) in
// membershipsText's format. A statement of another package that reads the
// signed-in person with a row of its own (the session store,
// internal/app/sessionstore.go, joins users u to the session row) selects
// it and scans into SignedInRow's Fields with pgx, so that the read stays
// one round trip and its shape stays here. Over an outer join without a
// user, every one of these columns is NULL: scan none of them then (pgx
// skips a nil destination).
//
// The account is scanned column by column and the memberships parsed from
// one text column, not by gorm's reflection over u.* and encoding/json:
// those were ~12 % of the lesson player's app CPU (issue 20,
// docs/performance.md "The signed-in request path without gorm").
const SignedInColumns = account.UserColumns + `, (
		    SELECT coalesce(string_agg(
		               octet_length(m.org_id::text) || ':' || m.org_id::text ||
		               octet_length(m.role) || ':' || m.role ||
		               CASE WHEN m.analyst THEN '1:1' ELSE '1:0' END ||
		               octet_length(o.kind) || ':' || o.kind ||
		               octet_length(o.name_ja) || ':' || o.name_ja ||
		               octet_length(coalesce(o.name_en, '')) || ':' || coalesce(o.name_en, ''),
		               '' ORDER BY o.name_ja), '')
		    FROM memberships m JOIN organisations o ON o.id = m.org_id
		    WHERE m.user_id = u.id) AS memberships_text`

// SignedInRow is one row of a statement selecting SignedInColumns.
type SignedInRow struct {
	account.User
	MembershipsText *string
}

// Fields returns the scan destinations of SignedInColumns, in order.
func (r *SignedInRow) Fields() []any {
	return append(r.User.Fields(), &r.MembershipsText)
}

// SignedInFieldCount is the number of columns SignedInColumns selects.
var SignedInFieldCount = len((&SignedInRow{}).Fields())

// Account returns the row's account and memberships. Errors: not_found
// (the row has no account: an outer join found no user), internal.
func (r *SignedInRow) Account() (*account.User, []Membership, error) {
	if r.ID == "" {
		return nil, nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	var text string
	if r.MembershipsText != nil {
		text = *r.MembershipsText
	}
	ms, err := parseMembershipsText(text, r.ID)
	if err != nil {
		return nil, nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	u := r.User
	return &u, ms, nil
}

// parseMembershipsText reads memberships_text: per membership six fields
// (organisation id, role, analyst "1" or "0", organisation kind, Japanese
// name, English name), each as its length in bytes, ':' and the value.
func parseMembershipsText(s, userID string) ([]Membership, error) {
	ms := []Membership{}
	for s != "" {
		var f [6]string
		for i := range f {
			colon := strings.IndexByte(s, ':')
			if colon <= 0 {
				return nil, fmt.Errorf("memberships text: no length at %q", s)
			}
			n, err := strconv.Atoi(s[:colon])
			if err != nil || n < 0 || colon+1+n > len(s) {
				return nil, fmt.Errorf("memberships text: bad length %q", s[:colon])
			}
			f[i], s = s[colon+1:colon+1+n], s[colon+1+n:]
		}
		ms = append(ms, Membership{OrgID: f[0], UserID: userID, Role: f[1], Analyst: f[2] == "1", Kind: f[3], NameJa: f[4], NameEn: f[5]})
	}
	return ms, nil
}

// Querier is what SignedIn reads with: a pgx pool, connection or
// transaction.
type Querier interface {
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// SignedIn reads a person's account and every organisation they belong to
// (as MembershipsOf, same order) in one round trip: the check every
// request of a signed-in person makes (issue 20, docs/performance.md
// "Learner pages' CPU"). Since migration 00056 the session store reads the
// same with the session (SessionAccount); this is the fallback for a
// session row without a user id. Errors: not_found (no such account),
// internal.
func SignedIn(ctx context.Context, db Querier, userID string) (*account.User, []Membership, error) {
	var r SignedInRow
	err := db.QueryRow(ctx, `SELECT `+SignedInColumns+` FROM users u WHERE u.id = $1`, userID).Scan(r.Fields()...)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	if err != nil {
		return nil, nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	return r.Account()
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
