package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"takumi/internal/catalog"
	"takumi/internal/fixtures"
	"takumi/internal/learning"
)

// quizplayQuiz is a published self-paced course whose one required lesson
// is a quiz that must be passed: a single-choice question and a numeric one
// (answer 42 ± 0.5), pass mark 100 %, at most 3 attempts.
type quizplayQuiz struct {
	CourseID string
	QuizID   string
	Single   string
	Numeric  string
	Right    string
	Wrong    string
}

func quizplayPublish(t *testing.T, ta *testApp, code string) quizplayQuiz {
	t.Helper()
	q := quizplayQuiz{QuizID: catalog.NewID(), Single: catalog.NewID(), Numeric: catalog.NewID(),
		Right: catalog.NewID(), Wrong: catalog.NewID()}
	c := fixtures.MustCreateCourse(t, ta.DB, fixtures.Course{
		Courses:  ta.App.Server.Courses,
		Provider: fixtures.Org{NameJa: "品質技術アカデミー " + code},
		Author:   fixtures.User{Email: "quizplay-author-" + code + "@example.jp", Name: "小林 講師"},
		Code:     code,
		Content: catalog.Content{TitleJa: "統計的品質管理の入門", SummaryJa: "管理図の読み方を学びます。", SkillArea: "digital_literacy",
			Level: catalog.LevelIntroductory, EstimatedHours: 1, Language: "ja", DeliveryMode: catalog.DeliverySelfPaced,
			Modules: []catalog.Module{{ID: catalog.NewID(), TitleJa: "管理図", Lessons: []catalog.Lesson{
				{ID: q.QuizID, Kind: catalog.LessonQuiz, TitleJa: "管理図の確認テスト", Required: true, MustPass: true, Quiz: &catalog.Quiz{
					PassPercent: 100, MaxAttempts: 3, Questions: []catalog.Question{
						{ID: q.Single, Kind: catalog.QuestionSingle, PromptMd: "管理図で見るものは？",
							FeedbackMd: "管理図は工程の**ばらつき**を見る図です。",
							Options:    []catalog.Option{{ID: q.Right, Text: "工程のばらつき", Correct: true}, {ID: q.Wrong, Text: "社員の人数"}}},
						{ID: q.Numeric, Kind: catalog.QuestionNumeric, PromptMd: "6×7 はいくつ？", Answer: 42, Tolerance: 0.5,
							FeedbackMd: "6×7＝42 です。"},
					}}},
			}}}},
	})
	q.CourseID = c.ID
	return q
}

// quizplayEnrol enrols userID through the learning domain.
func quizplayEnrol(t *testing.T, ta *testApp, userID, courseID string) string {
	t.Helper()
	e, err := ta.App.Server.Learning.EnrolSelfPaced(context.Background(), learning.Learner{UserID: userID}, courseID)
	if err != nil {
		t.Fatal(err)
	}
	return e.ID
}

