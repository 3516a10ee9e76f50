package org

import (
	"context"
	"errors"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/jackc/pgx/v5/pgconn"
	"gorm.io/gorm"

	"takumi/internal/apperr"
	"takumi/internal/audit"
)

// Actor is the person carrying out an organisation use case and where the
// request came from, for permission checks and the audit log.
type Actor struct {
	UserID string
	IP     string
}

// NewOrganisation is what a platform admin types to create an organisation.
type NewOrganisation struct {
	NameJa         string
	NameEn         string
	Kind           string
	PrefectureCode string // "" for none
	IndustryCode   string // "" for none
	Code           string // "" for none: the provider's code in course page URLs
}

// Summary is one organisation in a listing, with its member count.
type Summary struct {
	Organisation
	Members int
}

// RefItem is one row of a reference table (prefectures, industries).
type RefItem struct {
	Code   string
	NameJa string
	NameEn string
}

// Counts are the organisation figures of the admin overview.
type Counts struct {
	ByKind             map[string]int
	PendingInvitations int
}

// Create makes a new organisation. Only platform admins may. Errors:
// invalid (fields name_ja, name_en, kind, prefecture, industry; name_ja
// "org.err_name_taken" when another organisation has the name), forbidden.
func (s *Service) Create(ctx context.Context, actor Actor, in NewOrganisation) (*Organisation, error) {
	in.NameJa = strings.TrimSpace(in.NameJa)
	in.NameEn = strings.TrimSpace(in.NameEn)
	fields := map[string]string{}
	switch {
	case in.NameJa == "":
		fields["name_ja"] = "org.err_name_ja_required"
	case utf8.RuneCountInString(in.NameJa) > 200:
		fields["name_ja"] = "org.err_name_too_long"
	}
	if utf8.RuneCountInString(in.NameEn) > 200 {
		fields["name_en"] = "org.err_name_too_long"
	}
	if !slices.Contains(Kinds, in.Kind) {
		fields["kind"] = "org.err_kind"
	}
	in.Code = strings.ToLower(strings.TrimSpace(in.Code))
	if k := codeProblem(in.Code); k != "" {
		fields["code"] = k
	}
	var out Organisation
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := requirePlatformAdmin(ctx, tx, actor.UserID); err != nil {
			return err
		}
		if in.PrefectureCode != "" && !refExists(ctx, tx, "prefectures", in.PrefectureCode) {
			fields["prefecture"] = "org.err_prefecture"
		}
		if in.IndustryCode != "" && !refExists(ctx, tx, "industries", in.IndustryCode) {
			fields["industry"] = "org.err_industry"
		}
		if len(fields) > 0 {
			return apperr.FieldErrors(fields)
		}
		out = Organisation{NameJa: in.NameJa, NameEn: in.NameEn, Kind: in.Kind,
			PrefectureCode: optional(in.PrefectureCode), IndustryCode: optional(in.IndustryCode), Code: optional(in.Code)}
		if err := tx.WithContext(ctx).Create(&out).Error; err != nil {
			if isUniqueViolation(err, "organisations_name_ja_key") {
				return apperr.FieldErrors(map[string]string{"name_ja": "org.err_name_taken"})
			}
			if isUniqueViolation(err, "organisations_code_key") {
				return apperr.FieldErrors(map[string]string{"code": "catalogue.org_code_err_taken"})
			}
			return apperr.Wrap(apperr.Internal, "error.internal", err)
		}
		return audit.Record(ctx, tx, audit.Entry{
			ActorID: actor.UserID, Action: "org.created", TargetType: "organisation", TargetID: out.ID,
			OrgID: out.ID, IP: actor.IP, Details: map[string]any{"name_ja": out.NameJa, "kind": out.Kind, "code": in.Code},
		})
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

var orgCodeRe = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,39}$`)

// codeProblem returns the message key of what is wrong with an organisation
// code ("" when fine or empty): 2–40 lower-case letters, digits and
// hyphens. A code shaped like a UUID is refused, because course URLs name a
// provider without a code by its id.
func codeProblem(code string) string {
	if code == "" {
		return ""
	}
	if !orgCodeRe.MatchString(code) || isUUID(code) {
		return "catalogue.org_code_err_format"
	}
	return ""
}

// SetCode sets (or, with "", clears) an organisation's code, which training
// providers' course pages use in their URL. Only platform admins may; the
// change is audited as "org.code_set". Errors: invalid (field code: format,
// or "catalogue.org_code_err_taken"), not_found, forbidden.
func (s *Service) SetCode(ctx context.Context, actor Actor, orgID, code string) error {
	code = strings.ToLower(strings.TrimSpace(code))
	return s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := requirePlatformAdmin(ctx, tx, actor.UserID); err != nil {
			return err
		}
		o, err := orgByID(ctx, tx, orgID)
		if err != nil {
			return err
		}
		if k := codeProblem(code); k != "" {
			return apperr.FieldErrors(map[string]string{"code": k})
		}
		err = tx.WithContext(ctx).Exec("UPDATE organisations SET code = ? WHERE id = ?", optional(code), o.ID).Error
		if isUniqueViolation(err, "organisations_code_key") {
			return apperr.FieldErrors(map[string]string{"code": "catalogue.org_code_err_taken"})
		}
		if err != nil {
			return apperr.Wrap(apperr.Internal, "error.internal", err)
		}
		var before string
		if o.Code != nil {
			before = *o.Code
		}
		return audit.Record(ctx, tx, audit.Entry{
			ActorID: actor.UserID, Action: "org.code_set", TargetType: "organisation", TargetID: o.ID,
			OrgID: o.ID, IP: actor.IP, Details: map[string]any{"code": code, "before": before},
		})
	})
}

// ByID returns the organisation with id. Errors: not_found.
func (s *Service) ByID(ctx context.Context, id string) (*Organisation, error) {
	return orgByID(ctx, s.db, id)
}

func orgByID(ctx context.Context, db *gorm.DB, id string) (*Organisation, error) {
	if !isUUID(id) {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	var o Organisation
	err := db.WithContext(ctx).Where("id = ?", id).Take(&o).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	if err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	return &o, nil
}

// List returns every organisation with its member count, by Japanese name.
func (s *Service) List(ctx context.Context) ([]Summary, error) {
	var rows []struct {
		Organisation
		Members int
	}
	err := s.db.WithContext(ctx).Raw(`
		SELECT o.*, (SELECT count(*) FROM memberships m WHERE m.org_id = o.id) AS members
		FROM organisations o ORDER BY o.name_ja`).Scan(&rows).Error
	if err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	out := make([]Summary, len(rows))
	for i, r := range rows {
		out[i] = Summary{Organisation: r.Organisation, Members: r.Members}
	}
	return out, nil
}

// AdministeredBy returns the organisations userID is an admin of, by name.
func (s *Service) AdministeredBy(ctx context.Context, userID string) ([]Organisation, error) {
	var out []Organisation
	err := s.db.WithContext(ctx).Raw(`
		SELECT o.* FROM organisations o JOIN memberships m ON m.org_id = o.id
		WHERE m.user_id = ? AND m.role = 'admin' ORDER BY o.name_ja`, userID).Scan(&out).Error
	if err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	return out, nil
}

// CountAll returns organisations by kind and the number of open, unexpired
// invitations, for the admin overview.
func (s *Service) CountAll(ctx context.Context) (Counts, error) {
	c := Counts{ByKind: map[string]int{}}
	var rows []struct {
		Kind string
		N    int
	}
	db := s.db.WithContext(ctx)
	if err := db.Raw("SELECT kind, count(*) AS n FROM organisations GROUP BY kind").Scan(&rows).Error; err != nil {
		return c, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	for _, r := range rows {
		c.ByKind[r.Kind] = r.N
	}
	if err := db.Raw(`SELECT count(*) FROM invitations
		WHERE accepted_at IS NULL AND revoked_at IS NULL AND expires_at > ?`, s.now()).Row().Scan(&c.PendingInvitations); err != nil {
		return c, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	return c, nil
}

// Prefectures lists the 47 prefectures by code.
func (s *Service) Prefectures(ctx context.Context) ([]RefItem, error) {
	return refList(ctx, s.db, "SELECT code, name_ja, name_en FROM prefectures ORDER BY code")
}

// Industries lists the JSIC industry divisions by code.
func (s *Service) Industries(ctx context.Context) ([]RefItem, error) {
	return refList(ctx, s.db, "SELECT code, name_ja, name_en FROM industries ORDER BY code")
}

func refList(ctx context.Context, db *gorm.DB, query string) ([]RefItem, error) {
	var out []RefItem
	if err := db.WithContext(ctx).Raw(query).Scan(&out).Error; err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	return out, nil
}

// refExists reports whether code is in table; table is one of two constants.
func refExists(ctx context.Context, tx *gorm.DB, table, code string) bool {
	var n int64
	// SECURITY: table is a constant from this package, never user input.
	tx.WithContext(ctx).Raw("SELECT count(*) FROM "+table+" WHERE code = ?", code).Row().Scan(&n)
	return n > 0
}

// requirePlatformAdmin checks, inside tx, that userID is an enabled platform
// admin. SECURITY: the domain enforces the rule too, not only the router.
func requirePlatformAdmin(ctx context.Context, tx *gorm.DB, userID string) error {
	if !isUUID(userID) {
		return apperr.New(apperr.Forbidden, "error.forbidden")
	}
	var ok bool
	err := tx.WithContext(ctx).Raw(`SELECT EXISTS (SELECT 1 FROM users
		WHERE id = ? AND is_platform_admin AND disabled_at IS NULL)`, userID).Row().Scan(&ok)
	if err != nil {
		return apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	if !ok {
		return apperr.New(apperr.Forbidden, "error.forbidden")
	}
	return nil
}

// isPlatformAdmin reports whether userID is an enabled platform admin.
func isPlatformAdmin(ctx context.Context, tx *gorm.DB, userID string) (bool, error) {
	err := requirePlatformAdmin(ctx, tx, userID)
	if apperr.Is(err, apperr.Forbidden) {
		return false, nil
	}
	return err == nil, err
}

// requireOrgManager checks, inside tx, that userID may manage orgID: an admin
// of that organisation or a platform admin. Anyone else gets not_found, so
// the existence of other organisations is not revealed. SECURITY: ownership
// check for every organisation change.
func requireOrgManager(ctx context.Context, tx *gorm.DB, userID, orgID string) (*Organisation, error) {
	o, err := orgByID(ctx, tx, orgID)
	if err != nil {
		return nil, err
	}
	admin, err := isPlatformAdmin(ctx, tx, userID)
	if err != nil {
		return nil, err
	}
	if admin {
		return o, nil
	}
	var ok bool
	err = tx.WithContext(ctx).Raw(`SELECT EXISTS (SELECT 1 FROM memberships m JOIN users u ON u.id = m.user_id
		WHERE m.org_id = ? AND m.user_id = ? AND m.role = 'admin' AND u.disabled_at IS NULL)`, orgID, userID).Row().Scan(&ok)
	if err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	if !ok {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	return o, nil
}

// isUniqueViolation reports whether err is a unique violation of constraint.
func isUniqueViolation(err error, constraint string) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == "23505" && (constraint == "" || pe.ConstraintName == constraint)
}

func optional(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// isUUID reports whether s looks like a UUID, so that malformed ids from
// URLs become not_found instead of a database error.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, r := range s {
		switch i {
		case 8, 13, 18, 23:
			if r != '-' {
				return false
			}
		default:
			if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F') {
				return false
			}
		}
	}
	return true
}

// RoleKey is the catalogue key of a role's name.
func RoleKey(role string) string { return "org.role_" + role }

// KindKey is the catalogue key of an organisation kind's name.
func KindKey(kind string) string { return "org.kind_" + kind }
