package catalog

import (
	"context"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"takumi/internal/apperr"
	"takumi/internal/audit"
	"takumi/internal/database"
	"takumi/internal/i18n"
)

// DSSCodes are the Digital Skill Standards a skill area can align to, in
// display order: "dss_l" is the DX literacy standard for all workers; the
// other five are the person types of the DX promotion skill standard.
var DSSCodes = []string{"dss_l", "business_architect", "designer", "data_scientist", "software_engineer", "cyber_security"}

// DSSKey is the catalogue key of a Digital Skill Standard's name.
func DSSKey(code string) string { return "catalogue.dss_" + code }

// SkillArea is one area of the skills taxonomy. Code is stable: reports
// slice by it, so it is never renamed or deleted.
type SkillArea struct {
	Code         string
	Name         i18n.Text
	Description  i18n.Text
	DSSAlignment []string
	SortOrder    int
	UpdatedAt    time.Time
}

// SkillAreaInput is what the taxonomy admin form edits. SortOrder is the
// typed text, parsed here so its problem is reported next to its field.
type SkillAreaInput struct {
	NameJa        string
	NameEn        string
	DescriptionJa string
	DescriptionEn string
	DSSAlignment  []string
	SortOrder     string
}

// skillAreaRow is a skill_areas row as scanned (the array as text).
type skillAreaRow struct {
	Code          string
	NameJa        string
	NameEn        string
	DescriptionJa string
	DescriptionEn string
	DSS           string
	SortOrder     int
	UpdatedAt     time.Time
}

func (r skillAreaRow) area() SkillArea {
	a := SkillArea{Code: r.Code, Name: i18n.Text{Ja: r.NameJa, En: r.NameEn},
		Description: i18n.Text{Ja: r.DescriptionJa, En: r.DescriptionEn}, SortOrder: r.SortOrder, UpdatedAt: r.UpdatedAt, DSSAlignment: []string{}}
	if r.DSS != "" {
		a.DSSAlignment = strings.Split(r.DSS, ",")
	}
	return a
}

const skillAreaColumns = `code, name_ja, name_en, description_ja, description_en,
	array_to_string(dss_alignment, ',') AS dss, sort_order, updated_at`

// SkillAreas lists the taxonomy in its sort order.
func (s *Service) SkillAreas(ctx context.Context) ([]SkillArea, error) {
	out, err := skillAreas(ctx, s.db)
	return out, apperr.Coded(err)
}

func skillAreas(ctx context.Context, db *gorm.DB) ([]SkillArea, error) {
	var rows []skillAreaRow
	if err := db.WithContext(ctx).Raw(`SELECT ` + skillAreaColumns + ` FROM skill_areas ORDER BY sort_order, code`).Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]SkillArea, len(rows))
	for i, r := range rows {
		out[i] = r.area()
	}
	return out, nil
}

// SkillArea returns the skill area with code. Errors: not_found.
func (s *Service) SkillArea(ctx context.Context, code string) (*SkillArea, error) {
	return skillAreaByCode(ctx, s.db, code)
}