func quizplayCount(t *testing.T, ta *testApp, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := ta.DB.Gorm.Raw(sql, args...).Row().Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestQuizplayHTTP(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	q := quizplayPublish(t, ta, "quizplay-http")
	idA := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "quizplay-a@example.jp", Name: "受講者 A"})
	idB := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "quizplay-b@example.jp", Name: "受講者 B"})
	enrolA := quizplayEnrol(t, ta, idA, q.CourseID)
	quizplayEnrol(t, ta, idB, q.CourseID)
	a, b := ta.signedIn(t, "quizplay-a@example.jp", ""), ta.signedIn(t, "quizplay-b@example.jp", "")
	quizPath := "/learn/" + enrolA + "/quiz/" + q.QuizID

	t.Run("ErrSignedOut", func(t *testing.T) {
		r := ta.newBrowser(t).get(quizPath)
		if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
			t.Fatalf("signed out: %d %s", r.StatusCode, r.Header.Get("Location"))
		}
	})
	t.Run("Intro", func(t *testing.T) {
		r := a.get(quizPath)
		if r.StatusCode != http.StatusOK {
			t.Fatalf("status %d", r.StatusCode)
		}
		doc := r.Doc(t)
		if h1 := doc.Find("main h1").Text(); !strings.Contains(h1, "管理図の確認テスト") {
			t.Fatalf("h1 %q", h1)
		}
		facts := doc.Find("#quiz-facts").Text()
		if !strings.Contains(facts, "2問") || !strings.Contains(facts, "100%以上") || !strings.Contains(facts, "0回 / 上限3回") {
			t.Fatalf("facts: %s", facts)
		}
		if doc.Find(`#quiz-start button`).Length() != 1 {
			t.Fatal("no Start button")
		}
	})

	var attemptPath string
	t.Run("Start", func(t *testing.T) {
		r := a.post(quizPath, quizPath+"/start", nil)
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("start: %d", r.StatusCode)
		}
		attemptPath = r.Header.Get("Location")
		doc := a.get(attemptPath).Doc(t)
		if doc.Find(`#quiz-attempt input[type="radio"][name="q_`+q.Single+`"]`).Length() != 2 ||
			doc.Find(`#quiz-attempt input[name="q_`+q.Numeric+`"]`).Length() != 1 {
			t.Fatal("the attempt form lacks the questions' inputs")
		}
		if strings.Contains(doc.Text(), "ばらつき**") || doc.Find(".quizplay-feedback").Length() != 0 {
			t.Fatal("feedback shown before the attempt is handed in")
		}
	})
	t.Run("ErrOtherLearner", func(t *testing.T) {
		for _, path := range []string{quizPath, attemptPath} {
			if r := b.get(path); r.StatusCode != http.StatusNotFound {
				t.Errorf("B GET %s: %d", path, r.StatusCode)
			}
		}
		if r := b.post("/account", quizPath+"/start", nil); r.StatusCode != http.StatusNotFound {
			t.Errorf("B starts A's quiz: %d", r.StatusCode)
		}
		r := b.post("/account", attemptPath, url.Values{"q_" + q.Single: {q.Right}, "q_" + q.Numeric: {"42"}})
		if r.StatusCode != http.StatusNotFound {
			t.Errorf("B submits A's attempt: %d", r.StatusCode)
		}
		if n := quizplayCount(t, ta, `SELECT count(*) FROM quiz_attempts a JOIN enrolments e ON e.id = a.enrolment_id
			WHERE e.user_id = ? AND a.submitted_at IS NULL`, idA); n != 1 {
			t.Fatalf("A has %d open attempts after B's tries, want 1", n)
		}
		if n := quizplayCount(t, ta, `SELECT count(*) FROM quiz_attempts a JOIN enrolments e ON e.id = a.enrolment_id WHERE e.user_id = ?`, idB); n != 0 {
			t.Fatalf("B has %d attempts", n)
		}
	})
	t.Run("ErrAnswerToQuestionNotInQuiz", func(t *testing.T) {
		r := a.post(attemptPath, attemptPath, url.Values{"q_" + q.Single: {q.Right}, "q_" + catalog.NewID(): {"1"}})
		if r.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("status %d, want 422", r.StatusCode)
		}
		if msg := r.Doc(t).Find("#error-summary").Text(); !strings.Contains(msg, "この確認テストにない問題") {
			t.Fatalf("message %q", msg)
		}
		if n := quizplayCount(t, ta, `SELECT count(*) FROM quiz_attempts WHERE submitted_at IS NOT NULL`); n != 0 {
			t.Fatalf("%d attempts stored", n)
		}
	})
	t.Run("ErrNumberKeepsChoices", func(t *testing.T) {
		r := a.post(attemptPath, attemptPath, url.Values{"q_" + q.Single: {q.Wrong}, "q_" + q.Numeric: {"よんじゅうに"}})
		if r.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("status %d, want 422", r.StatusCode)
		}
		doc := r.Doc(t)
		if _, checked := doc.Find(`input[value="` + q.Wrong + `"]`).Attr("checked"); !checked {
			t.Fatal("the chosen option was not kept")
		}
		if v, _ := doc.Find(`input[name="q_` + q.Numeric + `"]`).Attr("value"); v != "よんじゅうに" {
			t.Fatalf("typed value %q", v)
		}
		if !strings.Contains(doc.Find("#error-"+q.Numeric).Text(), "数値で入力") {
			t.Fatal("no message next to the number")
		}
	})
	t.Run("FailThenResult", func(t *testing.T) {
		r := a.post(attemptPath, attemptPath, url.Values{"q_" + q.Single: {q.Wrong}, "q_" + q.Numeric: {"42"}})
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != attemptPath {
			t.Fatalf("submit: %d %s", r.StatusCode, r.Header.Get("Location"))
		}
		doc := a.get(attemptPath).Doc(t)
		if s := doc.Find("#quiz-score").Text(); !strings.Contains(s, "1 / 2") || !strings.Contains(s, "不合格") {
			t.Fatalf("score %q", s)
		}
		single := doc.Find("#result-" + q.Single).Text()
		if !strings.Contains(single, "不正解") || !strings.Contains(single, "ばらつき") {
			t.Fatalf("single-choice result %q", single)
		}
		// The learner's choice is shown; the right one is not, while
		// attempts are left.
		if opts := doc.Find("#result-" + q.Single + " .quizplay-options").Text(); !strings.Contains(opts, "社員の人数") || strings.Contains(opts, "工程のばらつき") {
			t.Fatalf("options shown after a failed attempt: %q", opts)
		}
		if doc.Find("#result-"+q.Single+" .quizplay-feedback strong").Length() != 1 {
			t.Fatal("feedback Markdown not rendered")
		}
		if doc.Find("#quiz-retry button").Length() != 1 {
			t.Fatal("no Try again button")
		}
	})
	t.Run("ErrSubmitTwice", func(t *testing.T) {
		r := a.post(quizPath, attemptPath, url.Values{"q_" + q.Single: {q.Right}, "q_" + q.Numeric: {"42"}})
		if r.StatusCode != http.StatusConflict {
			t.Fatalf("status %d, want 409", r.StatusCode)
		}
	})
	t.Run("PassCompletesLesson", func(t *testing.T) {
		r := a.post(quizPath, quizPath+"/start", nil)
		second := r.Header.Get("Location")
		if second == attemptPath || second == "" {
			t.Fatalf("retry did not start a new attempt: %s", second)
		}
		r = a.post(second, second, url.Values{"q_" + q.Single: {q.Right}, "q_" + q.Numeric: {"４２"}})
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("submit: %d", r.StatusCode)
		}
		doc := a.get(second).Doc(t)
		if s := doc.Find("#quiz-score").Text(); !strings.Contains(s, "2 / 2") || !strings.Contains(s, "合格") || !strings.Contains(s, "完了しました") {
			t.Fatalf("score %q", s)
		}
		intro := a.get(quizPath).Doc(t)
		if s := intro.Find("#quiz-lesson-status").Text(); !strings.Contains(s, "完了") || strings.Contains(s, "未完了") {
			t.Fatalf("lesson status %q", s)
		}
		if n := intro.Find("#quiz-attempts tbody tr").Length(); n != 2 {
			t.Fatalf("%d attempts listed", n)
		}
		if quizplayCount(t, ta, `SELECT count(*) FROM enrolments WHERE id = ? AND status = 'completed'`, enrolA) != 1 {
			t.Fatal("the course did not complete")
		}
	})
}

