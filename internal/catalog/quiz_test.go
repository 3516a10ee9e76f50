package catalog_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"takumi/internal/apperr"
	"takumi/internal/catalog"
	"takumi/internal/database"
	"takumi/internal/dbtest"
	"takumi/internal/storage"
)

// quizFixture makes a provider with an instructor and returns their ids.
func quizFixture(t *testing.T, db *database.DB, name string) (providerID, userID string) {
	t.Helper()
	if err := db.Gorm.Raw(`INSERT INTO organisations (name_ja, kind) VALUES (?, 'provider') RETURNING id`, name).Row().Scan(&providerID); err != nil {
		t.Fatal(err)
	}
	if err := db.Gorm.Raw(`INSERT INTO users (email, password_hash, display_name, privacy_notice_version, consented_at)
		VALUES (?, 'x', '講師', '2026-11', now()) RETURNING id`, name+"@example.jp").Row().Scan(&userID); err != nil {
		t.Fatal(err)
	}
	if err := db.Gorm.Exec(`INSERT INTO memberships (org_id, user_id, role) VALUES (?, ?, 'instructor')`, providerID, userID).Error; err != nil {
		t.Fatal(err)
	}
	return providerID, userID
}

// quizCourse creates a course whose one module holds a reading lesson and
// a quiz lesson, and returns the course id and the two lesson ids.
func quizCourse(t *testing.T, s *catalog.Service, a catalog.Actor, providerID, code string) (courseID, readingID, quizID string) {
	t.Helper()
	ctx := context.Background()
	ct := catalog.Content{TitleJa: "品質データ分析", SummaryJa: "製造現場の品質データを読む", SkillArea: "advanced_manufacturing",
		Level: catalog.LevelIntroductory, EstimatedHours: 4, Language: "ja", DeliveryMode: catalog.DeliverySelfPaced}
	c, err := s.CreateCourse(ctx, a, catalog.NewCourse{ProviderID: providerID, Code: code, Content: ct})
	if err != nil {
		t.Fatal(err)
	}
	readingID, quizID = catalog.NewID(), catalog.NewID()
	if _, err := s.EditDraft(ctx, a, c.ID, 0, func(ct *catalog.Content) error {
		ct.Modules = []catalog.Module{{ID: catalog.NewID(), TitleJa: "基礎", Lessons: []catalog.Lesson{
			{ID: readingID, Kind: catalog.LessonReading, TitleJa: "はじめに", Required: true, BodyMd: "本文"},
			{ID: quizID, Kind: catalog.LessonQuiz, TitleJa: "確認テスト", Required: true, MustPass: true, Quiz: &catalog.Quiz{PassPercent: 60}},
		}}}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return c.ID, readingID, quizID
}

func quizService(t *testing.T) (*catalog.Service, *database.DB) {
	t.Helper()
	db := dbtest.New(t)
	files, err := storage.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return catalog.NewService(db.Gorm, files), db
}

// quizLock returns the draft's current lock version.
func quizLock(t *testing.T, s *catalog.Service, a catalog.Actor, courseID string) int {
	t.Helper()
	_, rev, err := s.Draft(context.Background(), a, courseID)
	if err != nil {
		t.Fatal(err)
	}
	return rev.LockVersion
}

func quizFieldErr(t *testing.T, err error, field, key string) {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Code != apperr.Invalid || e.Fields[field] != key {
		t.Fatalf("want field %s = %s, got %v (fields %v)", field, key, err, e.Fields)
	}
}

func TestQuizAuthoring(t *testing.T) {
	s, db := quizService(t)
	ctx := context.Background()
	provA, instA := quizFixture(t, db, "quiz-provider-a")
	_, instB := quizFixture(t, db, "quiz-provider-b")
	a, b := catalog.Actor{UserID: instA}, catalog.Actor{UserID: instB}
	courseID, readingID, quizID := quizCourse(t, s, a, provA, "quality-101")

	t.Run("ErrNotAQuiz", func(t *testing.T) {
		if _, _, _, err := s.QuizLesson(ctx, a, courseID, readingID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("reading lesson opened as a quiz: %v", err)
		}
	})
	t.Run("ErrOtherProvider", func(t *testing.T) {
		if _, _, _, err := s.QuizLesson(ctx, b, courseID, quizID); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("instructor of B opened A's quiz: %v", err)
		}
		if _, _, err := s.AddQuestion(ctx, b, courseID, quizID, 0, catalog.NewQuestion{Kind: catalog.QuestionSingle}); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("instructor of B added a question to A's quiz: %v", err)
		}
	})
	t.Run("Settings", func(t *testing.T) {
		for _, c := range []struct{ pass, attempts, field, key string }{
			{"0", "0", "pass_percent", "quiz.err_pass_percent"},
			{"101", "0", "pass_percent", "quiz.err_pass_percent"},
			{"abc", "0", "pass_percent", "quiz.err_pass_percent"},
			{"60", "-1", "max_attempts", "quiz.err_max_attempts"},
			{"60", "100", "max_attempts", "quiz.err_max_attempts"},
		} {
			_, err := s.UpdateQuizSettings(ctx, a, courseID, quizID, 0, catalog.QuizSettingsInput{PassPercent: c.pass, MaxAttempts: c.attempts})
			quizFieldErr(t, err, c.field, c.key)
		}
		// Full-width digits from a Japanese input method are read as numbers.
		if _, err := s.UpdateQuizSettings(ctx, a, courseID, quizID, quizLock(t, s, a, courseID),
			catalog.QuizSettingsInput{PassPercent: "８０", MaxAttempts: "3", Shuffle: true}); err != nil {
			t.Fatal(err)
		}
		_, _, l, err := s.QuizLesson(ctx, a, courseID, quizID)
		if err != nil {
			t.Fatal(err)
		}
		if q := l.Quiz; q.PassPercent != 80 || q.MaxAttempts != 3 || !q.Shuffle {
			t.Fatalf("settings saved as %+v", q)
		}
	})

	ids := map[string]string{}
	t.Run("AddEachKind", func(t *testing.T) {
		for _, kind := range catalog.QuestionKinds {
			_, id, err := s.AddQuestion(ctx, a, courseID, quizID, quizLock(t, s, a, courseID),
				catalog.NewQuestion{Kind: kind, TrueLabel: "正しい", FalseLabel: "誤り"})
			if err != nil {
				t.Fatalf("add %s: %v", kind, err)
			}
			ids[kind] = id
		}
		_, _, l, _ := s.QuizLesson(ctx, a, courseID, quizID)
		if len(l.Quiz.Questions) != 4 {
			t.Fatalf("%d questions after adding four", len(l.Quiz.Questions))
		}
		tf := l.Quiz.Questions[2]
		if tf.Kind != catalog.QuestionTrueFalse || len(tf.Options) != 2 || tf.Options[0].Text != "正しい" || tf.Options[1].Text != "誤り" {
			t.Fatalf("true/false question starts as %+v", tf)
		}
		if n := len(l.Quiz.Questions[0].Options); n != 2 {
			t.Fatalf("single-choice question starts with %d options", n)
		}
		_, _, err := s.AddQuestion(ctx, a, courseID, quizID, 0, catalog.NewQuestion{Kind: "essay"})
		quizFieldErr(t, err, "kind", "quiz.err_kind")
	})
	t.Run("ErrPublishWithoutCorrectAnswer", func(t *testing.T) {
		_, err := s.Publish(ctx, a, courseID)
		if e, ok := apperr.As(err); !ok || e.Key != "catalog.err_publish_problems" {
			t.Fatalf("published a quiz whose questions have no correct answer: %v", err)
		}
		_, rev, _ := s.Draft(ctx, a, courseID)
		var keys []string
		for _, p := range rev.Content.PublishProblems(s.SkillAreaExists(ctx)) {
			keys = append(keys, p.Key)
		}
		if !slices.Contains(keys, "catalog.problem_question_one_correct") || !slices.Contains(keys, "catalog.problem_question_no_correct") {
			t.Fatalf("publish problems do not name the missing correct answers: %v", keys)
		}
	})
	t.Run("SaveQuestionValidation", func(t *testing.T) {
		two := func(c1, c2 bool) []catalog.OptionInput {
			return []catalog.OptionInput{{Text: "A", Correct: c1}, {Text: "B", Correct: c2}}
		}
		cases := []struct {
			name, kind, field, key string
			in                     catalog.QuestionInput
		}{
			{"ErrPromptRequired", catalog.QuestionSingle, "prompt_md", "quiz.err_prompt_required", catalog.QuestionInput{PromptMd: "  ", Options: two(true, false)}},
			{"ErrOptionText", catalog.QuestionSingle, "option_1", "quiz.err_option_text", catalog.QuestionInput{PromptMd: "p", Options: []catalog.OptionInput{{Text: "A", Correct: true}, {Text: " "}}}},
			{"ErrSingleNoCorrect", catalog.QuestionSingle, "options", "quiz.err_one_correct", catalog.QuestionInput{PromptMd: "p", Options: two(false, false)}},
			{"ErrSingleTwoCorrect", catalog.QuestionSingle, "options", "quiz.err_one_correct", catalog.QuestionInput{PromptMd: "p", Options: two(true, true)}},
			{"ErrSingleOneOption", catalog.QuestionSingle, "options", "quiz.err_two_options", catalog.QuestionInput{PromptMd: "p", Options: []catalog.OptionInput{{Text: "A", Correct: true}}}},
			{"ErrMultipleNoCorrect", catalog.QuestionMultiple, "options", "quiz.err_some_correct", catalog.QuestionInput{PromptMd: "p", Options: two(false, false)}},
			{"ErrTrueFalseTwoCorrect", catalog.QuestionTrueFalse, "options", "quiz.err_one_correct", catalog.QuestionInput{PromptMd: "p", Options: two(true, true)}},
			{"ErrTrueFalseThreeOptions", catalog.QuestionTrueFalse, "options", "quiz.err_true_false_options", catalog.QuestionInput{PromptMd: "p", Options: append(two(true, false), catalog.OptionInput{Text: "C"})}},
			{"ErrNumericAnswer", catalog.QuestionNumeric, "answer", "quiz.err_answer_number", catalog.QuestionInput{PromptMd: "p", Answer: "twelve"}},
			{"ErrNumericTolerance", catalog.QuestionNumeric, "tolerance", "quiz.err_tolerance", catalog.QuestionInput{PromptMd: "p", Answer: "12", Tolerance: "-0.5"}},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				lock := quizLock(t, s, a, courseID)
				_, err := s.SaveQuestion(ctx, a, courseID, quizID, ids[c.kind], lock, c.in)
				quizFieldErr(t, err, c.field, c.key)
				if quizLock(t, s, a, courseID) != lock {
					t.Fatal("a refused question was saved")
				}
			})
		}
	})
	t.Run("SaveChoiceKeepsOptionIDs", func(t *testing.T) {
		_, _, l, _ := s.QuizLesson(ctx, a, courseID, quizID)
		q := l.Quiz.Questions[0]
		in := catalog.QuestionInput{PromptMd: "**不良率**はどれか", FeedbackMd: "不良数÷生産数です。", Options: []catalog.OptionInput{
			{ID: q.Options[0].ID, Text: "不良数÷生産数", Correct: true},
			{ID: q.Options[1].ID, Text: "生産数÷不良数"},
			{ID: ids[catalog.QuestionTrueFalse], Text: "他の問題のID"}, // not this question's id
			{Text: "新しい選択肢"},
		}}
		if _, err := s.SaveQuestion(ctx, a, courseID, quizID, q.ID, quizLock(t, s, a, courseID), in); err != nil {
			t.Fatal(err)
		}
		_, _, l, _ = s.QuizLesson(ctx, a, courseID, quizID)
		got := l.Quiz.Questions[0]
		if got.PromptMd != in.PromptMd || got.FeedbackMd != in.FeedbackMd || len(got.Options) != 4 {
			t.Fatalf("saved question %+v", got)
		}
		if got.Options[0].ID != q.Options[0].ID || !got.Options[0].Correct || got.Options[1].ID != q.Options[1].ID {
			t.Fatalf("existing option ids or correctness not kept: %+v", got.Options)
		}
		if got.Options[2].ID == ids[catalog.QuestionTrueFalse] || got.Options[3].ID == "" || got.Options[2].ID == got.Options[3].ID {
			t.Fatalf("foreign or new option ids not replaced: %+v", got.Options)
		}
	})
	t.Run("SaveNumeric", func(t *testing.T) {
		in := catalog.QuestionInput{PromptMd: "10個中2個が不良のとき不良率は何%か", Answer: "２０", Tolerance: "0.5"}
		if _, err := s.SaveQuestion(ctx, a, courseID, quizID, ids[catalog.QuestionNumeric], quizLock(t, s, a, courseID), in); err != nil {
			t.Fatal(err)
		}
		_, _, l, _ := s.QuizLesson(ctx, a, courseID, quizID)
		q := l.Quiz.Questions[3]
		if q.Answer != 20 || q.Tolerance != 0.5 {
			t.Fatalf("numeric saved as answer %v tolerance %v", q.Answer, q.Tolerance)
		}
	})
	t.Run("ErrStale", func(t *testing.T) {
		lock := quizLock(t, s, a, courseID)
		if _, err := s.UpdateQuizSettings(ctx, a, courseID, quizID, lock, catalog.QuizSettingsInput{PassPercent: "70"}); err != nil {
			t.Fatal(err)
		}
		_, err := s.SaveQuestion(ctx, a, courseID, quizID, ids[catalog.QuestionNumeric], lock,
			catalog.QuestionInput{PromptMd: "上書き", Answer: "1"})
		if e, ok := apperr.As(err); !ok || e.Key != "catalog.err_stale" {
			t.Fatalf("save over a newer version: %v", err)
		}
	})
	order := func() []string {
		_, _, l, _ := s.QuizLesson(ctx, a, courseID, quizID)
		var out []string
		for _, q := range l.Quiz.Questions {
			out = append(out, q.Kind)
		}
		return out
	}
	t.Run("Move", func(t *testing.T) {
		if _, err := s.MoveQuestion(ctx, a, courseID, quizID, ids[catalog.QuestionNumeric], quizLock(t, s, a, courseID), -1); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(order(), ","); got != "single,multiple,numeric,true_false" {
			t.Fatalf("after moving numeric up: %s", got)
		}
		if _, err := s.MoveQuestion(ctx, a, courseID, quizID, ids[catalog.QuestionSingle], quizLock(t, s, a, courseID), -1); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(order(), ","); got != "single,multiple,numeric,true_false" {
			t.Fatalf("moving the first question up changed the order: %s", got)
		}
		if _, err := s.MoveQuestion(ctx, a, courseID, quizID, ids[catalog.QuestionSingle], quizLock(t, s, a, courseID), 1); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(order(), ","); got != "multiple,single,numeric,true_false" {
			t.Fatalf("after moving single down: %s", got)
		}
	})
	t.Run("Delete", func(t *testing.T) {
		if _, err := s.DeleteQuestion(ctx, a, courseID, quizID, ids[catalog.QuestionMultiple], quizLock(t, s, a, courseID)); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(order(), ","); got != "single,numeric,true_false" {
			t.Fatalf("after deleting multiple: %s", got)
		}
		if _, err := s.DeleteQuestion(ctx, a, courseID, quizID, ids[catalog.QuestionMultiple], 0); !apperr.Is(err, apperr.NotFound) {
			t.Fatalf("deleting it again: %v", err)
		}
	})
	t.Run("PublishOnceCorrect", func(t *testing.T) {
		_, _, l, _ := s.QuizLesson(ctx, a, courseID, quizID)
		tf := l.Quiz.Questions[2]
		in := catalog.InputOf(&tf)
		in.PromptMd = "不良率は生産数で割って求める。"
		in.Options[0].Correct = true
		if _, err := s.SaveQuestion(ctx, a, courseID, quizID, tf.ID, quizLock(t, s, a, courseID), in); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Publish(ctx, a, courseID); err != nil {
			t.Fatalf("a quiz with correct answers everywhere was refused: %v", err)
		}
	})
}

