package catalog

// The authoring studio's edits: a course's details, its modules and lessons
// and their order, and each lesson's completion rule and reading text. Every
// edit is a function on the draft's Content run through EditDraft, so it is
// authorised (not_found for other providers' courses), locked, checked
// against the lock version the editor loaded, and structure-checked before
// it is saved.

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"gorm.io/gorm"

	"takumi/internal/apperr"
	"takumi/internal/i18n"
)

// Directions a module or lesson can move in.
const (
	MoveUp   = "up"
	MoveDown = "down"
)

// ModuleTitles are the names of a module.
type ModuleTitles struct {
	TitleJa string
	TitleEn string
}

// check trims the titles and returns field -> message key for problems.
func (t *ModuleTitles) check() map[string]string {
	errs := map[string]string{}
	t.TitleJa, t.TitleEn = strings.TrimSpace(t.TitleJa), strings.TrimSpace(t.TitleEn)
	checkTitles(errs, t.TitleJa, t.TitleEn)
	return errs
}

func checkTitles(errs map[string]string, ja, en string) {
	switch {
	case ja == "":
		errs["title_ja"] = "catalog.err_title_required"
	case utf8.RuneCountInString(ja) > maxTitle:
		errs["title_ja"] = "catalog.err_too_long"
	}
	if utf8.RuneCountInString(en) > maxTitle {
		errs["title_en"] = "catalog.err_too_long"
	}
}

// NewLesson is what adding a lesson needs.
type NewLesson struct {
	Kind    string // one of LessonKinds
	TitleJa string
	TitleEn string
}

// LessonEdit is what the lesson editor changes: the titles, the completion
// rule (Required; MinMinutes for reading and video lessons; MustPass for
// quizzes) and, for reading lessons, the Markdown body.
type LessonEdit struct {
	TitleJa    string
	TitleEn    string
	Required   bool
	MinMinutes int
	MustPass   bool
	BodyMd     string
}

// Check trims the edit and returns field -> message key for every problem,
// for a lesson of kind.
func (e *LessonEdit) Check(kind string) map[string]string {
	errs := map[string]string{}
	e.TitleJa, e.TitleEn = strings.TrimSpace(e.TitleJa), strings.TrimSpace(e.TitleEn)
	checkTitles(errs, e.TitleJa, e.TitleEn)
	if e.MinMinutes < 0 || e.MinMinutes > maxMinMinutes {
		errs["min_minutes"] = "studio.err_min_minutes"
	}
	if kind == LessonReading && len(e.BodyMd) > maxMarkdown {
		errs["body_md"] = "catalog.err_too_long"
	}
	return errs
}

// Details are the course's descriptive fields: what the details form edits.
type Details struct {
	TitleJa        string
	TitleEn        string
	SummaryJa      string
	SummaryEn      string
	DescriptionMd  string
	SkillArea      string
	Level          string
	EstimatedHours float64
	Language       string
	DeliveryMode   string
}

// DetailsOf returns the descriptive fields of c.
func DetailsOf(c *Content) Details {
	return Details{TitleJa: c.TitleJa, TitleEn: c.TitleEn, SummaryJa: c.SummaryJa, SummaryEn: c.SummaryEn,
		DescriptionMd: c.DescriptionMd, SkillArea: c.SkillArea, Level: c.Level, EstimatedHours: c.EstimatedHours,
		Language: c.Language, DeliveryMode: c.DeliveryMode}
}

// apply copies d onto c, leaving the modules alone.
func (d Details) apply(c *Content) {
	c.TitleJa, c.TitleEn, c.SummaryJa, c.SummaryEn = d.TitleJa, d.TitleEn, d.SummaryJa, d.SummaryEn
	c.DescriptionMd, c.SkillArea, c.Level, c.EstimatedHours = d.DescriptionMd, d.SkillArea, d.Level, d.EstimatedHours
	c.Language, c.DeliveryMode = d.Language, d.DeliveryMode
}

