package catalog

import (
	"context"
	"errors"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"takumi/internal/apperr"
	"takumi/internal/audit"
	"takumi/internal/i18n"
)

// Learning paths: a training provider's ordered set of its own published
// courses. Completing every course earns the path's own credential (the
// credential domain issues it: credential.Service.issuePaths), whose
// achievement id is the path's public page, /paths/<provider ref>/<code>.
// A path is authored in the studio by the provider's instructors and admins.

// Limits of a learning path.
const (
	MinPathCourses     = 2   // a path of one course would duplicate its credential
	MaxPathCourses     = 30  // bounds the form and the public page
	MaxValidMonths     = 120 // ten years, as the schema allows
	maxPathDescription = 2000
)

// LearningPath is a learning path as stored.
type LearningPath struct {
	ID                    string `gorm:"primaryKey;default:gen_random_uuid()"`
	ProviderID            string
	Code                  string
	Title                 i18n.Text `gorm:"embedded;embeddedPrefix:title_"`
	Description           i18n.Text `gorm:"embedded;embeddedPrefix:description_"`
	CredentialValidMonths *int
	CreatedAt             time.Time
	UpdatedAt             time.Time
}

// TableName maps LearningPath to its table.
func (LearningPath) TableName() string { return "learning_paths" }

// PathInput is what creating or editing a path sets. ProviderID and Code
// are read only on creation: the code is part of the path's public URL,
// which is the achievement id of every credential already issued for it,
// so it never changes. CourseIDs are in path order.
type PathInput struct {
	ProviderID    string
	Code          string
	TitleJa       string
	TitleEn       string
	DescriptionJa string
	DescriptionEn string
	ValidMonths   *int // nil: the credential does not expire
	CourseIDs     []string
}

// ValidityProblem returns the message key of what is wrong with a
// credential validity in months ("" when fine): empty (nil) or 1–120.
func ValidityProblem(months *int) string {
	if months != nil && (*months < 1 || *months > MaxValidMonths) {
		return "paths.err_validity"
	}
	return ""
}

// Check trims the texts and returns field -> message key for every problem
// that needs no database (the code only when creating). Create and update
// also check the courses against the provider's published courses.
func (in *PathInput) Check(creating bool) map[string]string {
	errs := map[string]string{}
	in.TitleJa, in.TitleEn = strings.TrimSpace(in.TitleJa), strings.TrimSpace(in.TitleEn)
	in.DescriptionJa, in.DescriptionEn = strings.TrimSpace(in.DescriptionJa), strings.TrimSpace(in.DescriptionEn)
	if creating {
		in.Code = strings.TrimSpace(strings.ToLower(in.Code))
		if k := CodeProblem(in.Code); k != "" {
			errs["code"] = k
		}
	}
	switch {
	case in.TitleJa == "":
		errs["title_ja"] = "paths.err_title_required"
	case utf8.RuneCountInString(in.TitleJa) > maxTitle:
		errs["title_ja"] = "paths.err_too_long"
	}
	if utf8.RuneCountInString(in.TitleEn) > maxTitle {
		errs["title_en"] = "paths.err_too_long"
	}
	if utf8.RuneCountInString(in.DescriptionJa) > maxPathDescription {
		errs["description_ja"] = "paths.err_too_long"
	}
	if utf8.RuneCountInString(in.DescriptionEn) > maxPathDescription {
		errs["description_en"] = "paths.err_too_long"
	}
	if k := ValidityProblem(in.ValidMonths); k != "" {
		errs["valid_months"] = k
	}
	switch {
	case len(in.CourseIDs) < MinPathCourses:
		errs["courses"] = "paths.err_courses_min"
	case len(in.CourseIDs) > MaxPathCourses:
		errs["courses"] = "paths.err_courses_max"
	}
	return errs
}