func skillAreaByCode(ctx context.Context, db *gorm.DB, code string) (*SkillArea, error) {
	if !skillCodeRe.MatchString(code) {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	var rows []skillAreaRow
	if err := db.WithContext(ctx).Raw(`SELECT `+skillAreaColumns+` FROM skill_areas WHERE code = ?`, code).Scan(&rows).Error; err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	if len(rows) == 0 {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	a := rows[0].area()
	return &a, nil
}

var skillCodeRe = regexp.MustCompile(`^[a-z][a-z0-9_]{1,39}$`)

// check validates the input and returns the cleaned DSS codes, the sort
// order and field -> message key for each problem.
func (in *SkillAreaInput) check() ([]string, int, map[string]string) {
	errs := map[string]string{}
	in.NameJa, in.NameEn = strings.TrimSpace(in.NameJa), strings.TrimSpace(in.NameEn)
	in.DescriptionJa, in.DescriptionEn = strings.TrimSpace(in.DescriptionJa), strings.TrimSpace(in.DescriptionEn)
	for field, v := range map[string]string{"name_ja": in.NameJa, "name_en": in.NameEn} {
		switch {
		case v == "":
			errs[field] = "catalogue.skills_err_name_required"
		case utf8.RuneCountInString(v) > 100:
			errs[field] = "catalogue.skills_err_too_long"
		}
	}
	for field, v := range map[string]string{"description_ja": in.DescriptionJa, "description_en": in.DescriptionEn} {
		if utf8.RuneCountInString(v) > 1000 {
			errs[field] = "catalogue.skills_err_too_long"
		}
	}
	var dss []string
	for _, code := range DSSCodes { // keeps display order, drops duplicates
		for _, v := range in.DSSAlignment {
			if v == code {
				dss = append(dss, code)
				break
			}
		}
	}
	for _, v := range in.DSSAlignment {
		if !slices.Contains(DSSCodes, v) {
			errs["dss"] = "catalogue.skills_err_dss"
		}
	}
	order, err := strconv.Atoi(strings.TrimSpace(in.SortOrder))
	if err != nil || order < -100000 || order > 100000 {
		errs["sort_order"] = "catalogue.skills_err_sort_order"
	}
	return dss, order, errs
}

// UpdateSkillArea changes a skill area's names, descriptions, alignment and
// sort order (never its code) and audits "catalog.skill_area_updated".
// Only platform admins may. Errors: invalid (fields name_ja, name_en,
// description_ja, description_en, dss, sort_order), not_found, forbidden.
func (s *Service) UpdateSkillArea(ctx context.Context, a Actor, code string, in SkillAreaInput) error {
	dss, order, errs := in.check()
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := requirePlatformAdmin(ctx, tx, a.UserID); err != nil {
			return err
		}
		var locked []string
		if err := tx.Clauses(clause.Locking{Strength: "UPDATE"}).Table("skill_areas").
			Where("code = ?", code).Pluck("code", &locked).Error; err != nil {
			return err
		}
		if len(locked) == 0 {
			return apperr.New(apperr.NotFound, "error.not_found")
		}
		before, err := skillAreaByCode(ctx, tx, code)
		if err != nil {
			return err
		}
		if len(errs) > 0 {
			return apperr.FieldErrors(errs)
		}
		if err := tx.Exec(`UPDATE skill_areas SET name_ja = ?, name_en = ?, description_ja = ?, description_en = ?,
				dss_alignment = ?::text[], sort_order = ?, updated_at = ? WHERE code = ?`,
			in.NameJa, in.NameEn, in.DescriptionJa, in.DescriptionEn, database.Array(dss), order, s.now(), code).Error; err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: a.UserID, Action: "catalog.skill_area_updated",
			TargetType: "skill_area", TargetID: code, IP: a.IP, Details: map[string]any{
				"name_ja": in.NameJa, "name_en": in.NameEn, "dss_alignment": dss, "sort_order": order,
				"before": map[string]any{"name_ja": before.Name.Ja, "name_en": before.Name.En,
					"dss_alignment": before.DSSAlignment, "sort_order": before.SortOrder},
			}})
	})
	s.changed()
	return apperr.Coded(err)
}

// CreateSkillArea adds a skill area with a new, permanent code and audits
// "catalog.skill_area_created". Only platform admins may. Errors: invalid
// (code: format or "catalogue.skills_err_code_taken", and the fields of
// UpdateSkillArea), forbidden.
func (s *Service) CreateSkillArea(ctx context.Context, a Actor, code string, in SkillAreaInput) error {
	code = strings.TrimSpace(code)
	dss, order, errs := in.check()
	switch {
	case code == "":
		errs["code"] = "catalogue.skills_err_code_required"
	case !skillCodeRe.MatchString(code):
		errs["code"] = "catalogue.skills_err_code_format"
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := requirePlatformAdmin(ctx, tx, a.UserID); err != nil {
			return err
		}
		if errs["code"] == "" {
			if _, err := skillAreaByCode(ctx, tx, code); err == nil {
				errs["code"] = "catalogue.skills_err_code_taken"
			} else if !apperr.Is(err, apperr.NotFound) {
				return err
			}
		}
		if len(errs) > 0 {
			return apperr.FieldErrors(errs)
		}
		res := tx.Exec(`INSERT INTO skill_areas (code, name_ja, name_en, description_ja, description_en, dss_alignment, sort_order, updated_at)
			VALUES (?, ?, ?, ?, ?, ?::text[], ?, ?) ON CONFLICT (code) DO NOTHING`,
			code, in.NameJa, in.NameEn, in.DescriptionJa, in.DescriptionEn, database.Array(dss), order, s.now())
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 { // created by someone else just now
			return apperr.FieldErrors(map[string]string{"code": "catalogue.skills_err_code_taken"})
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: a.UserID, Action: "catalog.skill_area_created",
			TargetType: "skill_area", TargetID: code, IP: a.IP, Details: map[string]any{
				"name_ja": in.NameJa, "name_en": in.NameEn, "dss_alignment": dss, "sort_order": order}})
	})
	s.changed()
	return apperr.Coded(err)
}

// requirePlatformAdmin checks, inside tx, that userID is an enabled platform
// admin. SECURITY: the taxonomy is platform data; the domain checks the rule
// itself, not only the router.
func requirePlatformAdmin(ctx context.Context, tx *gorm.DB, userID string) error {
	if _, err := parseUUID(userID); err != nil {
		return apperr.New(apperr.Forbidden, "error.forbidden")
	}
	var ok bool
	err := tx.WithContext(ctx).Raw(`SELECT EXISTS (SELECT 1 FROM users
		WHERE id = ? AND is_platform_admin AND disabled_at IS NULL)`, userID).Row().Scan(&ok)
	if err != nil {
		return err
	}
	if !ok {
		return apperr.New(apperr.Forbidden, "error.forbidden")
	}
	return nil
}
