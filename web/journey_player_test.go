package web_test

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"takumi/internal/fixtures"
)

// TestPlayerBrowserJourney is the learner's journey clicked through in
// Chromium: find a self-paced course in the catalogue, enrol on its page,
// read the first lesson, try to complete it too early (told how long is
// left), spend the time (simulated in the database), complete every
// required lesson, and see the course completed on "My learning" and the
// events in "My history". The course's required quiz is passed on the quiz
// area's page, reached from the player. axe checks the course page
// (enrolled), the player, /learn and /learn/history.
func TestPlayerBrowserJourney(t *testing.T) {
	ta := startApp(t)
	ctx := newChrome(t)
	pc := playerPublish(t, ta, "player-journey", "ロボット安全の基礎", 1, true)
	fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "journey-learner@example.jp", Name: "佐藤 花子"})

	do(t, ctx,
		chromedp.Navigate(ta.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/login"]`)),
		chromedp.SendKeys(chromedp.CSS("#f-email"), "journey-learner@example.jp"),
		chromedp.SendKeys(chromedp.CSS("#f-password"), fixtures.Password),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"]`)),
		chromedp.Navigate(ta.URL+"/courses"),
		chromedp.WaitVisible(chromedp.CSS(`main a[href$="/player-journey"]`)),
	)
	clickAndWaitNewPage(t, ctx, `main a[href$="/player-journey"]`)
	if h1 := text(t, ctx, "main h1"); h1 != "ロボット安全の基礎" {
		t.Fatalf("course page h1 %q", h1)
	}
	clickAndWaitNewPage(t, ctx, `#enrol-form button[type="submit"]`)
	if h1, loc := text(t, ctx, "main h1"), location(t, ctx); h1 != pc.Titles[0] || !strings.HasSuffix(loc, "/lessons/"+pc.Lessons[0]) {
		t.Fatalf("after enrolling: h1 %q at %s", h1, loc)
	}
	if flash := text(t, ctx, "main .notice-success"); !strings.Contains(flash, "受講登録しました") {
		t.Fatalf("flash %q", flash)
	}
	checkAxe(t, ctx, "player (reading lesson)")

	// The course page now offers to continue.
	do(t, ctx, chromedp.Navigate(ta.URL+pc.Path), chromedp.WaitVisible(chromedp.CSS("#continue-course")))
	checkAxe(t, ctx, "course page (enrolled)")
	clickAndWaitNewPage(t, ctx, "#continue-course")

	// Too early: the lesson needs a minute on task.
	clickAndWaitNewPage(t, ctx, `#complete-form button[type="submit"]`)
	if msg := text(t, ctx, "#too-early"); !strings.Contains(msg, "あと約 1 分") {
		t.Fatalf("too-early message %q", msg)
	}
	checkAxe(t, ctx, "player (completion refused)")
	// A minute passes (the server's clock decides: age the recorded time).
	ta.DB.Gorm.Exec(`UPDATE lesson_progress SET seconds_on_task = 60 WHERE lesson_id = ?`, pc.Lessons[0])
	clickAndWaitNewPage(t, ctx, `#complete-form button[type="submit"]`)
	if h1 := text(t, ctx, "main h1"); h1 != pc.Titles[1] {
		t.Fatalf("after completing the first lesson: h1 %q", h1)
	}
	if done := attr(t, ctx, `li[data-lesson="`+pc.Lessons[0]+`"]`, "class"); !strings.Contains(done, "player-lesson-done") {
		t.Fatalf("first lesson not marked done in the contents: %q", done)
	}
	clickAndWaitNewPage(t, ctx, `#complete-form button[type="submit"]`)
	// The optional resource comes next; the required quiz after it.
	if h1 := text(t, ctx, "main h1"); h1 != pc.Titles[2] {
		t.Fatalf("after the second reading: h1 %q", h1)
	}
	clickAndWaitNewPage(t, ctx, "#next-lesson")
	if h1 := text(t, ctx, "main h1"); h1 != pc.Titles[3] {
		t.Fatalf("quiz lesson: h1 %q", h1)
	}
	checkAxe(t, ctx, "player (quiz lesson)")
	// The quiz page (the quiz area's): start, answer, hand in.
	clickAndWaitNewPage(t, ctx, "#quiz-link")
	clickAndWaitNewPage(t, ctx, `#quiz-start button[type="submit"]`)
	do(t, ctx, chromedp.Click(chromedp.CSS(`#quiz-attempt input[type="radio"]`)))
	clickAndWaitNewPage(t, ctx, `#quiz-attempt button[type="submit"]`)
	if got := text(t, ctx, "#quiz-score"); !strings.Contains(got, "合格") {
		t.Fatalf("quiz result: %q", got)
	}
	do(t, ctx, chromedp.Navigate(ta.URL+pc.Path), chromedp.WaitVisible(chromedp.CSS("#continue-course")))
	clickAndWaitNewPage(t, ctx, "#continue-course")
	if got := text(t, ctx, "#course-completed"); !strings.Contains(got, "コースを修了しました") {
		t.Fatalf("course page after the quiz: %q", got)
	}

	// My learning, from the header.
	clickAndWaitNewPage(t, ctx, `nav.main-nav a[href="/learn"]`)
	if got := text(t, ctx, "#completed"); !strings.Contains(got, "ロボット安全の基礎") {
		t.Fatalf("my learning, completed: %q", got)
	}
	checkAxe(t, ctx, "my learning")
	clickAndWaitNewPage(t, ctx, `main a[href="/learn/history"]`)
	history := text(t, ctx, "#history")
	for _, want := range []string{"受講登録", "レッスン完了", "確認テストを受験", "コースを修了", pc.Titles[0], pc.Titles[1], pc.Titles[3]} {
		if !strings.Contains(history, want) {
			t.Errorf("history lacks %q:\n%s", want, history)
		}
	}
	checkAxe(t, ctx, "my history")
}
