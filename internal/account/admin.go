package account

import (
	"context"
	"strings"

	"gorm.io/gorm"

	"takumi/internal/apperr"
	"takumi/internal/audit"
	"takumi/internal/database"
)

// UserSorts are the orders a platform admin may list users in, mapped to
// their SQL. SECURITY: ORDER BY is never built from request input; only
// these keys are accepted.
var UserSorts = map[string]string{
	"newest": "created_at DESC, id",
	"oldest": "created_at ASC, id",
	"email":  "email ASC, id",
	"name":   "display_name ASC, id",
}

// DefaultUserSort is the order used when none (or an unknown one) is asked for.
const DefaultUserSort = "newest"

// UserPageSize is how many users one page of the admin listing shows.
const UserPageSize = 50

// UserQuery narrows and orders the admin listing of users.
type UserQuery struct {
	Search string // part of an email address or display name
	Sort   string // a key of UserSorts
	Page   int    // 1-based
}

// UserPage is one page of the admin listing of users.
type UserPage struct {
	Users   []User
	Query   UserQuery // as applied (sort and page normalised)
	HasNext bool
}

// UserCounts are the account figures of the admin overview.
type UserCounts struct {
	Total    int
	Verified int
	Disabled int
}

// ListUsers returns one page of users for a platform admin, searched by
// email or display name, and records the view in the audit log (it shows
// named people). Errors: forbidden (actor not a platform admin).
func (s *Service) ListUsers(ctx context.Context, actorID, ip string, q UserQuery) (*UserPage, error) {
	q.Search = strings.TrimSpace(q.Search)
	if len([]rune(q.Search)) > 100 {
		q.Search = string([]rune(q.Search)[:100])
	}
	if _, ok := UserSorts[q.Sort]; !ok {
		q.Sort = DefaultUserSort
	}
	if q.Page < 1 || q.Page > 10000 {
		q.Page = 1
	}
	page := &UserPage{Query: q}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := adminRequirePlatformAdmin(ctx, tx, actorID); err != nil {
			return err
		}
		// SELECT * FROM users [WHERE email ILIKE ? OR display_name ILIKE ?]
		// ORDER BY <allowlisted> LIMIT 51 OFFSET ?
		db := tx.WithContext(ctx).Model(&User{})
		if q.Search != "" {
			// SECURITY: the search is a bound parameter with LIKE's
			// wildcards escaped, so % and _ match themselves.
			pattern := "%" + database.EscapeLike(q.Search) + "%"
			db = db.Where(`email ILIKE ? ESCAPE '\' OR display_name ILIKE ? ESCAPE '\'`, pattern, pattern)
		}
		var users []User
		if err := db.Order(UserSorts[q.Sort]).Limit(UserPageSize + 1).Offset((q.Page - 1) * UserPageSize).Find(&users).Error; err != nil {
			return apperr.Wrap(apperr.Internal, "error.internal", err)
		}
		if len(users) > UserPageSize {
			page.HasNext = true
			users = users[:UserPageSize]
		}
		page.Users = users
		return audit.Record(ctx, tx, audit.Entry{
			ActorID: actorID, Action: "account.users_viewed", TargetType: "users", IP: ip,
			Details: map[string]any{"search": q.Search, "page": q.Page, "shown": len(users)},
		})
	})
	if err != nil {
		return nil, err
	}
	return page, nil
}

// CountUsers returns the account figures of the admin overview.
func (s *Service) CountUsers(ctx context.Context) (UserCounts, error) {
	var c UserCounts
	err := s.db.WithContext(ctx).Raw(`SELECT count(*) AS total,
			count(*) FILTER (WHERE email_verified_at IS NOT NULL) AS verified,
			count(*) FILTER (WHERE disabled_at IS NOT NULL) AS disabled
		FROM users`).Scan(&c).Error
	if err != nil {
		return c, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	return c, nil
}

// DisableUser stops an account: it cannot sign in, and its sessions end at
// their next request (session_version moves). Errors: forbidden,
// not_found, conflict "admin.err_disable_self".
func (s *Service) DisableUser(ctx context.Context, actorID, ip, userID string) error {
	if actorID == userID {
		return apperr.New(apperr.Conflict, "admin.err_disable_self")
	}
	return s.setDisabled(ctx, actorID, ip, userID, true)
}

// EnableUser lets a disabled account sign in again. Errors: forbidden,
// not_found.
func (s *Service) EnableUser(ctx context.Context, actorID, ip, userID string) error {
	return s.setDisabled(ctx, actorID, ip, userID, false)
}

func (s *Service) setDisabled(ctx context.Context, actorID, ip, userID string, disable bool) error {
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := adminRequirePlatformAdmin(ctx, tx, actorID); err != nil {
			return err
		}
		if !adminIsUUID(userID) {
			return apperr.New(apperr.NotFound, "error.not_found")
		}
		now := s.now()
		db := tx.WithContext(ctx).Model(&User{}).Where("id = ?", userID)
		var res *gorm.DB
		action := "account.enabled"
		if disable {
			action = "account.disabled"
			// SECURITY: raising session_version ends every session of the
			// account at its next request.
			res = db.Where("disabled_at IS NULL").Updates(map[string]any{
				"disabled_at": now, "session_version": gorm.Expr("session_version + 1"), "updated_at": now})
		} else {
			res = db.Where("disabled_at IS NOT NULL").Updates(map[string]any{"disabled_at": nil, "updated_at": now})
		}
		if res.Error != nil {
			return apperr.Wrap(apperr.Internal, "error.internal", res.Error)
		}
		if res.RowsAffected == 0 {
			if _, err := byID(ctx, tx, userID); err != nil {
				return err
			}
			return nil // already in the asked state
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: actorID, Action: action, TargetType: "user", TargetID: userID, IP: ip})
	})
}