// checkCourses sets errs["courses"] unless every course id is distinct and
// names a published course of the provider.
func checkCourses(ctx context.Context, tx *gorm.DB, providerID string, ids []string, errs map[string]string) error {
	if errs["courses"] != "" {
		return nil
	}
	seen := map[string]bool{}
	for _, id := range ids {
		if _, err := parseUUID(id); err != nil {
			errs["courses"] = "paths.err_course_unknown"
			return nil
		}
		if seen[id] {
			errs["courses"] = "paths.err_course_twice"
			return nil
		}
		seen[id] = true
	}
	var n int64
	// SELECT count(*) FROM courses WHERE id IN (...) AND provider_id = ? AND status = 'published'
	if err := tx.WithContext(ctx).Model(&Course{}).Where("id IN ? AND provider_id = ? AND status = ?", ids, providerID, StatusPublished).
		Count(&n).Error; err != nil {
		return err
	}
	if int(n) != len(ids) {
		errs["courses"] = "paths.err_course_unknown"
	}
	return nil
}

// replacePathCourses stores ids as the path's courses, positions 1..n.
func replacePathCourses(ctx context.Context, tx *gorm.DB, pathID string, ids []string) error {
	db := tx.WithContext(ctx)
	if err := db.Exec(`DELETE FROM learning_path_courses WHERE path_id = ?`, pathID).Error; err != nil {
		return err
	}
	for i, id := range ids {
		if err := db.Exec(`INSERT INTO learning_path_courses (path_id, course_id, position) VALUES (?, ?, ?)`,
			pathID, id, i+1).Error; err != nil {
			return err
		}
	}
	return nil
}

// CreatePath creates a learning path of the provider's published courses,
// in the order given, and audits "path.created". Errors: not_found (not an
// editor of the provider), invalid (per field: code, title_ja, title_en,
// description_ja, description_en, valid_months, courses; code
// "paths.err_code_taken").
func (s *Service) CreatePath(ctx context.Context, a Actor, in PathInput) (*LearningPath, error) {
	errs := in.Check(true)
	if err := requireEditor(ctx, s.db, a, in.ProviderID); err != nil {
		return nil, err
	}
	var p LearningPath
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := checkCourses(ctx, tx, in.ProviderID, in.CourseIDs, errs); err != nil {
			return err
		}
		if errs["code"] == "" {
			var taken int64
			if err := tx.Model(&LearningPath{}).Where("provider_id = ? AND code = ?", in.ProviderID, in.Code).Count(&taken).Error; err != nil {
				return err
			}
			if taken > 0 {
				errs["code"] = "paths.err_code_taken"
			}
		}
		if len(errs) > 0 {
			return apperr.FieldErrors(errs)
		}
		now := s.now()
		p = LearningPath{ProviderID: in.ProviderID, Code: in.Code, Title: i18n.Text{Ja: in.TitleJa, En: in.TitleEn},
			Description: i18n.Text{Ja: in.DescriptionJa, En: in.DescriptionEn}, CredentialValidMonths: in.ValidMonths,
			CreatedAt: now, UpdatedAt: now}
		// Two authors creating the same code at once: the second insert
		// does nothing (UNIQUE provider_id, code) and is told the code is taken.
		res := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&p)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return apperr.FieldErrors(map[string]string{"code": "paths.err_code_taken"})
		}
		if err := replacePathCourses(ctx, tx, p.ID, in.CourseIDs); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: a.UserID, Action: "path.created", TargetType: "learning_path",
			TargetID: p.ID, OrgID: p.ProviderID, IP: a.IP, Details: pathAuditDetails(&p, in.CourseIDs)})
	})
	if err != nil {
		return nil, apperr.Coded(err)
	}
	s.changed()
	return &p, nil
}