// quizSample is a quiz of every kind with known answers.
func quizSample() *catalog.Quiz {
	return &catalog.Quiz{PassPercent: 75, Questions: []catalog.Question{
		{ID: "q1", Kind: catalog.QuestionSingle, PromptMd: "p", FeedbackMd: "f1", Options: []catalog.Option{{ID: "a", Correct: true}, {ID: "b"}}},
		{ID: "q2", Kind: catalog.QuestionMultiple, PromptMd: "p", FeedbackMd: "f2", Options: []catalog.Option{{ID: "c", Correct: true}, {ID: "d", Correct: true}, {ID: "e"}}},
		{ID: "q3", Kind: catalog.QuestionTrueFalse, PromptMd: "p", FeedbackMd: "f3", Options: []catalog.Option{{ID: "t"}, {ID: "f", Correct: true}}},
		{ID: "q4", Kind: catalog.QuestionNumeric, PromptMd: "p", FeedbackMd: "f4", Answer: 2.5, Tolerance: 0.1},
	}}
}

func TestQuizGradeAttempt(t *testing.T) {
	q := quizSample()
	cases := []struct {
		name    string
		answers map[string][]string
		correct []bool
	}{
		{"AllRight", map[string][]string{"q1": {"a"}, "q2": {"d", "c"}, "q3": {"f"}, "q4": {"2.5"}}, []bool{true, true, true, true}},
		{"Nothing", map[string][]string{}, []bool{false, false, false, false}},
		{"MultipleSubsetIsWrong", map[string][]string{"q2": {"c"}}, []bool{false, false, false, false}},
		{"MultipleSupersetIsWrong", map[string][]string{"q2": {"c", "d", "e"}}, []bool{false, false, false, false}},
		{"MultipleDuplicatesStillRight", map[string][]string{"q2": {"c", "d", "c"}}, []bool{false, true, false, false}},
		{"SingleTwoChosenIsWrong", map[string][]string{"q1": {"a", "b"}}, []bool{false, false, false, false}},
		{"SingleWrongOption", map[string][]string{"q1": {"b"}, "q3": {"t"}}, []bool{false, false, false, false}},
		{"UnknownOptionIsWrong", map[string][]string{"q1": {"zzz"}}, []bool{false, false, false, false}},
		{"NumericWithinTolerance", map[string][]string{"q4": {"2.6"}}, []bool{false, false, false, true}},
		{"NumericLowerEdge", map[string][]string{"q4": {"2.4"}}, []bool{false, false, false, true}},
		{"NumericFullWidth", map[string][]string{"q4": {"２.５"}}, []bool{false, false, false, true}},
		{"NumericOutside", map[string][]string{"q4": {"2.61"}}, []bool{false, false, false, false}},
		{"NumericNotANumber", map[string][]string{"q4": {"two"}}, []bool{false, false, false, false}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			score, max, per := catalog.GradeAttempt(q, c.answers)
			want := 0
			for i, r := range per {
				if r.Correct != c.correct[i] {
					t.Errorf("question %d correct = %v, want %v", i+1, r.Correct, c.correct[i])
				}
				if r.Correct {
					want++
				}
				if r.FeedbackMd != fmt.Sprintf("f%d", i+1) || r.QuestionID != q.Questions[i].ID {
					t.Errorf("result %d is %+v", i+1, r)
				}
			}
			if max != 4 || score != want || len(per) != 4 {
				t.Fatalf("score %d/%d (%d results), want %d/4", score, max, len(per), want)
			}
		})
	}
	t.Run("Answered", func(t *testing.T) {
		_, _, per := catalog.GradeAttempt(q, map[string][]string{"q1": {"b"}, "q4": {" "}})
		if !per[0].Answered || per[1].Answered || per[3].Answered {
			t.Fatalf("answered flags %+v", per)
		}
	})
	t.Run("PassMark", func(t *testing.T) {
		if !q.Passed(3, 4) || q.Passed(2, 4) || q.Passed(0, 0) {
			t.Fatal("75% pass mark misjudged")
		}
	})
}