// UpdateDetails replaces the draft's details after CheckDetails. Errors:
// invalid (per field), not_found, conflict ("catalog.err_stale",
// "catalog.err_archived").
func (s *Service) UpdateDetails(ctx context.Context, a Actor, courseID string, lockVersion int, d Details) (*Revision, error) {
	exists := s.SkillAreaExists(ctx)
	return s.EditDraft(ctx, a, courseID, lockVersion, func(c *Content) error {
		next := *c
		d.apply(&next)
		if errs := next.CheckDetails(exists); len(errs) > 0 {
			return apperr.FieldErrors(errs)
		}
		*c = next
		return nil
	})
}

// AddModule appends a module and returns the revision and the module's id.
// Errors: invalid (title_ja, title_en; "catalog.err_too_many"), not_found,
// conflict.
func (s *Service) AddModule(ctx context.Context, a Actor, courseID string, lockVersion int, t ModuleTitles) (*Revision, string, error) {
	id := NewID()
	rev, err := s.EditDraft(ctx, a, courseID, lockVersion, func(c *Content) error {
		if errs := t.check(); len(errs) > 0 {
			return apperr.FieldErrors(errs)
		}
		c.Modules = append(c.Modules, Module{ID: id, TitleJa: t.TitleJa, TitleEn: t.TitleEn, Lessons: []Lesson{}})
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	return rev, id, nil
}

// UpdateModule renames a module. Errors: invalid, not_found (course or
// module), conflict.
func (s *Service) UpdateModule(ctx context.Context, a Actor, courseID string, lockVersion int, moduleID string, t ModuleTitles) (*Revision, error) {
	return s.EditDraft(ctx, a, courseID, lockVersion, func(c *Content) error {
		if errs := t.check(); len(errs) > 0 {
			return apperr.FieldErrors(errs)
		}
		_, m := c.FindModule(moduleID)
		if m == nil {
			return apperr.New(apperr.NotFound, "error.not_found")
		}
		m.TitleJa, m.TitleEn = t.TitleJa, t.TitleEn
		return nil
	})
}

// DeleteModule removes a module with all its lessons. Learners keep
// progress already recorded; the lessons simply leave the next revision.
// Errors: not_found, conflict.
func (s *Service) DeleteModule(ctx context.Context, a Actor, courseID string, lockVersion int, moduleID string) (*Revision, error) {
	return s.EditDraft(ctx, a, courseID, lockVersion, func(c *Content) error {
		i, _ := c.FindModule(moduleID)
		if i < 0 {
			return apperr.New(apperr.NotFound, "error.not_found")
		}
		c.Modules = append(c.Modules[:i], c.Modules[i+1:]...)
		return nil
	})
}

// MoveModule moves a module one place up or down (MoveUp, MoveDown). At
// either end it stays where it is. Errors: invalid (unknown direction),
// not_found, conflict.
func (s *Service) MoveModule(ctx context.Context, a Actor, courseID string, lockVersion int, moduleID, direction string) (*Revision, error) {
	return s.EditDraft(ctx, a, courseID, lockVersion, func(c *Content) error {
		step, err := stepOf(direction)
		if err != nil {
			return err
		}
		i, _ := c.FindModule(moduleID)
		if i < 0 {
			return apperr.New(apperr.NotFound, "error.not_found")
		}
		if j := i + step; j >= 0 && j < len(c.Modules) {
			c.Modules[i], c.Modules[j] = c.Modules[j], c.Modules[i]
		}
		return nil
	})
}

// AddLesson appends a lesson of in.Kind to a module and returns the revision
// and the lesson's id. A new lesson is required; a quiz starts with no
// questions, a pass mark of 70% and must be passed. Errors: invalid (kind,
// title_ja, title_en; "catalog.err_too_many"), not_found, conflict.
func (s *Service) AddLesson(ctx context.Context, a Actor, courseID string, lockVersion int, moduleID string, in NewLesson) (*Revision, string, error) {
	errs := map[string]string{}
	in.TitleJa, in.TitleEn = strings.TrimSpace(in.TitleJa), strings.TrimSpace(in.TitleEn)
	checkTitles(errs, in.TitleJa, in.TitleEn)
	if !slices.Contains(LessonKinds, in.Kind) {
		errs["kind"] = "studio.err_lesson_kind"
	}
	id := NewID()
	rev, err := s.EditDraft(ctx, a, courseID, lockVersion, func(c *Content) error {
		// Validated inside the edit, after the authorisation check, so
		// another provider's course answers not_found whatever was typed.
		if len(errs) > 0 {
			return apperr.FieldErrors(errs)
		}
		_, m := c.FindModule(moduleID)
		if m == nil {
			return apperr.New(apperr.NotFound, "error.not_found")
		}
		l := Lesson{ID: id, Kind: in.Kind, TitleJa: in.TitleJa, TitleEn: in.TitleEn, Required: true}
		if in.Kind == LessonQuiz {
			l.Quiz = &Quiz{PassPercent: 70, Questions: []Question{}}
			l.MustPass = true
		}
		m.Lessons = append(m.Lessons, l)
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	return rev, id, nil
}

// UpdateLesson saves the lesson editor's fields. MinMinutes applies to
// reading and video lessons only and MustPass to quizzes only (others are
// reset); BodyMd is saved for reading lessons only. Errors: invalid (per
// field), not_found (course or lesson), conflict.
func (s *Service) UpdateLesson(ctx context.Context, a Actor, courseID string, lockVersion int, lessonID string, in LessonEdit) (*Revision, error) {
	return s.EditDraft(ctx, a, courseID, lockVersion, func(c *Content) error {
		_, _, l := c.FindLesson(lessonID)
		if l == nil {
			return apperr.New(apperr.NotFound, "error.not_found")
		}
		if errs := in.Check(l.Kind); len(errs) > 0 {
			return apperr.FieldErrors(errs)
		}
		l.TitleJa, l.TitleEn, l.Required = in.TitleJa, in.TitleEn, in.Required
		l.MinMinutes, l.MustPass = 0, false
		switch l.Kind {
		case LessonReading:
			l.MinMinutes, l.BodyMd = in.MinMinutes, in.BodyMd
		case LessonVideo:
			l.MinMinutes = in.MinMinutes
		case LessonQuiz:
			l.MustPass = in.MustPass
		}
		return nil
	})
}

// MoveLesson moves a lesson one place up or down within its module. At
// either end it stays where it is. Errors: invalid, not_found, conflict.
func (s *Service) MoveLesson(ctx context.Context, a Actor, courseID string, lockVersion int, lessonID, direction string) (*Revision, error) {
	return s.EditDraft(ctx, a, courseID, lockVersion, func(c *Content) error {
		step, err := stepOf(direction)
		if err != nil {
			return err
		}
		mi, li, l := c.FindLesson(lessonID)
		if l == nil {
			return apperr.New(apperr.NotFound, "error.not_found")
		}
		ls := c.Modules[mi].Lessons
		if j := li + step; j >= 0 && j < len(ls) {
			ls[li], ls[j] = ls[j], ls[li]
		}
		return nil
	})
}

// MoveLessonToModule moves a lesson to the end of another module (nothing
// changes when it is already in that module). Errors: not_found (course,
// lesson or module), conflict.
func (s *Service) MoveLessonToModule(ctx context.Context, a Actor, courseID string, lockVersion int, lessonID, moduleID string) (*Revision, error) {
	return s.EditDraft(ctx, a, courseID, lockVersion, func(c *Content) error {
		mi, li, l := c.FindLesson(lessonID)
		ti, _ := c.FindModule(moduleID)
		if l == nil || ti < 0 {
			return apperr.New(apperr.NotFound, "error.not_found")
		}
		if ti == mi {
			return nil
		}
		moved := *l
		from := &c.Modules[mi]
		from.Lessons = append(from.Lessons[:li], from.Lessons[li+1:]...)
		c.Modules[ti].Lessons = append(c.Modules[ti].Lessons, moved)
		return nil
	})
}

// DeleteLesson removes a lesson. Errors: not_found, conflict.
func (s *Service) DeleteLesson(ctx context.Context, a Actor, courseID string, lockVersion int, lessonID string) (*Revision, error) {
	return s.EditDraft(ctx, a, courseID, lockVersion, func(c *Content) error {
		mi, li, l := c.FindLesson(lessonID)
		if l == nil {
			return apperr.New(apperr.NotFound, "error.not_found")
		}
		c.Modules[mi].Lessons = append(c.Modules[mi].Lessons[:li], c.Modules[mi].Lessons[li+1:]...)
		return nil
	})
}

func stepOf(direction string) (int, error) {
	switch direction {
	case MoveUp:
		return -1, nil
	case MoveDown:
		return 1, nil
	}
	return 0, apperr.New(apperr.Invalid, "studio.err_direction")
}

// LatestRevision returns a course the actor may author and its newest
// revision: the open draft when there is one, else the last published
// revision. Unlike Draft it never opens a new draft, so looking at a course
// changes nothing. Errors: not_found.
func (s *Service) LatestRevision(ctx context.Context, a Actor, courseID string) (*Course, *Revision, error) {
	c, err := s.Course(ctx, a, courseID)
	if err != nil {
		return nil, nil, err
	}
	var rev Revision
	err = s.db.WithContext(ctx).Where("course_id = ?", c.ID).Order("number DESC").Take(&rev).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	if err != nil {
		return nil, nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	return c, &rev, nil
}

// EditLockVersion is the lock version an editor of r passes to EditDraft:
// the draft's own, or 1 for a published revision, since the draft the first
// edit opens starts at version 1 (so an edit made after someone else has
// already changed that new draft is refused as stale).
func (r *Revision) EditLockVersion() int {
	h := r.Head()
	return h.EditLockVersion()
}

// Head is the revision's head: its number, versions, times and titles.
func (r *Revision) Head() RevisionHead {
	return RevisionHead{Number: r.Number, LockVersion: r.LockVersion, UpdatedAt: r.UpdatedAt, PublishedAt: r.PublishedAt,
		TitleJa: r.Content.TitleJa, TitleEn: r.Content.TitleEn}
}

// RevisionSummary is one revision in a course's history.
type RevisionSummary struct {
	Number        int
	PublishedAt   *time.Time
	PublisherName string // the publisher's display name ("" when unknown)
	UpdatedAt     time.Time
	PublishNote   string // the author's change note, "" when none
}

// RevisionHistory lists a course's revisions, newest first, without their
// content. Errors: not_found.
func (s *Service) RevisionHistory(ctx context.Context, a Actor, courseID string) ([]RevisionSummary, error) {
	c, err := s.Course(ctx, a, courseID)
	if err != nil {
		return nil, err
	}
	var out []RevisionSummary
	err = s.db.WithContext(ctx).Raw(`
		SELECT r.number, r.published_at, coalesce(u.display_name, '') AS publisher_name, r.updated_at, r.publish_note
		FROM course_revisions r LEFT JOIN users u ON u.id = r.published_by
		WHERE r.course_id = ? ORDER BY r.number DESC`, c.ID).Scan(&out).Error
	if err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	return out, nil
}

// SkillAreaLabel is a skill area's code and names, for choosing one.
type SkillAreaLabel struct {
	Code string
	Name i18n.Text `gorm:"embedded;embeddedPrefix:name_"`
}

// SkillAreaLabels lists the skill areas in display order.
func (s *Service) SkillAreaLabels(ctx context.Context) ([]SkillAreaLabel, error) {
	var out []SkillAreaLabel
	err := s.db.WithContext(ctx).Raw(`SELECT code, name_ja, name_en FROM skill_areas ORDER BY sort_order, code`).Scan(&out).Error
	if err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	return out, nil
}