// UpdatePath replaces a path's titles, descriptions, validity and courses
// (its provider and code stay) and audits "path.updated". A changed validity
// or course list applies to credentials issued from now on; credentials
// already issued keep what they say. Errors: not_found (no such path, or
// another provider's), invalid (as CreatePath, without code).
func (s *Service) UpdatePath(ctx context.Context, a Actor, pathID string, in PathInput) (*LearningPath, error) {
	errs := in.Check(false)
	var p *LearningPath
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		p, err = pathByID(ctx, tx, pathID, true)
		if err != nil {
			return err
		}
		if err := requireEditor(ctx, tx, a, p.ProviderID); err != nil {
			return err
		}
		if err := checkCourses(ctx, tx, p.ProviderID, in.CourseIDs, errs); err != nil {
			return err
		}
		if len(errs) > 0 {
			return apperr.FieldErrors(errs)
		}
		p.Title, p.Description = i18n.Text{Ja: in.TitleJa, En: in.TitleEn}, i18n.Text{Ja: in.DescriptionJa, En: in.DescriptionEn}
		p.CredentialValidMonths, p.UpdatedAt = in.ValidMonths, s.now()
		if err := tx.WithContext(ctx).Model(&LearningPath{}).Where("id = ?", p.ID).Updates(map[string]any{
			"title_ja": p.Title.Ja, "title_en": p.Title.En, "description_ja": p.Description.Ja, "description_en": p.Description.En,
			"credential_valid_months": p.CredentialValidMonths, "updated_at": p.UpdatedAt}).Error; err != nil {
			return err
		}
		if err := replacePathCourses(ctx, tx, p.ID, in.CourseIDs); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: a.UserID, Action: "path.updated", TargetType: "learning_path",
			TargetID: p.ID, OrgID: p.ProviderID, IP: a.IP, Details: pathAuditDetails(p, in.CourseIDs)})
	})
	if err != nil {
		return nil, apperr.Coded(err)
	}
	s.changed()
	return p, nil
}

func pathAuditDetails(p *LearningPath, courseIDs []string) map[string]any {
	d := map[string]any{"code": p.Code, "courses": courseIDs}
	if p.CredentialValidMonths != nil {
		d["valid_months"] = *p.CredentialValidMonths
	}
	return d
}

