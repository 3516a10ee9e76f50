package progress

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"takumi/internal/apperr"
	"takumi/internal/audit"
	"takumi/internal/database"
	"takumi/internal/i18n"
)

// Programme is a national target as platform admins manage it: who counts
// is decided by its dates and its rule (skill areas and/or courses).
type Programme struct {
	ID            string
	Code          string
	NameJa        string
	NameEn        string
	DescriptionJa string
	DescriptionEn string
	Target        int64
	StartsOn      time.Time // a calendar day (Asia/Tokyo), as a UTC midnight
	EndsOn        time.Time // the last day that counts, included
	Flagship      bool
	SkillAreas    []string
	CourseIDs     []string
	UpdatedAt     time.Time
	// Learners is the engine's current count (unique learners counted
	// toward the target), filled by List and Get.
	Learners int64
}

// Name returns the programme's name in lang (Japanese unless "en").
func (p *Programme) Name(lang string) string {
	return i18n.Pick(lang, p.NameJa, p.NameEn)
}

// ProgrammeInput is what the admin form edits, as typed: numbers and dates
// are parsed here so each problem is reported next to its field.
type ProgrammeInput struct {
	Code          string // only read by Create: a programme's code never changes
	NameJa        string
	NameEn        string
	DescriptionJa string
	DescriptionEn string
	Target        string // a whole number > 0
	StartsOn      string // YYYY-MM-DD
	EndsOn        string // YYYY-MM-DD, after StartsOn
	Flagship      bool
	SkillAreas    []string // skill area codes
	CourseIDs     []string // ids of published courses
}

// Actor is who changes a programme, for the authorisation check and the
// audit log.
type Actor struct {
	UserID string
	IP     string
}

// QualifyingCourse is a published course a programme's rule can name.
type QualifyingCourse struct {
	ID           string
	Code         string
	TitleJa      string
	TitleEn      string
	ProviderName string
	SkillArea    string
}

// Title returns the course title in lang, falling back to Japanese.
func (c *QualifyingCourse) Title(lang string) string {
	return i18n.Pick(lang, c.TitleJa, c.TitleEn)
}

// Programmes manages programmes (platform admins only). Every change is
// audited, and a change of a programme's dates or rule recounts who
// counts toward it in the same transaction (RebuildProgramme).
type Programmes struct {
	db *gorm.DB
}

// NewProgrammes returns the programme service over db.
func NewProgrammes(db *gorm.DB) *Programmes { return &Programmes{db: db} }

// programmeRow is a programmes row as scanned, with its current count.
type programmeRow struct {
	ID            string
	Code          string
	NameJa        string
	NameEn        string
	DescriptionJa string
	DescriptionEn string
	Target        int64
	StartsOn      time.Time
	EndsOn        time.Time
	Flagship      bool
	SkillAreas    database.TextArray `gorm:"type:text[]"`
	CourseIDs     database.TextArray `gorm:"column:course_ids;type:uuid[]"`
	UpdatedAt     time.Time
	Learners      int64
}

func (r programmeRow) programme() Programme {
	return Programme{ID: r.ID, Code: r.Code, NameJa: r.NameJa, NameEn: r.NameEn, DescriptionJa: r.DescriptionJa,
		DescriptionEn: r.DescriptionEn, Target: r.Target, StartsOn: r.StartsOn, EndsOn: r.EndsOn, Flagship: r.Flagship,
		SkillAreas: append([]string{}, r.SkillAreas...), CourseIDs: append([]string{}, r.CourseIDs...),
		UpdatedAt: r.UpdatedAt, Learners: r.Learners}
}

// programmeSelect reads programmes with the engine's current count: the sum
// of the programme's daily totals in progress_rollup (a range scan of its
// primary key, one row per day).
const programmeSelect = `SELECT p.id, p.code, p.name_ja, p.name_en, p.description_ja, p.description_en, p.target,
	p.starts_on, p.ends_on, p.flagship, p.skill_areas, p.course_ids, p.updated_at,
	coalesce((SELECT sum(r.learners) FROM progress_rollup r WHERE r.programme_id = p.id AND r.d1 = '' AND r.d2 = ''), 0) AS learners
	FROM programmes p`

