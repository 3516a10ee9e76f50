package catalog

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"takumi/internal/apperr"
)

// Quiz authoring: every change below is a function on the draft's Content run
// through EditDraft, so it is saved in one transaction, guarded by the
// draft's lock version and checked against the structure invariants.

// MaxQuizAttempts is the largest attempt limit a quiz may set (0 means
// unlimited).
const MaxQuizAttempts = 99

// MaxQuestionOptions is the largest number of options a choice question may
// have.
const MaxQuestionOptions = maxOptions

// QuizLesson returns the course, its newest revision (the draft, or the
// published revision when no draft is open; edits pass
// rev.EditLockVersion()) and that revision's quiz lesson lessonID, for the
// quiz editor. Errors: not_found (not an editor of the course's provider, no
// such lesson, or the lesson is not a quiz).
func (s *Service) QuizLesson(ctx context.Context, a Actor, courseID, lessonID string) (*Course, *Revision, *Lesson, error) {
	c, rev, err := s.LatestRevision(ctx, a, courseID)
	if err != nil {
		return nil, nil, nil, err
	}
	l, err := quizLessonIn(&rev.Content, lessonID)
	if err != nil {
		return nil, nil, nil, err
	}
	return c, rev, l, nil
}

func quizLessonIn(ct *Content, lessonID string) (*Lesson, error) {
	_, _, l := ct.FindLesson(lessonID)
	if l == nil || l.Kind != LessonQuiz {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	if l.Quiz == nil {
		l.Quiz = &Quiz{PassPercent: 60}
	}
	return l, nil
}

func questionIn(q *Quiz, questionID string) (int, *Question) {
	for i := range q.Questions {
		if q.Questions[i].ID == questionID {
			return i, &q.Questions[i]
		}
	}
	return -1, nil
}

// QuizSettingsInput is the quiz settings form as typed.
type QuizSettingsInput struct {
	PassPercent string // 1..100
	MaxAttempts string // 0 (unlimited) .. MaxQuizAttempts
	Shuffle     bool
}

// UpdateQuizSettings sets a quiz's pass mark, attempt limit and whether its
// questions are drawn in random order. Errors: invalid (fields pass_percent,
// max_attempts), not_found, conflict (catalog.err_stale, catalog.err_archived).
func (s *Service) UpdateQuizSettings(ctx context.Context, a Actor, courseID, lessonID string, lockVersion int, in QuizSettingsInput) (*Revision, error) {
	errs := map[string]string{}
	pass, err := strconv.Atoi(numberText(in.PassPercent))
	if err != nil || pass < 1 || pass > 100 {
		errs["pass_percent"] = "quiz.err_pass_percent"
	}
	attempts := 0
	if t := numberText(in.MaxAttempts); t != "" {
		attempts, err = strconv.Atoi(t)
		if err != nil || attempts < 0 || attempts > MaxQuizAttempts {
			errs["max_attempts"] = "quiz.err_max_attempts"
		}
	}
	if len(errs) > 0 {
		return nil, apperr.FieldErrors(errs)
	}
	return s.EditDraft(ctx, a, courseID, lockVersion, func(ct *Content) error {
		l, err := quizLessonIn(ct, lessonID)
		if err != nil {
			return err
		}
		l.Quiz.PassPercent, l.Quiz.MaxAttempts, l.Quiz.Shuffle = pass, attempts, in.Shuffle
		return nil
	})
}

// NewQuestion is what adding a question needs. TrueLabel and FalseLabel
// are the texts of a true/false question's two options (in the author's
// language).
type NewQuestion struct {
	Kind       string
	TrueLabel  string
	FalseLabel string
}

// AddQuestion appends a question of the given kind to a quiz and returns
// its id. Single- and multiple-choice questions start with two empty
// options, true/false with its two labelled options, numeric with answer 0.
// The prompt is written on the question form. Errors: invalid (field kind),
// not_found, conflict.
func (s *Service) AddQuestion(ctx context.Context, a Actor, courseID, lessonID string, lockVersion int, in NewQuestion) (*Revision, string, error) {
	if !slices.Contains(QuestionKinds, in.Kind) {
		return nil, "", apperr.FieldErrors(map[string]string{"kind": "quiz.err_kind"})
	}
	q := Question{ID: NewID(), Kind: in.Kind}
	switch in.Kind {
	case QuestionSingle, QuestionMultiple:
		q.Options = []Option{{ID: NewID()}, {ID: NewID()}}
	case QuestionTrueFalse:
		q.Options = []Option{{ID: NewID(), Text: in.TrueLabel}, {ID: NewID(), Text: in.FalseLabel}}
	}
	rev, err := s.EditDraft(ctx, a, courseID, lockVersion, func(ct *Content) error {
		l, err := quizLessonIn(ct, lessonID)
		if err != nil {
			return err
		}
		if len(l.Quiz.Questions) >= maxQuestions {
			return apperr.FieldErrors(map[string]string{"kind": "quiz.err_too_many_questions"})
		}
		l.Quiz.Questions = append(l.Quiz.Questions, q)
		return nil
	})
	if err != nil {
		return nil, "", err
	}
	return rev, q.ID, nil
}

// QuestionInput is the question form as typed. Options are the choice
// options in order (an empty ID is a new option); Answer and Tolerance are
// the numeric answer as typed.
type QuestionInput struct {
	PromptMd   string
	FeedbackMd string
	Options    []OptionInput
	Answer     string
	Tolerance  string
}

// OptionInput is one option row of the question form.
type OptionInput struct {
	ID      string
	Text    string
	Correct bool
}

// InputOf returns the form values of an existing question.
func InputOf(q *Question) QuestionInput {
	in := QuestionInput{PromptMd: q.PromptMd, FeedbackMd: q.FeedbackMd}
	for _, o := range q.Options {
		in.Options = append(in.Options, OptionInput(o))
	}
	if q.Kind == QuestionNumeric {
		in.Answer = formatNumber(q.Answer)
		in.Tolerance = formatNumber(q.Tolerance)
	}
	return in
}

func formatNumber(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// CheckQuestion validates a question form for a question of kind and
// returns field -> message key for every problem: prompt_md (required),
// feedback_md (length), option_<i> (text of option i, 0-based), options
// (number of options or of correct ones), answer and tolerance (numeric).
func CheckQuestion(kind string, in *QuestionInput) map[string]string {
	errs := map[string]string{}
	in.PromptMd, in.FeedbackMd = strings.TrimSpace(in.PromptMd), strings.TrimSpace(in.FeedbackMd)
	switch {
	case in.PromptMd == "":
		errs["prompt_md"] = "quiz.err_prompt_required"
	case len(in.PromptMd) > maxMarkdown:
		errs["prompt_md"] = "catalog.err_too_long"
	}
	if len(in.FeedbackMd) > maxMarkdown {
		errs["feedback_md"] = "catalog.err_too_long"
	}
	switch kind {
	case QuestionSingle, QuestionMultiple, QuestionTrueFalse:
		correct := 0
		for i := range in.Options {
			o := &in.Options[i]
			o.Text = strings.TrimSpace(o.Text)
			switch {
			case o.Text == "":
				errs["option_"+strconv.Itoa(i)] = "quiz.err_option_text"
			case utf8.RuneCountInString(o.Text) > 1000:
				errs["option_"+strconv.Itoa(i)] = "catalog.err_too_long"
			}
			if o.Correct {
				correct++
			}
		}
		switch {
		case kind == QuestionTrueFalse && len(in.Options) != 2:
			errs["options"] = "quiz.err_true_false_options"
		case len(in.Options) < 2:
			errs["options"] = "quiz.err_two_options"
		case len(in.Options) > maxOptions:
			errs["options"] = "quiz.err_too_many_options"
		case kind != QuestionMultiple && correct != 1:
			errs["options"] = "quiz.err_one_correct"
		case kind == QuestionMultiple && correct == 0:
			errs["options"] = "quiz.err_some_correct"
		}
	case QuestionNumeric:
		if _, ok := parseNumber(in.Answer); !ok {
			errs["answer"] = "quiz.err_answer_number"
		}
		if strings.TrimSpace(in.Tolerance) != "" {
			if t, ok := parseNumber(in.Tolerance); !ok || t < 0 {
				errs["tolerance"] = "quiz.err_tolerance"
			}
		}
	default:
		errs["kind"] = "quiz.err_kind"
	}
	return errs
}

// numberText folds full-width digits and signs (typed with a Japanese input
// method) to ASCII and trims spaces.
func numberText(s string) string { return strings.TrimSpace(norm.NFKC.String(s)) }

// parseNumber reads a finite decimal number as typed.
func parseNumber(s string) (float64, bool) {
	f, err := strconv.ParseFloat(numberText(s), 64)
	if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// SaveQuestion replaces a question's prompt, feedback and options (or
// numeric answer and tolerance) with what the form says. A question's kind
// never changes. Option ids are kept for existing options (so results keyed
// by option id stay meaningful); an option id that is not one of this
// question's gets a new id. Errors: invalid (fields as CheckQuestion),
// not_found, conflict (catalog.err_stale, catalog.err_archived).
func (s *Service) SaveQuestion(ctx context.Context, a Actor, courseID, lessonID, questionID string, lockVersion int, in QuestionInput) (*Revision, error) {
	return s.EditDraft(ctx, a, courseID, lockVersion, func(ct *Content) error {
		l, err := quizLessonIn(ct, lessonID)
		if err != nil {
			return err
		}
		_, q := questionIn(l.Quiz, questionID)
		if q == nil {
			return apperr.New(apperr.NotFound, "error.not_found")
		}
		if errs := CheckQuestion(q.Kind, &in); len(errs) > 0 {
			return apperr.FieldErrors(errs)
		}
		q.PromptMd, q.FeedbackMd = in.PromptMd, in.FeedbackMd
		if q.Kind == QuestionNumeric {
			q.Answer, _ = parseNumber(in.Answer)
			q.Tolerance = 0
			if strings.TrimSpace(in.Tolerance) != "" {
				q.Tolerance, _ = parseNumber(in.Tolerance)
			}
			q.Options = nil
			return nil
		}
		own := map[string]bool{}
		for _, o := range q.Options {
			own[o.ID] = true
		}
		used := map[string]bool{}
		opts := make([]Option, 0, len(in.Options))
		for _, o := range in.Options {
			id := o.ID
			// SECURITY: ids come from the form; only this question's own
			// ids are kept, so a form cannot duplicate another's ids.
			if !own[id] || used[id] {
				id = NewID()
			}
			used[id] = true
			opts = append(opts, Option{ID: id, Text: o.Text, Correct: o.Correct})
		}
		q.Options = opts
		return nil
	})
}

// MoveQuestion moves a question one place up (delta -1) or down (delta +1);
// at either end nothing moves. Errors: not_found, conflict.
func (s *Service) MoveQuestion(ctx context.Context, a Actor, courseID, lessonID, questionID string, lockVersion, delta int) (*Revision, error) {
	if delta != -1 && delta != 1 {
		return nil, apperr.New(apperr.Invalid, "error.bad_request")
	}
	return s.EditDraft(ctx, a, courseID, lockVersion, func(ct *Content) error {
		l, err := quizLessonIn(ct, lessonID)
		if err != nil {
			return err
		}
		i, q := questionIn(l.Quiz, questionID)
		if q == nil {
			return apperr.New(apperr.NotFound, "error.not_found")
		}
		j := i + delta
		if j >= 0 && j < len(l.Quiz.Questions) {
			qs := l.Quiz.Questions
			qs[i], qs[j] = qs[j], qs[i]
		}
		return nil
	})
}

// DeleteQuestion removes a question from a quiz. Errors: not_found, conflict.
func (s *Service) DeleteQuestion(ctx context.Context, a Actor, courseID, lessonID, questionID string, lockVersion int) (*Revision, error) {
	return s.EditDraft(ctx, a, courseID, lockVersion, func(ct *Content) error {
		l, err := quizLessonIn(ct, lessonID)
		if err != nil {
			return err
		}
		i, q := questionIn(l.Quiz, questionID)
		if q == nil {
			return apperr.New(apperr.NotFound, "error.not_found")
		}
		l.Quiz.Questions = append(l.Quiz.Questions[:i], l.Quiz.Questions[i+1:]...)
		return nil
	})
}

// QuestionResult is how one question of an attempt went.
type QuestionResult struct {
	QuestionID string
	Answered   bool // something was chosen or typed
	Correct    bool
	FeedbackMd string // the question's feedback, shown after the attempt
}

// GradeAttempt scores answers to q: one point per question answered
// exactly right. answers maps a question id to the chosen option ids (choice
// questions) or to the typed number (numeric, first value). A single-choice
// or true/false question is right when exactly its correct option is
// chosen; a multiple-choice question only when exactly the set of correct
// options is chosen; a numeric one when the number is within the tolerance
// of the answer. Results follow the quiz's question order.
func GradeAttempt(q *Quiz, answers map[string][]string) (score, max int, perQuestion []QuestionResult) {
	if q == nil {
		return 0, 0, nil
	}
	for _, qu := range q.Questions {
		given := nonEmpty(answers[qu.ID])
		r := QuestionResult{QuestionID: qu.ID, Answered: len(given) > 0, FeedbackMd: qu.FeedbackMd}
		switch qu.Kind {
		case QuestionSingle, QuestionTrueFalse, QuestionMultiple:
			r.Correct = len(given) > 0 && sameSet(given, correctIDs(qu))
			if qu.Kind != QuestionMultiple && len(given) != 1 {
				r.Correct = false
			}
		case QuestionNumeric:
			if len(given) > 0 {
				if v, ok := parseNumber(given[0]); ok {
					// A little slack for binary floating point (0.1+0.2).
					slack := 1e-9 * math.Max(1, math.Abs(qu.Answer))
					r.Correct = math.Abs(v-qu.Answer) <= qu.Tolerance+slack
				}
			}
		}
		if r.Correct {
			score++
		}
		perQuestion = append(perQuestion, r)
	}
	return score, len(q.Questions), perQuestion
}

// Passed reports whether score out of max reaches the quiz's pass mark.
func (q *Quiz) Passed(score, max int) bool {
	if max == 0 {
		return false
	}
	return score*100 >= q.PassPercent*max
}

func nonEmpty(vs []string) []string {
	var out []string
	for _, v := range vs {
		if strings.TrimSpace(v) != "" {
			out = append(out, strings.TrimSpace(v))
		}
	}
	return out
}

func correctIDs(q Question) []string {
	var ids []string
	for _, o := range q.Options {
		if o.Correct {
			ids = append(ids, o.ID)
		}
	}
	return ids
}

func sameSet(a, b []string) bool {
	as, bs := map[string]bool{}, map[string]bool{}
	for _, x := range a {
		as[x] = true
	}
	for _, x := range b {
		bs[x] = true
	}
	if len(as) != len(bs) {
		return false
	}
	for x := range as {
		if !bs[x] {
			return false
		}
	}
	return true
}

// DrawOrder returns the quiz's questions in the order a learner meets them:
// authored order, or when Shuffle is set a random order determined by seed
// (the same seed always gives the same order, so an attempt can be shown
// again as it was drawn). The quiz itself is not changed.
func DrawOrder(q *Quiz, seed int64) []Question {
	if q == nil {
		return nil
	}
	out := append([]Question(nil), q.Questions...)
	if q.Shuffle {
		r := rand.New(rand.NewPCG(uint64(seed), 0x7a6b756d69)) // "takumi"
		r.Shuffle(len(out), func(i, j int) { out[i], out[j] = out[j], out[i] })
	}
	return out
}
