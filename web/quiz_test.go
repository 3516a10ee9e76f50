package web_test

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"github.com/chromedp/chromedp"

	"takumi/internal/catalog"
	"takumi/internal/fixtures"
)

// quizCourse is a draft course of provider 研修機関A with one module holding
// a reading, a quiz, a video and a resource lesson.
type quizCourse struct {
	ID, ProviderID, AuthorID               string
	ReadingID, QuizID, VideoID, ResourceID string
	AuthorEmail                            string
}

// quizCreateCourse creates an instructor of 研修機関A (signing nobody in)
// and a course through the catalog domain.
func quizCreateCourse(t *testing.T, ta *testApp, email, code string) quizCourse {
	t.Helper()
	qc := quizCourse{AuthorEmail: email}
	qc.AuthorID = fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: email, Name: "講師 山田"})
	qc.ProviderID = fixtures.MustAddMember(t, ta.DB, "研修機関A", "provider", qc.AuthorID, "instructor", false)
	ctx := context.Background()
	a := catalog.Actor{UserID: qc.AuthorID}
	c, err := ta.App.Server.Courses.CreateCourse(ctx, a, catalog.NewCourse{ProviderID: qc.ProviderID, Code: code, Content: catalog.Content{
		TitleJa: "製造現場のデータ分析入門", SummaryJa: "品質データを読み解く", SkillArea: "advanced_manufacturing",
		Level: catalog.LevelIntroductory, EstimatedHours: 6, Language: "ja", DeliveryMode: catalog.DeliverySelfPaced}})
	if err != nil {
		t.Fatal(err)
	}
	qc.ID = c.ID
	qc.ReadingID, qc.QuizID, qc.VideoID, qc.ResourceID = catalog.NewID(), catalog.NewID(), catalog.NewID(), catalog.NewID()
	if _, err := ta.App.Server.Courses.EditDraft(ctx, a, c.ID, 0, func(ct *catalog.Content) error {
		ct.Modules = []catalog.Module{{ID: catalog.NewID(), TitleJa: "品質管理の基礎", Lessons: []catalog.Lesson{
			{ID: qc.ReadingID, Kind: catalog.LessonReading, TitleJa: "不良率とは", Required: true, BodyMd: "不良率は不良数を生産数で割った値です。"},
			{ID: qc.QuizID, Kind: catalog.LessonQuiz, TitleJa: "確認テスト", Required: true, MustPass: true, Quiz: &catalog.Quiz{PassPercent: 60}},
			{ID: qc.VideoID, Kind: catalog.LessonVideo, TitleJa: "現場の動画"},
			{ID: qc.ResourceID, Kind: catalog.LessonResource, TitleJa: "演習データ"},
		}}}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return qc
}

func (qc quizCourse) quizPath(sub string) string {
	return "/studio/courses/" + qc.ID + "/lessons/" + qc.QuizID + "/quiz" + sub
}

// quizLockOf reads the lock_version a page's forms carry.
func quizLockOf(t *testing.T, r *response) string {
	t.Helper()
	v, ok := r.Doc(t).Find(`input[name="lock_version"]`).First().Attr("value")
	if !ok || v == "" {
		t.Fatalf("no lock_version on the page (status %d)", r.StatusCode)
	}
	return v
}

// quizAdd adds a question of kind through the editor and returns its id.
func quizAdd(t *testing.T, b *browser, qc quizCourse, kind string) string {
	t.Helper()
	page := b.get(qc.quizPath(""))
	r := b.post(qc.quizPath(""), qc.quizPath("/questions"), url.Values{"kind": {kind}, "lock_version": {quizLockOf(t, page)}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("add %s question: status %d\n%.600s", kind, r.StatusCode, r.Body)
	}
	loc := r.Header.Get("Location")
	if !strings.HasPrefix(loc, qc.quizPath("/questions/")) {
		t.Fatalf("after adding, sent to %q", loc)
	}
	return strings.TrimPrefix(loc, qc.quizPath("/questions/"))
}

// quizQuestionValues returns the question form's values as the page
// carries them (lock version, option ids and texts, checked answers).
func quizQuestionValues(t *testing.T, r *response) url.Values {
	t.Helper()
	v := url.Values{}
	d := r.Doc(t)
	d.Find(`#question-form input, #question-form textarea`).Each(func(_ int, s *goquery.Selection) {
		name, _ := s.Attr("name")
		typ, _ := s.Attr("type")
		switch {
		case name == "" || name == "_csrf":
		case goquery.NodeName(s) == "textarea":
			v.Set(name, s.Text())
		case typ == "radio" || typ == "checkbox":
			if _, on := s.Attr("checked"); on {
				val, _ := s.Attr("value")
				v.Add(name, val)
			}
		default:
			val, _ := s.Attr("value")
			v.Set(name, val)
		}
	})
	return v
}

func quizErrorText(t *testing.T, r *response, field string) string {
	t.Helper()
	return strings.TrimSpace(r.Doc(t).Find("#f-" + field + "-error").Text())
}

func TestQuizEditorFlow(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	qc := quizCreateCourse(t, ta, "quiz-author@example.jp", "quality-101")
	b := ta.signedIn(t, qc.AuthorEmail, "")

	t.Run("Editor", func(t *testing.T) {
		r := b.get(qc.quizPath(""))
		if r.StatusCode != http.StatusOK {
			t.Fatalf("quiz editor: %d", r.StatusCode)
		}
		d := r.Doc(t)
		if h1 := d.Find("h1").Text(); !strings.Contains(h1, "確認テスト") {
			t.Fatalf("h1 %q", h1)
		}
		if d.Find("#quiz-no-questions").Length() != 1 {
			t.Fatal("an empty quiz does not say it has no questions")
		}
	})
	t.Run("ErrNotAQuizLesson", func(t *testing.T) {
		for _, lid := range []string{qc.ReadingID, qc.VideoID, catalog.NewID(), "not-a-uuid"} {
			if r := b.get("/studio/courses/" + qc.ID + "/lessons/" + lid + "/quiz"); r.StatusCode != http.StatusNotFound {
				t.Fatalf("quiz editor of lesson %s: %d", lid, r.StatusCode)
			}
		}
	})
	t.Run("Settings", func(t *testing.T) {
		lock := quizLockOf(t, b.get(qc.quizPath("")))
		r := b.post(qc.quizPath(""), qc.quizPath(""), url.Values{"pass_percent": {"150"}, "max_attempts": {"3"}, "lock_version": {lock}})
		if r.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("pass mark 150: %d", r.StatusCode)
		}
		if msg := quizErrorText(t, r, "pass_percent"); !strings.Contains(msg, "1から100") {
			t.Fatalf("pass mark error %q", msg)
		}
		if v, _ := r.Doc(t).Find("#f-max_attempts").Attr("value"); v != "3" {
			t.Fatalf("typed attempts not kept: %q", v)
		}
		r = b.post(qc.quizPath(""), qc.quizPath(""), url.Values{"pass_percent": {"80"}, "max_attempts": {"2"}, "shuffle": {"on"}, "lock_version": {lock}})
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("valid settings: %d\n%.500s", r.StatusCode, r.Body)
		}
		d := b.follow(r).Doc(t)
		if meta := d.Find("dl.meta").Text(); !strings.Contains(meta, "80%") || !strings.Contains(meta, "2回まで") {
			t.Fatalf("settings not shown: %q", meta)
		}
		if _, on := d.Find(`input[name="shuffle"]`).Attr("checked"); !on {
			t.Fatal("shuffle not kept")
		}
	})

	single := quizAdd(t, b, qc, catalog.QuestionSingle)
	multiple := quizAdd(t, b, qc, catalog.QuestionMultiple)
	trueFalse := quizAdd(t, b, qc, catalog.QuestionTrueFalse)
	numeric := quizAdd(t, b, qc, catalog.QuestionNumeric)
	qpath := func(id string) string { return qc.quizPath("/questions/" + id) }

	t.Run("ErrUnknownKind", func(t *testing.T) {
		lock := quizLockOf(t, b.get(qc.quizPath("")))
		r := b.post(qc.quizPath(""), qc.quizPath("/questions"), url.Values{"kind": {"essay"}, "lock_version": {lock}})
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(quizErrorText(t, r, "kind"), "問題の種類") {
			t.Fatalf("unknown kind: %d", r.StatusCode)
		}
	})
	t.Run("SingleChoiceOptions", func(t *testing.T) {
		v := quizQuestionValues(t, b.get(qpath(single)))
		if v.Get("option_count") != "2" {
			t.Fatalf("a new single-choice question has %s options", v.Get("option_count"))
		}
		v.Set("prompt_md", "不良率の求め方は？")
		v.Set("option_text_0", "不良数 ÷ 生産数")
		v.Set("option_text_1", "生産数 ÷ 不良数")
		v.Set("action", "add_option")
		r := b.post(qpath(single), qpath(single), v)
		if r.StatusCode != http.StatusOK {
			t.Fatalf("add option: %d", r.StatusCode)
		}
		v = quizQuestionValues(t, r)
		if v.Get("option_count") != "3" || v.Get("prompt_md") != "不良率の求め方は？" || v.Get("option_text_1") != "生産数 ÷ 不良数" {
			t.Fatalf("add option lost what was typed: %v", v)
		}
		// Removing the new, empty option keeps the others.
		v.Set("option_text_2", "")
		v.Set("action", "remove_2")
		r = b.post(qpath(single), qpath(single), v)
		v = quizQuestionValues(t, r)
		if v.Get("option_count") != "2" || v.Get("option_text_0") != "不良数 ÷ 生産数" {
			t.Fatalf("remove option: %v", v)
		}
		var audits int64
		ta.DB.Gorm.Raw(`SELECT count(*) FROM course_revisions WHERE course_id = ? AND content::text LIKE '%不良率の求め方%'`, qc.ID).Row().Scan(&audits)
		if audits != 0 {
			t.Fatal("adding or removing an option saved the question")
		}
		// Saving without a correct answer is refused, with everything kept.
		v.Set("action", "save")
		r = b.post(qpath(single), qpath(single), v)
		if r.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("save without a correct answer: %d", r.StatusCode)
		}
		if msg := quizErrorText(t, r, "options"); !strings.Contains(msg, "ちょうど1つ") {
			t.Fatalf("no-correct error %q", msg)
		}
		if got := quizQuestionValues(t, r); got.Get("prompt_md") != "不良率の求め方は？" || got.Get("option_text_1") != "生産数 ÷ 不良数" {
			t.Fatalf("refused save lost what was typed: %v", got)
		}
		// An empty option text is refused next to that option.
		v.Set("option_text_1", " ")
		v.Set("correct", "0")
		r = b.post(qpath(single), qpath(single), v)
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(quizErrorText(t, r, "option_1"), "選択肢の文") {
			t.Fatalf("empty option text: %d %q", r.StatusCode, quizErrorText(t, r, "option_1"))
		}
		v.Set("option_text_1", "生産数 ÷ 不良数")
		v.Set("feedback_md", "不良率 = 不良数 ÷ 生産数 です。")
		r = b.post(qpath(single), qpath(single), v)
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("valid save: %d\n%.800s", r.StatusCode, r.Body)
		}
		item := b.follow(r).Doc(t).Find("#question-" + single)
		correct := item.Find("li:has(.badge-ok)").Text()
		if !strings.Contains(correct, "不良数 ÷ 生産数") || strings.Contains(correct, "生産数 ÷ 不良数") {
			t.Fatalf("correct answer marked on %q", correct)
		}
		if !strings.Contains(item.Text(), "不良率の求め方は？") {
			t.Fatal("prompt not listed")
		}
	})
	t.Run("ErrPromptRequired", func(t *testing.T) {
		v := quizQuestionValues(t, b.get(qpath(multiple)))
		v.Set("option_text_0", "平均")
		v.Set("option_text_1", "ばらつき")
		v.Set("action", "save")
		r := b.post(qpath(multiple), qpath(multiple), v)
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(quizErrorText(t, r, "prompt_md"), "問題文を入力") {
			t.Fatalf("empty prompt: %d", r.StatusCode)
		}
		if !strings.Contains(quizErrorText(t, r, "options"), "1つ以上") {
			t.Fatalf("multiple choice without a correct answer: %q", quizErrorText(t, r, "options"))
		}
	})
	t.Run("MultipleChoice", func(t *testing.T) {
		v := quizQuestionValues(t, b.get(qpath(multiple)))
		v.Set("prompt_md", "工程能力の評価に使うものをすべて選べ")
		v.Set("option_text_0", "平均")
		v.Set("option_text_1", "標準偏差")
		v.Set("option_count", "3")
		v.Set("option_text_2", "作業者の名前")
		v["correct"] = []string{"0", "1"}
		v.Set("action", "save")
		if r := b.post(qpath(multiple), qpath(multiple), v); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("multiple choice save: %d\n%.600s", r.StatusCode, r.Body)
		}
		d := b.get(qc.quizPath("")).Doc(t)
		if n := d.Find("#question-" + multiple + " .badge-ok").Length(); n != 2 {
			t.Fatalf("%d correct options shown, want 2", n)
		}
	})
	t.Run("TrueFalse", func(t *testing.T) {
		r := b.get(qpath(trueFalse))
		v := quizQuestionValues(t, r)
		if v.Get("option_text_0") != "正しい" || v.Get("option_text_1") != "誤り" {
			t.Fatalf("true/false options %q %q", v.Get("option_text_0"), v.Get("option_text_1"))
		}
		if r.Doc(t).Find(`button[value="add_option"], button[value^="remove_"]`).Length() != 0 {
			t.Fatal("a true/false question offers to add or remove options")
		}
		if r.Doc(t).Find(`input[type="radio"][name="correct"]`).Length() != 2 {
			t.Fatal("true/false correct answer is not a radio choice")
		}
		v.Set("prompt_md", "管理図は工程の異常を見つけるために使う。")
		v.Set("correct", "0")
		v.Set("action", "save")
		if r := b.post(qpath(trueFalse), qpath(trueFalse), v); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("true/false save: %d", r.StatusCode)
		}
	})
	t.Run("Numeric", func(t *testing.T) {
		v := quizQuestionValues(t, b.get(qpath(numeric)))
		v.Set("prompt_md", "1000個中25個が不良のとき、不良率は何%か。")
		v.Set("answer", "二・五")
		v.Set("tolerance", "-1")
		v.Set("action", "save")
		r := b.post(qpath(numeric), qpath(numeric), v)
		if r.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("bad numeric answer: %d", r.StatusCode)
		}
		if !strings.Contains(quizErrorText(t, r, "answer"), "数値") || !strings.Contains(quizErrorText(t, r, "tolerance"), "0以上") {
			t.Fatalf("numeric errors %q / %q", quizErrorText(t, r, "answer"), quizErrorText(t, r, "tolerance"))
		}
		if got := quizQuestionValues(t, r); got.Get("answer") != "二・五" {
			t.Fatalf("typed answer not kept: %q", got.Get("answer"))
		}
		v.Set("answer", "2.5")
		v.Set("tolerance", "0.1")
		v.Set("feedback_md", "25 ÷ 1000 = 0.025 = 2.5%")
		if r := b.post(qpath(numeric), qpath(numeric), v); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("numeric save: %d", r.StatusCode)
		}
		if item := b.get(qc.quizPath("")).Doc(t).Find("#question-" + numeric).Text(); !strings.Contains(item, "正解：2.5") || !strings.Contains(item, "±0.1") {
			t.Fatalf("numeric answer shown as %q", item)
		}
	})
	t.Run("ErrStaleKeepsTyped", func(t *testing.T) {
		page := b.get(qpath(single))
		v := quizQuestionValues(t, page)
		// Someone else saves the quiz settings meanwhile.
		lock := quizLockOf(t, b.get(qc.quizPath("")))
		if r := b.post(qc.quizPath(""), qc.quizPath(""), url.Values{"pass_percent": {"70"}, "max_attempts": {"0"}, "lock_version": {lock}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("settings: %d", r.StatusCode)
		}
		v.Set("prompt_md", "不良率の求め方として正しいものは？")
		v.Set("action", "save")
		r := b.post(qpath(single), qpath(single), v)
		if r.StatusCode != http.StatusConflict {
			t.Fatalf("save over a newer version: %d", r.StatusCode)
		}
		if alert := r.Doc(t).Find(`[role="alert"]`).Text(); !strings.Contains(alert, "別の人が保存しました") {
			t.Fatalf("stale message %q", alert)
		}
		got := quizQuestionValues(t, r)
		if got.Get("prompt_md") != "不良率の求め方として正しいものは？" {
			t.Fatalf("stale save lost the typed prompt: %q", got.Get("prompt_md"))
		}
		// Saving again (with the version the page now carries) applies it.
		got.Set("action", "save")
		if r := b.post(qpath(single), qpath(single), got); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("second save after stale: %d", r.StatusCode)
		}
	})
	order := func() []string {
		var ids []string
		b.get(qc.quizPath("")).Doc(t).Find("#quiz-questions > li").Each(func(_ int, s *goquery.Selection) {
			id, _ := s.Attr("id")
			ids = append(ids, strings.TrimPrefix(id, "question-"))
		})
		return ids
	}
	t.Run("MoveAndDelete", func(t *testing.T) {
		lock := quizLockOf(t, b.get(qc.quizPath("")))
		r := b.post(qc.quizPath(""), qpath(numeric)+"/move", url.Values{"direction": {"up"}, "lock_version": {lock}})
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("move: %d", r.StatusCode)
		}
		if got := strings.Join(order(), ","); got != strings.Join([]string{single, multiple, numeric, trueFalse}, ",") {
			t.Fatalf("order after moving the numeric question up: %s", got)
		}
		lock = quizLockOf(t, b.get(qc.quizPath("")))
		if r := b.post(qc.quizPath(""), qpath(multiple)+"/delete", url.Values{"lock_version": {lock}}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("delete: %d", r.StatusCode)
		}
		if got := strings.Join(order(), ","); got != strings.Join([]string{single, numeric, trueFalse}, ",") {
			t.Fatalf("order after deleting: %s", got)
		}
		// A button pressed on a page loaded before the delete is stale.
		r = b.post(qc.quizPath(""), qpath(single)+"/move", url.Values{"direction": {"down"}, "lock_version": {lock}})
		if r.StatusCode != http.StatusConflict {
			t.Fatalf("move with an old version: %d", r.StatusCode)
		}
	})
	t.Run("Preview", func(t *testing.T) {
		page := b.get(qc.quizPath("")).Doc(t)
		if page.Find("#quiz-try fieldset").Length() != 3 {
			t.Fatalf("try-the-quiz shows %d questions", page.Find("#quiz-try fieldset").Length())
		}
		if strings.Contains(page.Find("#quiz-try").Text(), "正解") {
			t.Fatal("try-the-quiz reveals answers")
		}
		// Answer the single-choice question right and the numeric one wrong.
		var rightOption string
		page.Find(`#try-` + single + ` input[type="radio"]`).Each(func(_ int, s *goquery.Selection) {
			if strings.Contains(s.Parent().Text(), "不良数 ÷ 生産数") {
				rightOption, _ = s.Attr("value")
			}
		})
		r := b.post(qc.quizPath(""), qc.quizPath("/preview"), url.Values{"q_" + single: {rightOption}, "q_" + numeric: {"3"}})
		if r.StatusCode != http.StatusOK {
			t.Fatalf("preview: %d", r.StatusCode)
		}
		d := r.Doc(t)
		if score := d.Find("#quiz-score").Text(); !strings.Contains(score, "1 / 3") || !strings.Contains(score, "不合格") {
			t.Fatalf("score %q", score)
		}
		if res := d.Find("#result-" + single).Text(); !strings.Contains(res, "正解") || !strings.Contains(res, "不良率 = 不良数 ÷ 生産数") {
			t.Fatalf("single-choice result %q", res)
		}
		if res := d.Find("#result-" + numeric).Text(); !strings.Contains(res, "不正解") || !strings.Contains(res, "0.025") {
			t.Fatalf("numeric result %q", res)
		}
		if res := d.Find("#result-" + trueFalse).Text(); !strings.Contains(res, "未回答") {
			t.Fatalf("unanswered result %q", res)
		}
		if v, _ := d.Find(`input[name="q_` + numeric + `"]`).Attr("value"); v != "3" {
			t.Fatalf("typed answer not kept in the result: %q", v)
		}
	})
}