// AuditActionPrefixes are the action families the audit page filters by.
// SECURITY: only these prefixes reach the query.
var AuditActionPrefixes = []string{"auth.", "account.", "org.", "system.", "credential.", "programme.", "ministry."}

// AuditPageSize is how many events one page of the audit log shows.
const AuditPageSize = 50

// AuditQuery narrows the admin view of the audit log.
type AuditQuery struct {
	Action     string // one of AuditActionPrefixes, or ""
	ActorEmail string
	BeforeID   int64
}

// AuditRow is one audit event with the names a person can read.
type AuditRow struct {
	audit.Event
	ActorEmail string
	OrgName    string
}

// AuditLogPage is one page of the audit log, newest first.
type AuditLogPage struct {
	Rows    []AuditRow
	Query   AuditQuery
	OlderID int64 // BeforeID of the next (older) page; 0 when none
	NoActor bool  // ActorEmail names no account
}

// AuditLog lists audit events for a platform admin, newest first, with
// actor emails and organisation names. Errors: forbidden.
func (s *Service) AuditLog(ctx context.Context, actorID string, q AuditQuery) (*AuditLogPage, error) {
	db := s.db.WithContext(ctx)
	if err := adminRequirePlatformAdmin(ctx, db, actorID); err != nil {
		return nil, err
	}
	out := &AuditLogPage{Query: q}
	f := audit.Filter{BeforeID: q.BeforeID, Limit: AuditPageSize + 1}
	if q.Action != "" {
		ok := false
		for _, p := range AuditActionPrefixes {
			ok = ok || p == q.Action
		}
		if !ok {
			out.Query.Action = ""
		} else {
			f.Actions = []string{q.Action}
		}
	}
	if q.ActorEmail != "" {
		u, err := byEmail(ctx, db, q.ActorEmail)
		if apperr.Is(err, apperr.NotFound) {
			out.NoActor = true
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		f.ActorID = u.ID
	}
	events, err := audit.List(ctx, s.db, f)
	if err != nil {
		return nil, err
	}
	if len(events) > AuditPageSize {
		events = events[:AuditPageSize]
		out.OlderID = events[len(events)-1].ID
	}
	userIDs, orgIDs := []string{}, []string{}
	for _, e := range events {
		if e.ActorID != nil {
			userIDs = append(userIDs, *e.ActorID)
		}
		if e.OrgID != nil {
			orgIDs = append(orgIDs, *e.OrgID)
		}
	}
	emails, names := map[string]string{}, map[string]string{}
	if len(userIDs) > 0 {
		var rows []struct{ ID, Email string }
		if err := db.Raw("SELECT id, email FROM users WHERE id IN ?", userIDs).Scan(&rows).Error; err != nil {
			return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
		}
		for _, r := range rows {
			emails[r.ID] = r.Email
		}
	}
	if len(orgIDs) > 0 {
		var rows []struct{ ID, NameJa string }
		if err := db.Raw("SELECT id, name_ja FROM organisations WHERE id IN ?", orgIDs).Scan(&rows).Error; err != nil {
			return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
		}
		for _, r := range rows {
			names[r.ID] = r.NameJa
		}
	}
	for _, e := range events {
		r := AuditRow{Event: e}
		if e.ActorID != nil {
			r.ActorEmail = emails[*e.ActorID]
		}
		if e.OrgID != nil {
			r.OrgName = names[*e.OrgID]
		}
		out.Rows = append(out.Rows, r)
	}
	return out, nil
}

// VerifyAuditLog checks the audit log's hash chain for a platform admin and
// records that the check ran. Errors: forbidden.
func (s *Service) VerifyAuditLog(ctx context.Context, actorID, ip string) (audit.VerifyResult, error) {
	if err := adminRequirePlatformAdmin(ctx, s.db, actorID); err != nil {
		return audit.VerifyResult{}, err
	}
	res, err := audit.Verify(ctx, s.db)
	if err != nil {
		return res, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	err = audit.RecordNow(ctx, s.db, audit.Entry{ActorID: actorID, Action: "system.audit_verified", IP: ip,
		Details: map[string]any{"checked": res.Checked, "bad_id": res.BadID}})
	return res, err
}

// adminRequirePlatformAdmin checks that actorID is an enabled platform
// admin. SECURITY: the domain enforces the rule as well as the router.
func adminRequirePlatformAdmin(ctx context.Context, db *gorm.DB, actorID string) error {
	if !adminIsUUID(actorID) {
		return apperr.New(apperr.Forbidden, "error.forbidden")
	}
	u, err := byID(ctx, db, actorID)
	if apperr.Is(err, apperr.NotFound) {
		return apperr.New(apperr.Forbidden, "error.forbidden")
	}
	if err != nil {
		return err
	}
	if !u.IsPlatformAdmin || u.Disabled() {
		return apperr.New(apperr.Forbidden, "error.forbidden")
	}
	return nil
}

// adminIsUUID reports whether s has the shape of a UUID.
func adminIsUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, r := range s {
		if i == 8 || i == 13 || i == 18 || i == 23 {
			if r != '-' {
				return false
			}
		} else if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F') {
			return false
		}
	}
	return true
}