// List returns every programme with its current count, the flagship first.
func (s *Programmes) List(ctx context.Context) ([]Programme, error) {
	var rows []programmeRow
	if err := s.db.WithContext(ctx).Raw(programmeSelect + ` ORDER BY p.flagship DESC, p.starts_on, p.code`).Scan(&rows).Error; err != nil {
		return nil, apperr.Coded(err)
	}
	out := make([]Programme, len(rows))
	for i, r := range rows {
		out[i] = r.programme()
	}
	return out, nil
}

// All returns every programme without its count, the flagship first: what
// the reporting pages read on every request.
func All(ctx context.Context, db *gorm.DB) ([]Programme, error) {
	var rows []programmeRow
	if err := db.WithContext(ctx).Raw(`SELECT id, code, name_ja, name_en, description_ja, description_en, target,
		starts_on, ends_on, flagship, skill_areas, course_ids FROM programmes ORDER BY flagship DESC, starts_on, code`).Scan(&rows).Error; err != nil {
		return nil, err
	}
	out := make([]Programme, len(rows))
	for i, r := range rows {
		out[i] = r.programme()
	}
	return out, nil
}

// Get returns the programme with id. Errors: not_found.
func (s *Programmes) Get(ctx context.Context, id string) (*Programme, error) {
	return programmeByID(ctx, s.db, id)
}