// TestQuizNoCorrectAnswerBlocksPublish: a quiz whose question has no correct
// answer cannot be published, through the studio's publish button.
func TestQuizNoCorrectAnswerBlocksPublish(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	qc := quizCreateCourse(t, ta, "quiz-publish@example.jp", "publish-101")
	b := ta.signedIn(t, qc.AuthorEmail, "")
	ctx := context.Background()
	// The other lessons are ready; only the quiz is incomplete.
	if _, err := ta.App.Server.Courses.EditDraft(ctx, catalog.Actor{UserID: qc.AuthorID}, qc.ID, 0, func(ct *catalog.Content) error {
		ct.Modules[0].Lessons = []catalog.Lesson{ct.Modules[0].Lessons[0], ct.Modules[0].Lessons[1]}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	qid := quizAdd(t, b, qc, catalog.QuestionMultiple)
	// Saved through the form without a correct answer is refused; so the
	// question stays without one (as added).
	v := quizQuestionValues(t, b.get(qc.quizPath("/questions/"+qid)))
	v.Set("prompt_md", "正しいものをすべて選べ")
	v.Set("option_text_0", "A")
	v.Set("option_text_1", "B")
	v.Set("action", "save")
	if r := b.post(qc.quizPath("/questions/"+qid), qc.quizPath("/questions/"+qid), v); r.StatusCode != http.StatusUnprocessableEntity {
		t.Fatalf("saved a multiple-choice question without a correct answer: %d", r.StatusCode)
	}
	if _, err := ta.App.Server.Courses.Publish(ctx, catalog.Actor{UserID: qc.AuthorID}, qc.ID); err == nil {
		t.Fatal("the domain published a quiz with no correct answer")
	}
	r := b.post("/studio/courses/"+qc.ID+"/publish", "/studio/courses/"+qc.ID+"/publish", url.Values{})
	if r.StatusCode < 400 || !strings.Contains(r.Body, "正解のない複数選択問題") {
		t.Fatalf("publish button: status %d, want a refusal naming the question without a correct answer\n%.1500s", r.StatusCode, r.Body)
	}
	var status string
	ta.DB.Gorm.Raw("SELECT status FROM courses WHERE id = ?", qc.ID).Row().Scan(&status)
	if status != catalog.StatusDraft {
		t.Fatalf("course is %s after publishing a quiz without a correct answer", status)
	}
	// Marking the correct answers makes it publishable.
	v.Set("correct", "0")
	if r := b.post(qc.quizPath("/questions/"+qid), qc.quizPath("/questions/"+qid), v); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("save with a correct answer: %d", r.StatusCode)
	}
	if _, err := ta.App.Server.Courses.Publish(ctx, catalog.Actor{UserID: qc.AuthorID}, qc.ID); err != nil {
		t.Fatalf("publish once correct: %v", err)
	}
}

// TestQuizOtherProviderAndLearner: an instructor of another provider gets
// 404 on every quiz and media route of provider A's course (and changes
// nothing); a learner cannot open them at all.
func TestQuizOtherProviderAndLearner(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	qc := quizCreateCourse(t, ta, "quiz-owner@example.jp", "owner-101")
	qid := quizAddDirect(t, ta, qc)
	other := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "quiz-other@example.jp"})
	fixtures.MustAddMember(t, ta.DB, "研修機関B", "provider", other, "instructor", false)
	ob := ta.signedIn(t, "quiz-other@example.jp", "")
	fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "quiz-learner@example.jp"})
	lb := ta.signedIn(t, "quiz-learner@example.jp", "")

	var before int
	ta.DB.Gorm.Raw("SELECT lock_version FROM course_revisions WHERE course_id = ?", qc.ID).Row().Scan(&before)
	gets := []string{qc.quizPath(""), qc.quizPath("/questions/" + qid),
		"/studio/courses/" + qc.ID + "/lessons/" + qc.VideoID + "/media"}
	posts := map[string]url.Values{
		qc.quizPath(""):                              {"pass_percent": {"10"}, "lock_version": {"0"}},
		qc.quizPath("/questions"):                    {"kind": {"single"}, "lock_version": {"0"}},
		qc.quizPath("/questions/" + qid):             {"prompt_md": {"乗っ取り"}, "action": {"save"}, "lock_version": {"0"}},
		qc.quizPath("/questions/" + qid + "/move"):   {"direction": {"down"}, "lock_version": {"0"}},
		qc.quizPath("/questions/" + qid + "/delete"): {"lock_version": {"0"}},
		qc.quizPath("/preview"):                      {},
		"/studio/courses/" + qc.ID + "/lessons/" + qc.VideoID + "/media/transcript": {"transcript": {"x"}, "lock_version": {"0"}},
	}
	for _, p := range gets {
		if r := ob.get(p); r.StatusCode != http.StatusNotFound {
			t.Errorf("other provider GET %s: %d, want 404", p, r.StatusCode)
		}
		if r := lb.get(p); r.StatusCode != http.StatusForbidden {
			t.Errorf("learner GET %s: %d, want 403", p, r.StatusCode)
		}
	}
	otok, ltok := ob.csrf("/"), lb.csrf("/")
	for p, v := range posts {
		ov := url.Values{"_csrf": {otok}}
		lv := url.Values{"_csrf": {ltok}}
		for k, x := range v {
			ov[k], lv[k] = x, x
		}
		if r := ob.postRaw(p, ov); r.StatusCode != http.StatusNotFound {
			t.Errorf("other provider POST %s: %d, want 404", p, r.StatusCode)
		}
		if r := lb.postRaw(p, lv); r.StatusCode != http.StatusForbidden {
			t.Errorf("learner POST %s: %d, want 403", p, r.StatusCode)
		}
	}
	var after int
	ta.DB.Gorm.Raw("SELECT lock_version FROM course_revisions WHERE course_id = ?", qc.ID).Row().Scan(&after)
	if after != before {
		t.Fatalf("the draft changed (lock version %d → %d)", before, after)
	}
}

