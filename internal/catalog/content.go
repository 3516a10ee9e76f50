// Package catalog holds courses: the skills taxonomy, course content and its
// revisions (draft → published → archived), uploaded media, and the public
// catalogue with search. It knows nothing of HTTP.
//
// A course's content is one document (Content) per revision. The studio edits
// the course's single open draft revision; publishing freezes it with the
// next revision number and copies its catalogue fields onto the course row,
// which is all the catalogue reads. Module, lesson, question and option ids
// are UUIDs that stay the same across revisions, so a learner's progress on
// a lesson survives a new revision that keeps the lesson.
package catalog

import (
	"math"
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/google/uuid"

	"takumi/internal/i18n"
)

// FormatVersion names the content document format (also used by export).
const FormatVersion = "takumi-course/1"

// Levels, delivery modes, languages, lesson kinds and question kinds.
const (
	LevelIntroductory = "introductory"
	LevelIntermediate = "intermediate"
	LevelAdvanced     = "advanced"

	DeliverySelfPaced = "self_paced"
	DeliveryCohort    = "cohort"

	LessonReading  = "reading"
	LessonVideo    = "video"
	LessonResource = "resource"
	LessonQuiz     = "quiz"
	// LessonScorm is a SCO of an imported SCORM package (scorm.go). It is
	// not in LessonKinds: the studio cannot add one by hand, only import.
	LessonScorm = "scorm"

	QuestionSingle    = "single"
	QuestionMultiple  = "multiple"
	QuestionTrueFalse = "true_false"
	QuestionNumeric   = "numeric"
)

// Allowed values, in display order.
var (
	Levels        = []string{LevelIntroductory, LevelIntermediate, LevelAdvanced}
	DeliveryModes = []string{DeliverySelfPaced, DeliveryCohort}
	Languages     = []string{"ja", "en"}
	LessonKinds   = []string{LessonReading, LessonVideo, LessonResource, LessonQuiz}
	QuestionKinds = []string{QuestionSingle, QuestionMultiple, QuestionTrueFalse, QuestionNumeric}
)

// Content is everything a course revision says: what the studio edits, what
// publishing freezes and what export writes.
type Content struct {
	TitleJa        string   `json:"title_ja"`
	TitleEn        string   `json:"title_en"`
	SummaryJa      string   `json:"summary_ja"`
	SummaryEn      string   `json:"summary_en"`
	DescriptionMd  string   `json:"description_md"`
	SkillArea      string   `json:"skill_area"`
	Level          string   `json:"level"`
	EstimatedHours float64  `json:"estimated_hours"`
	Language       string   `json:"language"` // language of instruction
	DeliveryMode   string   `json:"delivery_mode"`
	Modules        []Module `json:"modules"`
}

// Module is an ordered group of lessons.
type Module struct {
	ID      string   `json:"id"`
	TitleJa string   `json:"title_ja"`
	TitleEn string   `json:"title_en"`
	Lessons []Lesson `json:"lessons"`
}

// Lesson is one step of a course. Its completion rule is carried on it:
// Required (it must be done for the course to complete), MinMinutes (the
// least time on task a reading or video lesson needs before it counts) and,
// for quizzes, MustPass.
type Lesson struct {
	ID         string `json:"id"`
	Kind       string `json:"kind"`
	TitleJa    string `json:"title_ja"`
	TitleEn    string `json:"title_en"`
	Required   bool   `json:"required"`
	MinMinutes int    `json:"min_minutes"`
	MustPass   bool   `json:"must_pass"`
	BodyMd     string `json:"body_md,omitempty"`     // reading; also notes for video and resource
	MediaID    string `json:"media_id,omitempty"`    // video or resource
	Transcript string `json:"transcript,omitempty"`  // video
	CaptionsJa string `json:"captions_ja,omitempty"` // video: WebVTT, Japanese
	CaptionsEn string `json:"captions_en,omitempty"` // video: WebVTT, English
	Quiz       *Quiz  `json:"quiz,omitempty"`
	// Scorm is the SCO a scorm lesson plays (nil for every other kind).
	Scorm *ScormRef `json:"scorm,omitempty"`
}