func programmeByID(ctx context.Context, db *gorm.DB, id string) (*Programme, error) {
	if _, err := uuid.Parse(id); err != nil {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	var rows []programmeRow
	if err := db.WithContext(ctx).Raw(programmeSelect+` WHERE p.id = ?`, id).Scan(&rows).Error; err != nil {
		return nil, apperr.Coded(err)
	}
	if len(rows) == 0 {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	p := rows[0].programme()
	return &p, nil
}

// Courses lists the published courses a rule can name, by provider and code.
func (s *Programmes) Courses(ctx context.Context) ([]QualifyingCourse, error) {
	var out []QualifyingCourse
	err := s.db.WithContext(ctx).Raw(`SELECT c.id, c.code, coalesce(c.title_ja, '') AS title_ja, coalesce(c.title_en, '') AS title_en,
		o.name_ja AS provider_name, coalesce(c.skill_area_code, '') AS skill_area
		FROM courses c JOIN organisations o ON o.id = c.provider_id
		WHERE c.status = 'published' ORDER BY o.name_ja, c.code`).Scan(&out).Error
	return out, apperr.Coded(err)
}

var programmeCodeRe = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,39}$`)

// checked is a ProgrammeInput after parsing.
type checked struct {
	target          int64
	starts, ends    time.Time
	skills, courses []string
	nameJa, nameEn  string
	descJa, descEn  string
	flagship        bool
	errs            map[string]string
}

// Dates a programme may run between: anything else is a typing mistake.
var (
	earliestProgrammeDay = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	latestProgrammeDay   = time.Date(2100, 12, 31, 0, 0, 0, 0, time.UTC)
)

// check validates in apart from what needs the database (code taken,
// skill areas and courses exist) and returns the parsed values with
// field -> message key for each problem.
func (in ProgrammeInput) check() checked {
	c := checked{errs: map[string]string{}, flagship: in.Flagship}
	c.nameJa, c.nameEn = strings.TrimSpace(in.NameJa), strings.TrimSpace(in.NameEn)
	c.descJa, c.descEn = strings.TrimSpace(in.DescriptionJa), strings.TrimSpace(in.DescriptionEn)
	for field, v := range map[string]string{"name_ja": c.nameJa, "name_en": c.nameEn} {
		switch {
		case v == "":
			c.errs[field] = "programmes.err_name_required"
		case utf8.RuneCountInString(v) > 200:
			c.errs[field] = "programmes.err_name_too_long"
		}
	}
	for field, v := range map[string]string{"description_ja": c.descJa, "description_en": c.descEn} {
		if utf8.RuneCountInString(v) > 2000 {
			c.errs[field] = "programmes.err_description_too_long"
		}
	}
	// Digits only (commas and spaces as typed are allowed: "1,000,000").
	t := strings.NewReplacer(",", "", " ", "", "_", "", "，", "").Replace(strings.TrimSpace(in.Target))
	n, err := strconv.ParseInt(t, 10, 64)
	switch {
	case t == "":
		c.errs["target"] = "programmes.err_target_required"
	case err != nil || n <= 0 || n > math.MaxInt32:
		c.errs["target"] = "programmes.err_target"
	default:
		c.target = n
	}
	c.starts = parseDay(in.StartsOn, "starts_on", c.errs)
	c.ends = parseDay(in.EndsOn, "ends_on", c.errs)
	if c.errs["starts_on"] == "" && c.errs["ends_on"] == "" && !c.ends.After(c.starts) {
		c.errs["ends_on"] = "programmes.err_dates_order"
	}
	seen := map[string]bool{}
	for _, v := range in.SkillAreas {
		if v = strings.TrimSpace(v); v != "" && !seen[v] {
			seen[v] = true
			c.skills = append(c.skills, v)
		}
	}
	for _, v := range in.CourseIDs {
		v = strings.ToLower(strings.TrimSpace(v))
		if v == "" || seen[v] {
			continue
		}
		seen[v] = true
		if _, err := uuid.Parse(v); err != nil {
			c.errs["course_ids"] = "programmes.err_course_unknown"
			continue
		}
		c.courses = append(c.courses, v)
	}
	slices.Sort(c.skills)
	slices.Sort(c.courses)
	if len(c.skills)+len(c.courses) == 0 && c.errs["course_ids"] == "" {
		c.errs["rule"] = "programmes.err_rule_required"
	}
	return c
}

func parseDay(v, field string, errs map[string]string) time.Time {
	v = strings.TrimSpace(v)
	if v == "" {
		errs[field] = "programmes.err_date_required"
		return time.Time{}
	}
	d, err := time.Parse(time.DateOnly, v)
	if err != nil || d.Before(earliestProgrammeDay) || d.After(latestProgrammeDay) {
		errs[field] = "programmes.err_date"
		return time.Time{}
	}
	return d
}

// checkReferences adds errors for skill areas that do not exist and for
// courses that are not published.
func (c *checked) checkReferences(ctx context.Context, tx *gorm.DB) error {
	if len(c.skills) > 0 {
		var found []string
		if err := tx.WithContext(ctx).Raw(`SELECT code FROM skill_areas WHERE code = ANY (?)`, database.Array(c.skills)).Scan(&found).Error; err != nil {
			return err
		}
		if len(found) != len(c.skills) {
			c.errs["skill_areas"] = "programmes.err_skill_area_unknown"
		}
	}
	if len(c.courses) > 0 {
		var found []string
		if err := tx.WithContext(ctx).Raw(`SELECT id::text FROM courses WHERE id = ANY (?::uuid[]) AND status = 'published'`,
			database.Array(c.courses)).Scan(&found).Error; err != nil {
			return err
		}
		if len(found) != len(c.courses) {
			c.errs["course_ids"] = "programmes.err_course_unknown"
		}
	}
	return nil
}

// requirePlatformAdmin checks, inside tx, that userID is an enabled
// platform admin. SECURITY: programmes decide the national numbers; the
// domain checks the rule itself, not only the router.
func requirePlatformAdmin(ctx context.Context, tx *gorm.DB, userID string) error {
	if _, err := uuid.Parse(userID); err != nil {
		return apperr.New(apperr.Forbidden, "error.forbidden")
	}
	var ok bool
	if err := tx.WithContext(ctx).Raw(`SELECT EXISTS (SELECT 1 FROM users WHERE id = ? AND is_platform_admin AND disabled_at IS NULL)`,
		userID).Row().Scan(&ok); err != nil {
		return err
	}
	if !ok {
		return apperr.New(apperr.Forbidden, "error.forbidden")
	}
	return nil
}

// lockProgrammes serialises programme changes with each other and with
// the engine (the engine's own lock): a rebuild must not interleave with a
// batch that changes the same achievements, and two admins cannot make two
// flagships at once.
func lockProgrammes(ctx context.Context, tx *gorm.DB) error {
	return tx.WithContext(ctx).Exec(`SELECT pg_advisory_xact_lock(?)`, engineLockKey).Error
}

// unsetFlagship takes the flagship mark from every programme but keep and
// returns the code of the one that had it ("" for none).
func unsetFlagship(ctx context.Context, tx *gorm.DB, keep string) (string, error) {
	var codes []string
	q := `UPDATE programmes SET flagship = false, updated_at = now() WHERE flagship RETURNING code`
	args := []any{}
	if keep != "" {
		q = `UPDATE programmes SET flagship = false, updated_at = now() WHERE flagship AND id <> ? RETURNING code`
		args = append(args, keep)
	}
	if err := tx.WithContext(ctx).Raw(q, args...).Scan(&codes).Error; err != nil {
		return "", err
	}
	return strings.Join(codes, ","), nil
}

func (c *checked) details() map[string]any {
	return map[string]any{"name_ja": c.nameJa, "name_en": c.nameEn, "target": c.target,
		"starts_on": c.starts.Format(time.DateOnly), "ends_on": c.ends.Format(time.DateOnly), "flagship": c.flagship,
		"skill_areas": nonNil(c.skills), "course_ids": nonNil(c.courses)}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// Create adds a programme, counts who already qualifies under its rule
// (RebuildProgramme) and audits "programme.create", all in one
// transaction. Making it the flagship takes the mark from the old one.
// Only platform admins may. Errors: invalid (fields code, name_ja,
// name_en, description_ja, description_en, target, starts_on, ends_on,
// skill_areas, course_ids, rule), forbidden.
func (s *Programmes) Create(ctx context.Context, a Actor, in ProgrammeInput) (*Programme, error) {
	c := in.check()
	code := strings.TrimSpace(in.Code)
	switch {
	case code == "":
		c.errs["code"] = "programmes.err_code_required"
	case !programmeCodeRe.MatchString(code):
		c.errs["code"] = "programmes.err_code_format"
	}
	var id string
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := requirePlatformAdmin(ctx, tx, a.UserID); err != nil {
			return err
		}
		if err := lockProgrammes(ctx, tx); err != nil {
			return err
		}
		if err := c.checkReferences(ctx, tx); err != nil {
			return err
		}
		if c.errs["code"] == "" {
			var taken bool
			if err := tx.Raw(`SELECT EXISTS (SELECT 1 FROM programmes WHERE code = ?)`, code).Row().Scan(&taken); err != nil {
				return err
			}
			if taken {
				c.errs["code"] = "programmes.err_code_taken"
			}
		}
		if len(c.errs) > 0 {
			return apperr.FieldErrors(c.errs)
		}
		details := c.details()
		details["code"] = code
		if c.flagship {
			old, err := unsetFlagship(ctx, tx, "")
			if err != nil {
				return err
			}
			if old != "" {
				details["flagship_replaced"] = old
			}
		}
		if err := tx.Raw(`INSERT INTO programmes (code, name_ja, name_en, description_ja, description_en, target, starts_on, ends_on,
				flagship, skill_areas, course_ids) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?::text[], ?::uuid[]) RETURNING id`,
			code, c.nameJa, c.nameEn, c.descJa, c.descEn, c.target, c.starts.Format(time.DateOnly), c.ends.Format(time.DateOnly),
			c.flagship, database.Array(nonNil(c.skills)), database.Array(nonNil(c.courses))).Row().Scan(&id); err != nil {
			return err
		}
		counted, err := RebuildProgramme(ctx, tx, id)
		if err != nil {
			return err
		}
		details["learners_counted"] = counted
		return audit.Record(ctx, tx, audit.Entry{ActorID: a.UserID, Action: "programme.create", TargetType: "programme",
			TargetID: id, IP: a.IP, Details: details})
	})
	if err != nil {
		return nil, apperr.Coded(err)
	}
	return programmeByID(ctx, s.db, id)
}

// Update changes a programme (never its code) and audits
// "programme.update" with what it was before. When its dates or rule
// change, who counts is recomputed from the event log in the same
// transaction (RebuildProgramme). Making it the flagship takes the mark
// from the old one; a programme cannot stop being the flagship except by
// another becoming it (the national page needs one). Only platform admins
// may. Errors: invalid (fields as Create, and "flagship"), not_found,
// forbidden.
func (s *Programmes) Update(ctx context.Context, a Actor, id string, in ProgrammeInput) error {
	c := in.check()
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := requirePlatformAdmin(ctx, tx, a.UserID); err != nil {
			return err
		}
		if err := lockProgrammes(ctx, tx); err != nil {
			return err
		}
		before, err := programmeByID(ctx, tx, id)
		if err != nil {
			return err
		}
		if err := c.checkReferences(ctx, tx); err != nil {
			return err
		}
		if before.Flagship && !c.flagship {
			c.errs["flagship"] = "programmes.err_flagship_keep"
		}
		if len(c.errs) > 0 {
			return apperr.FieldErrors(c.errs)
		}
		details := c.details()
		details["code"] = before.Code
		details["before"] = map[string]any{"name_ja": before.NameJa, "name_en": before.NameEn, "target": before.Target,
			"starts_on": before.StartsOn.Format(time.DateOnly), "ends_on": before.EndsOn.Format(time.DateOnly),
			"flagship": before.Flagship, "skill_areas": before.SkillAreas, "course_ids": before.CourseIDs}
		if c.flagship && !before.Flagship {
			old, err := unsetFlagship(ctx, tx, id)
			if err != nil {
				return err
			}
			if old != "" {
				details["flagship_replaced"] = old
			}
		}
		if err := tx.Exec(`UPDATE programmes SET name_ja = ?, name_en = ?, description_ja = ?, description_en = ?, target = ?,
				starts_on = ?, ends_on = ?, flagship = ?, skill_areas = ?::text[], course_ids = ?::uuid[], updated_at = now()
				WHERE id = ?`,
			c.nameJa, c.nameEn, c.descJa, c.descEn, c.target, c.starts.Format(time.DateOnly), c.ends.Format(time.DateOnly),
			c.flagship, database.Array(nonNil(c.skills)), database.Array(nonNil(c.courses)), id).Error; err != nil {
			return err
		}
		ruleChanged := !c.starts.Equal(before.StartsOn) || !c.ends.Equal(before.EndsOn) ||
			!slices.Equal(c.skills, sorted(before.SkillAreas)) || !slices.Equal(c.courses, sorted(before.CourseIDs))
		if ruleChanged {
			counted, err := RebuildProgramme(ctx, tx, id)
			if err != nil {
				return err
			}
			details["learners_counted"] = counted
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: a.UserID, Action: "programme.update", TargetType: "programme",
			TargetID: id, IP: a.IP, Details: details})
	})
	return apperr.Coded(err)
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

// RebuildProgramme recounts one programme from the event log inside tx,
// after its dates or rule changed (or it was just created): it deletes the
// programme's achievements and progress_rollup rows, applies the counting
// rule (queries/achievements.sql, the rule the engine and Reconcile use) to every
// learner, stores the achievements and writes their rollup rows with the
// engine's own accumulation (deltas). It holds the engine's lock, so no
// engine batch interleaves, and like the engine it reads the whole visible
// log: when the engine later applies an event already counted here, it
// finds nothing changed. It returns the number of learners counted.
func RebuildProgramme(ctx context.Context, tx *gorm.DB, programmeID string) (int, error) {
	if err := lockProgrammes(ctx, tx); err != nil {
		return 0, err
	}
	db := tx.WithContext(ctx)
	if err := db.Exec(`DELETE FROM programme_achievements WHERE programme_id = ?`, programmeID).Error; err != nil {
		return 0, err
	}
	if err := db.Exec(`DELETE FROM progress_monthly WHERE programme_id = ?`, programmeID).Error; err != nil {
		return 0, err
	}
	if err := db.Exec(`DELETE FROM progress_rollup WHERE programme_id = ?`, programmeID).Error; err != nil {
		return 0, err
	}
	var now []Achievement
	if err := db.Raw(query("rebuild_achievements"),
		programmeID).Scan(&now).Error; err != nil {
		return 0, err
	}
	acc := deltas{}
	for _, a := range now {
		acc.add(a.ProgrammeID, a.AchievedAt, a.dims(), 1)
	}
	if err := writeDeltas(ctx, tx, acc); err != nil {
		return 0, err
	}
	return len(now), nil
}

// ProgrammeSpec is a programme of the reference data (the demo and the
// scale data set load the same ones).
type ProgrammeSpec struct {
	Code                         string
	NameJa, NameEn               string
	DescriptionJa, DescriptionEn string
	Target                       int64
	StartsOn, EndsOn             string // YYYY-MM-DD
	Flagship                     bool
	SkillAreas                   []string
}

// NationalProgrammes are the programmes of the national plan the demo and
// `takumi seed` load: the flagship "1,000,000 AI-ready workers by 2030"
// (credentials in the AI skill areas) and a smaller cybersecurity
// programme.
var NationalProgrammes = []ProgrammeSpec{
	{
		Code:   "ai-ready-2030",
		NameJa: "AI人材100万人", NameEn: "1,000,000 AI-ready workers by 2030",
		DescriptionJa: "2030年までに、AI・データ活用または生成AIの修了証を取得した働く人を100万人にする国家目標。",
		DescriptionEn: "The national target: one million workers holding a credential in AI and data or generative AI by 2030.",
		Target:        1_000_000, StartsOn: "2026-01-01", EndsOn: "2030-12-31", Flagship: true,
		SkillAreas: []string{"ai_data", "generative_ai"},
	},
	{
		Code:   "cyber-50k",
		NameJa: "サイバーセキュリティ人材5万人", NameEn: "50,000 cybersecurity workers",
		DescriptionJa: "2028年3月までに、サイバーセキュリティの修了証を取得した働く人を5万人にする目標。",
		DescriptionEn: "50,000 workers holding a cybersecurity credential by March 2028.",
		Target:        50_000, StartsOn: "2026-04-01", EndsOn: "2028-03-31",
		SkillAreas: []string{"cybersecurity"},
	},
}

// EnsureProgrammes creates the programmes of specs whose code does not
// exist yet (an existing one is left as it is), counts who already
// qualifies for each new one (RebuildProgramme) and audits
// "programme.create" (no actor: reference data), in one transaction. A
// spec's flagship mark is kept only when no programme is the flagship yet;
// skill areas missing from the taxonomy are left out. It returns how many
// programmes it created.
func EnsureProgrammes(ctx context.Context, db *gorm.DB, specs []ProgrammeSpec) (int, error) {
	created := 0
	err := db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := lockProgrammes(ctx, tx); err != nil {
			return err
		}
		for _, p := range specs {
			var ids []string
			if err := tx.Raw(`INSERT INTO programmes (code, name_ja, name_en, description_ja, description_en, target, starts_on, ends_on,
					flagship, skill_areas)
				SELECT ?, ?, ?, ?, ?, ?, ?::date, ?::date, ? AND NOT EXISTS (SELECT 1 FROM programmes WHERE flagship),
				       ARRAY(SELECT code FROM skill_areas WHERE code = ANY (?::text[]) ORDER BY code)
				ON CONFLICT (code) DO NOTHING RETURNING id`,
				p.Code, p.NameJa, p.NameEn, p.DescriptionJa, p.DescriptionEn, p.Target, p.StartsOn, p.EndsOn, p.Flagship,
				database.Array(p.SkillAreas)).Scan(&ids).Error; err != nil {
				return fmt.Errorf("programme %s: %w", p.Code, err)
			}
			if len(ids) == 0 {
				continue
			}
			counted, err := RebuildProgramme(ctx, tx, ids[0])
			if err != nil {
				return err
			}
			if err := audit.Record(ctx, tx, audit.Entry{Action: "programme.create", TargetType: "programme", TargetID: ids[0],
				Details: map[string]any{"code": p.Code, "source": "reference data", "target": p.Target,
					"starts_on": p.StartsOn, "ends_on": p.EndsOn, "skill_areas": p.SkillAreas, "learners_counted": counted}}); err != nil {
				return err
			}
			created++
		}
		return nil
	})
	return created, err
}
