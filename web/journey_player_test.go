package web_test

import (
	"net/url"
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

// TestPlayerLiveTimeBrowserJourney: a learner opens a lesson that needs
// three minutes and sees the minutes done and remaining change without a
// reload (the heartbeat's answer replaces them; the test ages the time on
// task in the database, as the server's clock would, and wakes the
// heartbeat as a return to the tab does), in Japanese and in English. A
// refused "Mark as complete" lands on a GET address (a reload sends
// nothing), and says how long is left. axe checks each state.
func TestPlayerLiveTimeBrowserJourney(t *testing.T) {
	ta := startApp(t)
	ctx := newChrome(t)
	pc := playerPublish(t, ta, "player-live", "ロボット安全の基礎", 3, false)
	fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "live-learner@example.jp", Name: "佐藤 花子"})
	chromeSignIn(t, ctx, ta, "/login?next="+url.QueryEscape(pc.Path), "live-learner@example.jp", "", "#enrol-form")
	clickAndWaitNewPage(t, ctx, `#enrol-form button[type="submit"]`)
	lesson := location(t, ctx)
	waitText(t, ctx, "#time-left", "残り 3 分")
	waitText(t, ctx, "#complete-left", "あと 3 分")
	checkAxe(t, ctx, "player with time left (ja)")

	// Pressing too early: told how long is left, on a GET address.
	clickAndWaitNewPage(t, ctx, `#complete-form button[type="submit"]`)
	if loc := location(t, ctx); !strings.HasSuffix(loc, "?too_early=1") {
		t.Fatalf("a refused completion left the browser on %s", loc)
	}
	waitText(t, ctx, "#too-early", "あと約 3 分")
	checkAxe(t, ctx, "player, completion refused (ja)")

	// Time passes; the page is never reloaded.
	get(t, ctx, chromedp.Evaluate[bool](`(() => { window.liveMark = true; return true })()`))
	wake := chromedp.Evaluate[bool](`document.dispatchEvent(new Event('visibilitychange'))`)
	ta.DB.Gorm.Exec(`UPDATE lesson_progress SET seconds_on_task = 100 WHERE lesson_id = ?`, pc.Lessons[0])
	get(t, ctx, wake)
	waitText(t, ctx, "#time-left", "残り 2 分")
	waitText(t, ctx, "#time-done", "取り組んだ時間 1 分")
	waitText(t, ctx, "#complete-left", "あと 2 分")
	if !get(t, ctx, chromedp.Evaluate[bool](`window.liveMark === true`)) {
		t.Fatal("the page reloaded: the time was not updated in place")
	}
	checkAxe(t, ctx, "player after a heartbeat (ja)")

	// In English: the same live update.
	clickAndWaitNewPage(t, ctx, `form.lang-switch button[value="en"]`)
	if loc := location(t, ctx); !strings.HasPrefix(loc, lesson) {
		t.Fatalf("language switch went to %s", loc)
	}
	waitText(t, ctx, "#time-left", "2 min to go")
	get(t, ctx, chromedp.Evaluate[bool](`(() => { window.liveMark = true; return true })()`))
	ta.DB.Gorm.Exec(`UPDATE lesson_progress SET seconds_on_task = 170 WHERE lesson_id = ?`, pc.Lessons[0])
	get(t, ctx, wake)
	waitText(t, ctx, "#time-left", "1 min to go")
	waitText(t, ctx, "#complete-left", "1 min to go")
	ta.DB.Gorm.Exec(`UPDATE lesson_progress SET seconds_on_task = 185 WHERE lesson_id = ?`, pc.Lessons[0])
	get(t, ctx, wake)
	waitText(t, ctx, "#time-left", "Ready to mark complete")
	if got := text(t, ctx, "#complete-form button"); strings.Contains(got, "to go") {
		t.Fatalf("button still says time is left: %q", got)
	}
	if !get(t, ctx, chromedp.Evaluate[bool](`window.liveMark === true`)) {
		t.Fatal("the page reloaded: the time was not updated in place")
	}
	checkAxe(t, ctx, "player ready (en)")

	// The course page and My learning show the time left for the course.
	do(t, ctx, chromedp.Navigate(ta.URL+"/learn"), chromedp.WaitVisible(chromedp.CSS("#in-progress")))
	if got := text(t, ctx, "#in-progress"); !strings.Contains(got, "Study time") || !strings.Contains(got, pc.Titles[0]) {
		t.Fatalf("my learning (en): %q", got)
	}
	checkAxe(t, ctx, "my learning with time (en)")
	clickAndWaitNewPage(t, ctx, "#in-progress h3 a")
	if got := text(t, ctx, "#course-status"); !strings.Contains(got, "Study time") {
		t.Fatalf("course overview (en): %q", got)
	}
	checkAxe(t, ctx, "course overview with time (en)")
}