// Quiz is a set of questions with a pass mark and an attempt limit.
type Quiz struct {
	PassPercent int        `json:"pass_percent"` // 1..100
	MaxAttempts int        `json:"max_attempts"` // 0 means unlimited
	Shuffle     bool       `json:"shuffle"`      // questions drawn in random order
	Questions   []Question `json:"questions"`
}

// Question is one quiz question. Choice questions (single, multiple,
// true/false) mark their correct options; numeric questions carry the answer
// and the tolerance around it.
type Question struct {
	ID         string   `json:"id"`
	Kind       string   `json:"kind"`
	PromptMd   string   `json:"prompt_md"`
	Options    []Option `json:"options,omitempty"`
	Answer     float64  `json:"answer,omitempty"`
	Tolerance  float64  `json:"tolerance,omitempty"`
	FeedbackMd string   `json:"feedback_md"` // shown after an attempt
}

// Option is one choice of a choice question.
type Option struct {
	ID      string `json:"id"`
	Text    string `json:"text"`
	Correct bool   `json:"correct"`
}

// NewID returns a fresh id for a module, lesson, question or option.
func NewID() string { return uuid.NewString() }

// Title returns the title in lang, falling back to Japanese.
func (c *Content) Title(lang string) string { return i18n.Pick(lang, c.TitleJa, c.TitleEn) }

// Title returns the module title in lang, falling back to Japanese.
func (m *Module) Title(lang string) string { return i18n.Pick(lang, m.TitleJa, m.TitleEn) }

// Title returns the lesson title in lang, falling back to Japanese.
func (l *Lesson) Title(lang string) string { return i18n.Pick(lang, l.TitleJa, l.TitleEn) }

// LessonCount is the number of lessons in all modules.
func (c *Content) LessonCount() int {
	n := 0
	for _, m := range c.Modules {
		n += len(m.Lessons)
	}
	return n
}

// FindLesson returns the module index, lesson index and lesson with id.
func (c *Content) FindLesson(id string) (int, int, *Lesson) {
	for mi := range c.Modules {
		for li := range c.Modules[mi].Lessons {
			if c.Modules[mi].Lessons[li].ID == id {
				return mi, li, &c.Modules[mi].Lessons[li]
			}
		}
	}
	return -1, -1, nil
}

// FindModule returns the index and module with id.
func (c *Content) FindModule(id string) (int, *Module) {
	for i := range c.Modules {
		if c.Modules[i].ID == id {
			return i, &c.Modules[i]
		}
	}
	return -1, nil
}

// MediaIDs lists every media id the content refers to.
func (c *Content) MediaIDs() []string {
	var ids []string
	for _, m := range c.Modules {
		for _, l := range m.Lessons {
			if l.MediaID != "" {
				ids = append(ids, l.MediaID)
			}
		}
	}
	return ids
}