func TestQuizDrawOrder(t *testing.T) {
	q := &catalog.Quiz{PassPercent: 50}
	for i := range 10 {
		q.Questions = append(q.Questions, catalog.Question{ID: fmt.Sprint(i), Kind: catalog.QuestionNumeric})
	}
	ids := func(qs []catalog.Question) string {
		var out []string
		for _, x := range qs {
			out = append(out, x.ID)
		}
		return strings.Join(out, ",")
	}
	authored := ids(q.Questions)
	t.Run("AuthoredOrderWithoutShuffle", func(t *testing.T) {
		for seed := range int64(5) {
			if got := ids(catalog.DrawOrder(q, seed)); got != authored {
				t.Fatalf("seed %d reordered an unshuffled quiz: %s", seed, got)
			}
		}
	})
	t.Run("Shuffle", func(t *testing.T) {
		q.Shuffle = true
		seen := map[string]bool{}
		for seed := range int64(20) {
			drawn := catalog.DrawOrder(q, seed)
			got := ids(drawn)
			if got != ids(catalog.DrawOrder(q, seed)) {
				t.Fatalf("seed %d drew two different orders", seed)
			}
			sorted := slices.Clone(drawn)
			slices.SortFunc(sorted, func(x, y catalog.Question) int { return strings.Compare(x.ID, y.ID) })
			if ids(sorted) != authored {
				t.Fatalf("seed %d lost or duplicated questions: %s", seed, got)
			}
			seen[got] = true
		}
		if len(seen) < 10 {
			t.Fatalf("20 seeds drew only %d different orders", len(seen))
		}
		if ids(q.Questions) != authored {
			t.Fatal("DrawOrder changed the quiz itself")
		}
	})
}