// quizAddDirect adds a single-choice question through the domain.
func quizAddDirect(t *testing.T, ta *testApp, qc quizCourse) string {
	t.Helper()
	_, qid, err := ta.App.Server.Courses.AddQuestion(context.Background(), catalog.Actor{UserID: qc.AuthorID}, qc.ID, qc.QuizID, 0,
		catalog.NewQuestion{Kind: catalog.QuestionSingle})
	if err != nil {
		t.Fatal(err)
	}
	return qid
}

// TestQuizBrowserJourney: an instructor opens the quiz editor of a course
// made through the domain, adds a single-choice question with two options,
// is told to mark the correct one, marks it and saves, tries the quiz and
// sees the score and feedback; then opens a video lesson's file page and
// uploads a video. axe checks every page on the way.
func TestQuizBrowserJourney(t *testing.T) {
	ta := startApp(t)
	qc := quizCreateCourse(t, ta, "quiz-journey@example.jp", "journey-101")
	ctx := newChrome(t)
	do(t, ctx,
		chromedp.Navigate(ta.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/login"]`)),
		chromedp.SendKeys(chromedp.CSS("#f-email"), qc.AuthorEmail),
		chromedp.SendKeys(chromedp.CSS("#f-password"), fixtures.Password),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"]`)),
		chromedp.Navigate(ta.URL+qc.quizPath("")),
		chromedp.WaitVisible(chromedp.CSS("#quiz-add")),
	)
	if h1 := text(t, ctx, "h1"); !strings.Contains(h1, "確認テスト") {
		t.Fatalf("quiz editor h1 %q", h1)
	}
	checkAxe(t, ctx, "quiz editor")

	do(t, ctx,
		chromedp.SetValue(chromedp.CSS("#f-kind"), catalog.QuestionSingle),
		chromedp.Click(chromedp.CSS(`#quiz-add button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#question-form")),
		chromedp.SendKeys(chromedp.CSS("#f-prompt_md"), "製造ラインの不良率の求め方は？"),
		chromedp.SendKeys(chromedp.CSS("#f-option_0"), "不良数 ÷ 生産数"),
		chromedp.SendKeys(chromedp.CSS("#f-option_1"), "生産数 ÷ 不良数"),
		chromedp.SendKeys(chromedp.CSS("#f-feedback_md"), "不良率は不良数を生産数で割って求めます。"),
		chromedp.Click(chromedp.CSS(`#question-form button[value="save"]`)),
		chromedp.WaitVisible(chromedp.CSS("#f-options-error")),
	)
	if msg := text(t, ctx, "#f-options-error"); !strings.Contains(msg, "正解の選択肢をちょうど1つ") {
		t.Fatalf("error without a correct answer: %q", msg)
	}
	if v := attr(t, ctx, "#f-option_1", "value"); v != "生産数 ÷ 不良数" {
		t.Fatalf("typed option lost after the error: %q", v)
	}
	checkAxe(t, ctx, "question form with an error")

	do(t, ctx,
		chromedp.Click(chromedp.CSS("#f-correct_0")),
		chromedp.Click(chromedp.CSS(`#question-form button[value="save"]`)),
		chromedp.WaitVisible(chromedp.CSS("#quiz-questions .badge-ok")),
	)
	if li := text(t, ctx, "#quiz-questions li li:has(.badge-ok)"); !strings.Contains(li, "不良数 ÷ 生産数") {
		t.Fatalf("correct option shown as %q", li)
	}

	do(t, ctx,
		chromedp.Click(chromedp.CSS(`#quiz-try input[type="radio"]`)),
		chromedp.Click(chromedp.CSS(`#quiz-try button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#quiz-score")),
	)
	if score := text(t, ctx, "#quiz-score"); !strings.Contains(score, "1 / 1") || !strings.Contains(score, "合格です") {
		t.Fatalf("score %q", score)
	}
	if fb := text(t, ctx, "#quiz-try .notice"); !strings.Contains(fb, "正解") || !strings.Contains(fb, "不良率は不良数を生産数で割って求めます。") {
		t.Fatalf("feedback %q", fb)
	}
	checkAxe(t, ctx, "quiz preview result")

	video := filepath.Join(t.TempDir(), "lecture.mp4")
	if err := os.WriteFile(video, mediaTestMP4, 0o600); err != nil {
		t.Fatal(err)
	}
	do(t, ctx,
		chromedp.Navigate(ta.URL+qc.mediaPath(qc.VideoID)),
		chromedp.WaitVisible(chromedp.CSS("#media-upload")),
	)
	checkAxe(t, ctx, "media upload page")
	do(t, ctx,
		chromedp.SetUploadFiles(chromedp.CSS("#f-file"), []string{video}),
		chromedp.Click(chromedp.CSS(`#media-upload button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#media-current")),
	)
	if src := attr(t, ctx, "video", "src"); !strings.HasPrefix(src, "/media/") {
		t.Fatalf("video preview src %q", src)
	}
	checkAxe(t, ctx, "media page with the uploaded video")
}