var codeRe = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{1,39}$`)

// CodeProblem returns the message key of what is wrong with a course or
// provider code ("" when fine): 2–40 characters, lower-case letters, digits
// and hyphens, starting with a letter or digit.
func CodeProblem(code string) string {
	if code == "" {
		return "catalog.err_code_required"
	}
	if !codeRe.MatchString(code) {
		return "catalog.err_code_format"
	}
	return ""
}

// Limits on sizes, so one course cannot grow without bound.
const (
	maxTitle      = 200
	maxSummary    = 1000
	maxMarkdown   = 200_000
	maxModules    = 100
	maxLessons    = 300
	maxQuestions  = 200
	maxOptions    = 12
	maxMinMinutes = 600
	maxHours      = 2000
)

// CheckDetails validates the course's descriptive fields (what the details
// form edits) and returns field -> message key for every problem. skillArea
// reports whether a skill area code exists.
func (c *Content) CheckDetails(skillAreaExists func(string) bool) map[string]string {
	errs := map[string]string{}
	c.TitleJa, c.TitleEn = strings.TrimSpace(c.TitleJa), strings.TrimSpace(c.TitleEn)
	c.SummaryJa, c.SummaryEn = strings.TrimSpace(c.SummaryJa), strings.TrimSpace(c.SummaryEn)
	switch {
	case c.TitleJa == "":
		errs["title_ja"] = "catalog.err_title_required"
	case utf8.RuneCountInString(c.TitleJa) > maxTitle:
		errs["title_ja"] = "catalog.err_too_long"
	}
	if utf8.RuneCountInString(c.TitleEn) > maxTitle {
		errs["title_en"] = "catalog.err_too_long"
	}
	switch {
	case c.SummaryJa == "":
		errs["summary_ja"] = "catalog.err_summary_required"
	case utf8.RuneCountInString(c.SummaryJa) > maxSummary:
		errs["summary_ja"] = "catalog.err_too_long"
	}
	if utf8.RuneCountInString(c.SummaryEn) > maxSummary {
		errs["summary_en"] = "catalog.err_too_long"
	}
	if len(c.DescriptionMd) > maxMarkdown {
		errs["description_md"] = "catalog.err_too_long"
	}
	if c.SkillArea == "" || !skillAreaExists(c.SkillArea) {
		errs["skill_area"] = "catalog.err_skill_area"
	}
	if !slices.Contains(Levels, c.Level) {
		errs["level"] = "catalog.err_level"
	}
	if !slices.Contains(Languages, c.Language) {
		errs["language"] = "catalog.err_language"
	}
	if !slices.Contains(DeliveryModes, c.DeliveryMode) {
		errs["delivery_mode"] = "catalog.err_delivery_mode"
	}
	if c.EstimatedHours < 0.5 || c.EstimatedHours > maxHours || math.IsNaN(c.EstimatedHours) {
		errs["estimated_hours"] = "catalog.err_hours"
	}
	return errs
}

// Problem is one reason a revision cannot be published, located so the
// studio can link to it.
type Problem struct {
	Key      string // message key
	ModuleID string
	LessonID string
	Question int // 1-based question number, 0 when not about a question
}

// PublishProblems lists every reason this content cannot be published: it
// must have valid details, at least one module and lesson, titled modules
// and lessons, a body for readings, a file for videos and resources, and
// quizzes whose every question can be answered correctly.
func (c *Content) PublishProblems(skillAreaExists func(string) bool) []Problem {
	var ps []Problem
	if len(c.CheckDetails(skillAreaExists)) > 0 {
		ps = append(ps, Problem{Key: "catalog.problem_details"})
	}
	if c.LessonCount() == 0 {
		ps = append(ps, Problem{Key: "catalog.problem_no_lessons"})
	}
	required := 0
	for _, m := range c.Modules {
		if strings.TrimSpace(m.TitleJa) == "" {
			ps = append(ps, Problem{Key: "catalog.problem_module_title", ModuleID: m.ID})
		}
		if len(m.Lessons) == 0 {
			ps = append(ps, Problem{Key: "catalog.problem_empty_module", ModuleID: m.ID})
		}
		for _, l := range m.Lessons {
			at := Problem{ModuleID: m.ID, LessonID: l.ID}
			if l.Required {
				required++
			}
			if strings.TrimSpace(l.TitleJa) == "" {
				at.Key = "catalog.problem_lesson_title"
				ps = append(ps, at)
			}
			switch l.Kind {
			case LessonReading:
				if strings.TrimSpace(l.BodyMd) == "" {
					at.Key = "catalog.problem_reading_body"
					ps = append(ps, at)
				}
			case LessonVideo, LessonResource:
				if l.MediaID == "" {
					at.Key = "catalog.problem_media_missing"
					ps = append(ps, at)
				}
			case LessonQuiz:
				ps = append(ps, l.quizProblems(at)...)
			case LessonScorm:
				if l.Scorm == nil || l.Scorm.PackageID == "" {
					at.Key = "catalog.problem_media_missing"
					ps = append(ps, at)
				}
			}
		}
	}
	if c.LessonCount() > 0 && required == 0 {
		ps = append(ps, Problem{Key: "catalog.problem_nothing_required"})
	}
	return ps
}

func (l *Lesson) quizProblems(at Problem) []Problem {
	var ps []Problem
	q := l.Quiz
	if q == nil || len(q.Questions) == 0 {
		at.Key = "catalog.problem_quiz_empty"
		return append(ps, at)
	}
	if q.PassPercent < 1 || q.PassPercent > 100 {
		at.Key = "catalog.problem_quiz_pass_mark"
		ps = append(ps, at)
	}
	for i, qu := range q.Questions {
		at := at
		at.Question = i + 1
		if strings.TrimSpace(qu.PromptMd) == "" {
			at.Key = "catalog.problem_question_prompt"
			ps = append(ps, at)
		}
		correct := 0
		for _, o := range qu.Options {
			if o.Correct {
				correct++
			}
		}
		switch qu.Kind {
		case QuestionSingle, QuestionTrueFalse:
			if len(qu.Options) < 2 {
				at.Key = "catalog.problem_question_options"
				ps = append(ps, at)
			}
			if correct != 1 {
				at.Key = "catalog.problem_question_one_correct"
				ps = append(ps, at)
			}
		case QuestionMultiple:
			if len(qu.Options) < 2 {
				at.Key = "catalog.problem_question_options"
				ps = append(ps, at)
			}
			if correct == 0 {
				at.Key = "catalog.problem_question_no_correct"
				ps = append(ps, at)
			}
		case QuestionNumeric:
			if qu.Tolerance < 0 || math.IsNaN(qu.Answer) || math.IsInf(qu.Answer, 0) {
				at.Key = "catalog.problem_question_numeric"
				ps = append(ps, at)
			}
		default:
			at.Key = "catalog.problem_question_kind"
			ps = append(ps, at)
		}
	}
	return ps
}

// checkStructure enforces the invariants every saved draft keeps, whatever
// edit made it: known kinds, unique ids, bounded sizes. It returns a message
// key or "".
func (c *Content) checkStructure() string {
	if len(c.Modules) > maxModules || c.LessonCount() > maxLessons {
		return "catalog.err_too_many"
	}
	seen := map[string]bool{}
	dup := func(id string) bool {
		if id == "" || seen[id] {
			return true
		}
		seen[id] = true
		return false
	}
	for _, m := range c.Modules {
		if dup(m.ID) || utf8.RuneCountInString(m.TitleJa) > maxTitle || utf8.RuneCountInString(m.TitleEn) > maxTitle {
			return "catalog.err_structure"
		}
		for _, l := range m.Lessons {
			if dup(l.ID) || (!slices.Contains(LessonKinds, l.Kind) && l.Kind != LessonScorm) || l.MinMinutes < 0 || l.MinMinutes > maxMinMinutes ||
				utf8.RuneCountInString(l.TitleJa) > maxTitle || utf8.RuneCountInString(l.TitleEn) > maxTitle ||
				len(l.BodyMd) > maxMarkdown || len(l.Transcript) > maxMarkdown {
				return "catalog.err_structure"
			}
			if (l.Kind == LessonQuiz) != (l.Quiz != nil) || (l.Kind == LessonScorm) != (l.Scorm != nil) {
				return "catalog.err_structure"
			}
			if l.Quiz == nil {
				continue
			}
			if len(l.Quiz.Questions) > maxQuestions || l.Quiz.MaxAttempts < 0 {
				return "catalog.err_structure"
			}
			for _, q := range l.Quiz.Questions {
				if dup(q.ID) || !slices.Contains(QuestionKinds, q.Kind) || len(q.Options) > maxOptions ||
					len(q.PromptMd) > maxMarkdown || len(q.FeedbackMd) > maxMarkdown {
					return "catalog.err_structure"
				}
				for _, o := range q.Options {
					if dup(o.ID) || utf8.RuneCountInString(o.Text) > 1000 {
						return "catalog.err_structure"
					}
				}
			}
		}
	}
	return ""
}