// TestQuizplayBrowserJourney: a learner opens the quiz of their course,
// starts an attempt, answers wrongly and fails (with feedback), tries
// again and passes, and the quiz lesson shows as done.
func TestQuizplayBrowserJourney(t *testing.T) {
	ta := startApp(t)
	ctx := newChrome(t)
	q := quizplayPublish(t, ta, "quizplay-journey")
	id := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "quizplay-journey@example.jp", Name: "山田 受講者"})
	enrolment := quizplayEnrol(t, ta, id, q.CourseID)
	chromeSignIn(t, ctx, ta, "/login", "quizplay-journey@example.jp", "", `form[action="/logout"]`)

	do(t, ctx,
		chromedp.Navigate(ta.URL+"/learn/"+enrolment+"/quiz/"+q.QuizID),
		chromedp.WaitVisible(chromedp.CSS("#quiz-start")),
	)
	if h1 := text(t, ctx, "main h1"); !strings.Contains(h1, "管理図の確認テスト") {
		t.Fatalf("quiz page h1 %q", h1)
	}
	if got := text(t, ctx, "#quiz-lesson-status"); !strings.Contains(got, "未完了") {
		t.Fatalf("lesson status before any attempt: %q", got)
	}
	checkAxe(t, ctx, "quiz intro")

	// First attempt: the wrong option and the right number: 1 of 2, fails.
	clickAndWaitNewPage(t, ctx, "#quiz-start button")
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#quiz-attempt")))
	checkAxe(t, ctx, "quiz attempt form")
	do(t, ctx,
		chromedp.Click(chromedp.CSS(`input[value="`+q.Wrong+`"]`)),
		chromedp.SendKeys(chromedp.CSS("#answer-"+q.Numeric), "42"),
	)
	clickAndWaitNewPage(t, ctx, `#quiz-attempt button[type="submit"]`)
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#quiz-score")))
	if got := text(t, ctx, "#quiz-score"); !strings.Contains(got, "1 / 2") || !strings.Contains(got, "不合格") {
		t.Fatalf("first result: %q", got)
	}
	if got := text(t, ctx, "#result-"+q.Single); !strings.Contains(got, "不正解") || !strings.Contains(got, "ばらつきを見る図") {
		t.Fatalf("feedback on the wrong answer: %q", got)
	}
	checkAxe(t, ctx, "quiz result (failed)")

	// Second attempt: both right.
	clickAndWaitNewPage(t, ctx, "#quiz-retry button")
	do(t, ctx,
		chromedp.WaitVisible(chromedp.CSS("#quiz-attempt")),
		chromedp.Click(chromedp.CSS(`input[value="`+q.Right+`"]`)),
		chromedp.SendKeys(chromedp.CSS("#answer-"+q.Numeric), "42"),
	)
	clickAndWaitNewPage(t, ctx, `#quiz-attempt button[type="submit"]`)
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#quiz-score")))
	if got := text(t, ctx, "#quiz-score"); !strings.Contains(got, "2 / 2") || !strings.Contains(got, "合格です") || !strings.Contains(got, "完了しました") {
		t.Fatalf("second result: %q", got)
	}
	checkAxe(t, ctx, "quiz result (passed)")

	clickAndWaitNewPage(t, ctx, "#quiz-back")
	if got := text(t, ctx, "#quiz-lesson-status"); got != "完了" {
		t.Fatalf("lesson status after passing: %q", got)
	}
	if got := text(t, ctx, "#quiz-attempts tbody"); !strings.Contains(got, "合格") || !strings.Contains(got, "不合格") {
		t.Fatalf("attempts table: %q", got)
	}
}