func pathByID(ctx context.Context, db *gorm.DB, id string, lock bool) (*LearningPath, error) {
	if _, err := parseUUID(id); err != nil {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	var p LearningPath
	q := db.WithContext(ctx)
	if lock {
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	err := q.Where("id = ?", id).Take(&p).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	if err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	return &p, nil
}

// PathCourse is one course of a path (or one that may be added to it).
type PathCourse struct {
	ID             string
	Code           string
	ProviderID     string
	ProviderCode   *string
	Status         string
	Title          i18n.Text `gorm:"embedded;embeddedPrefix:title_"`
	Summary        i18n.Text `gorm:"embedded;embeddedPrefix:summary_"`
	EstimatedHours float64
	Position       int // 1-based place in the path; 0 when not in it
}

// ProviderRef is how the course's public URL names its provider.
func (c *PathCourse) ProviderRef() string {
	if c.ProviderCode != nil && *c.ProviderCode != "" {
		return *c.ProviderCode
	}
	return c.ProviderID
}

// Published reports whether the course is in the catalogue.
func (c *PathCourse) Published() bool { return c.Status == StatusPublished }

// pathCourseColumns reads a PathCourse: the catalogue projection of a
// published course, or (never published) the latest revision's titles.
const pathCourseColumns = `c.id, c.code, c.provider_id, o.code AS provider_code, c.status,
	coalesce(c.title_ja, r.content->>'title_ja', '') AS title_ja, coalesce(c.title_en, r.content->>'title_en', '') AS title_en,
	coalesce(c.summary_ja, '') AS summary_ja, coalesce(c.summary_en, '') AS summary_en,
	coalesce(c.estimated_hours, 0) AS estimated_hours`

const pathCourseJoins = ` JOIN organisations o ON o.id = c.provider_id
	LEFT JOIN LATERAL (SELECT content FROM course_revisions WHERE course_id = c.id ORDER BY number DESC LIMIT 1) r ON c.title_ja IS NULL`

func pathCourses(ctx context.Context, db *gorm.DB, pathID string) ([]PathCourse, error) {
	var out []PathCourse
	err := db.WithContext(ctx).Raw(`SELECT `+pathCourseColumns+`, pc.position
		FROM learning_path_courses pc JOIN courses c ON c.id = pc.course_id`+pathCourseJoins+`
		WHERE pc.path_id = ? ORDER BY pc.position`, pathID).Scan(&out).Error
	return out, err
}

// PathDetail is a path with its courses in order.
type PathDetail struct {
	LearningPath
	ProviderCode           *string
	ProviderName           i18n.Text
	Courses                []PathCourse
	UnpublishedCourseCount int // courses no longer published: the public page is hidden
}

// ProviderRef is how the path's public URL names its provider: its code,
// or its id when it has none.
func (d *PathDetail) ProviderRef() string {
	if d.ProviderCode != nil && *d.ProviderCode != "" {
		return *d.ProviderCode
	}
	return d.ProviderID
}

func pathDetail(ctx context.Context, db *gorm.DB, p *LearningPath) (*PathDetail, error) {
	d := &PathDetail{LearningPath: *p}
	var o struct {
		Code           *string
		NameJa, NameEn string
	}
	if err := db.WithContext(ctx).Raw(`SELECT code, name_ja, name_en FROM organisations WHERE id = ?`, p.ProviderID).Scan(&o).Error; err != nil {
		return nil, err
	}
	d.ProviderCode, d.ProviderName.Ja, d.ProviderName.En = o.Code, o.NameJa, o.NameEn
	var err error
	if d.Courses, err = pathCourses(ctx, db, p.ID); err != nil {
		return nil, err
	}
	for _, c := range d.Courses {
		if !c.Published() {
			d.UnpublishedCourseCount++
		}
	}
	return d, nil
}

// Path returns a path the actor may author, with its courses in order.
// SECURITY: another provider's path answers not_found, like its courses.
// Errors: not_found.
func (s *Service) Path(ctx context.Context, a Actor, pathID string) (*PathDetail, error) {
	p, err := pathByID(ctx, s.db, pathID, false)
	if err != nil {
		return nil, err
	}
	if err := requireEditor(ctx, s.db, a, p.ProviderID); err != nil {
		return nil, err
	}
	d, err := pathDetail(ctx, s.db, p)
	return d, apperr.Coded(err)
}

// StudioPath is one row of an author's list of paths.
type StudioPath struct {
	ID                     string
	ProviderID             string
	ProviderCode           *string
	ProviderName           i18n.Text `gorm:"embedded;embeddedPrefix:provider_name_"`
	Code                   string
	Title                  i18n.Text `gorm:"embedded;embeddedPrefix:title_"`
	CredentialValidMonths  *int
	CourseCount            int
	UnpublishedCourseCount int
	UpdatedAt              time.Time
}

// ProviderRef is how the path's public URL names its provider.
func (p *StudioPath) ProviderRef() string {
	if p.ProviderCode != nil && *p.ProviderCode != "" {
		return *p.ProviderCode
	}
	return p.ProviderID
}

// StudioPaths lists the paths of every provider the actor authors for,
// most recently changed first.
func (s *Service) StudioPaths(ctx context.Context, a Actor) ([]StudioPath, error) {
	var rows []StudioPath
	err := s.db.WithContext(ctx).Raw(`
		SELECT p.id, p.provider_id, o.code AS provider_code, o.name_ja AS provider_name_ja, o.name_en AS provider_name_en,
		       p.code, p.title_ja, p.title_en, p.credential_valid_months, p.updated_at,
		       (SELECT count(*) FROM learning_path_courses pc WHERE pc.path_id = p.id) AS course_count,
		       (SELECT count(*) FROM learning_path_courses pc JOIN courses c ON c.id = pc.course_id
		         WHERE pc.path_id = p.id AND c.status <> 'published') AS unpublished_course_count
		FROM learning_paths p
		JOIN organisations o ON o.id = p.provider_id AND o.kind = 'provider'
		JOIN memberships m ON m.org_id = p.provider_id AND m.user_id = ? AND m.role IN ('instructor', 'admin')
		ORDER BY p.updated_at DESC, p.id`, a.UserID).Scan(&rows).Error
	if err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	return rows, nil
}

// PathCourseChoices lists the courses an author may put in a path of the
// provider: its published courses, by title; and, when pathID is set, the
// path's present courses even if no longer published (so the form can show
// them, and saving asks to take them out). Errors: not_found (not an editor
// of the provider).
func (s *Service) PathCourseChoices(ctx context.Context, a Actor, providerID, pathID string) ([]PathCourse, error) {
	if err := requireEditor(ctx, s.db, a, providerID); err != nil {
		return nil, err
	}
	var out []PathCourse
	err := s.db.WithContext(ctx).Raw(`SELECT `+pathCourseColumns+`, coalesce(pc.position, 0) AS position
		FROM courses c`+pathCourseJoins+`
		LEFT JOIN learning_path_courses pc ON pc.course_id = c.id AND pc.path_id = ?
		WHERE c.provider_id = ? AND (c.status = 'published' OR pc.path_id IS NOT NULL)
		ORDER BY coalesce(c.title_ja, r.content->>'title_ja'), c.code`, nullUUID(pathID), providerID).Scan(&out).Error
	if err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	return out, nil
}

// nullUUID is id for a uuid parameter, or nil when it is not a uuid.
func nullUUID(id string) any {
	if _, err := parseUUID(id); err != nil {
		return nil
	}
	return id
}

// providerCondition is the SQL condition (on organisations o) and argument
// that find a provider by its URL reference: its code, or its id. ok is
// false when ref can be neither.
func providerCondition(ref string) (cond string, arg string, ok bool) {
	if _, err := parseUUID(ref); err == nil && len(ref) == 36 {
		return "o.id = ?", strings.ToLower(ref), true
	}
	if CodeProblem(ref) == "" {
		return "o.code = ?", ref, true
	}
	return "", "", false
}

// PublishedPath returns the public page of the path with code at the
// provider named by providerRef (its code, or its id). Only a path whose
// every course is published is shown; anything else is not_found.
// Errors: not_found.
func (s *Service) PublishedPath(ctx context.Context, providerRef, code string) (*PathDetail, error) {
	notFound := apperr.New(apperr.NotFound, "error.not_found")
	cond, arg, ok := providerCondition(providerRef)
	if !ok || CodeProblem(code) != "" {
		return nil, notFound
	}
	var p LearningPath
	res := s.db.WithContext(ctx).Raw(`SELECT p.* FROM learning_paths p JOIN organisations o ON o.id = p.provider_id
		WHERE `+cond+` AND p.code = ?`, arg, code).Scan(&p)
	if res.Error != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, notFound
	}
	d, err := pathDetail(ctx, s.db, &p)
	if err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	if d.UnpublishedCourseCount > 0 || len(d.Courses) == 0 {
		return nil, notFound
	}
	return d, nil
}

// PathLink names a path on a course's public page.
type PathLink struct {
	Code           string
	ProviderID     string
	ProviderCode   *string
	Title          i18n.Text `gorm:"embedded;embeddedPrefix:title_"`
	CourseCount    int
	CoursePosition int // the course's place in the path
}

// ProviderRef is how the path's public URL names its provider.
func (l *PathLink) ProviderRef() string {
	if l.ProviderCode != nil && *l.ProviderCode != "" {
		return *l.ProviderCode
	}
	return l.ProviderID
}

// CourseCredential is what a course's public page says about the
// credential it earns: how long it stays valid and the learning paths the
// course belongs to (only paths whose every course is published).
type CourseCredential struct {
	ValidMonths *int
	Paths       []PathLink
}

// CourseCredentialInfo returns the credential facts of a published course
// for its public page. Errors: not_found.
func (s *Service) CourseCredentialInfo(ctx context.Context, courseID string) (*CourseCredential, error) {
	if _, err := parseUUID(courseID); err != nil {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	var cc CourseCredential
	db := s.db.WithContext(ctx)
	var row struct{ CredentialValidMonths *int }
	res := db.Raw(`SELECT credential_valid_months FROM courses WHERE id = ? AND status = 'published'`, courseID).Scan(&row)
	if res.Error != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", res.Error)
	}
	if res.RowsAffected == 0 {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	cc.ValidMonths = row.CredentialValidMonths
	err := db.Raw(`SELECT p.code, p.provider_id, o.code AS provider_code, p.title_ja, p.title_en, mine.position AS course_position,
		       (SELECT count(*) FROM learning_path_courses n WHERE n.path_id = p.id) AS course_count
		FROM learning_path_courses mine
		JOIN learning_paths p ON p.id = mine.path_id
		JOIN organisations o ON o.id = p.provider_id
		WHERE mine.course_id = ?
		  AND NOT EXISTS (SELECT 1 FROM learning_path_courses pc JOIN courses c ON c.id = pc.course_id
		                  WHERE pc.path_id = p.id AND c.status <> 'published')
		ORDER BY p.title_ja, p.code`, courseID).Scan(&cc.Paths).Error
	if err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	return &cc, nil
}
