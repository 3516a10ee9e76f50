package web_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"takumi/internal/fixtures"
)

// TestJourneyCourseToCatalogue is the courses issue's journey, clicked
// through in Chromium: an instructor creates a course with a module, a
// reading lesson and a quiz, publishes it, and a visitor finds it in the
// catalogue by a two-character Japanese word that appears only in the middle
// of the title (溶接, "welding"), then opens its page.
func TestJourneyCourseToCatalogue(t *testing.T) {
	ta := startApp(t)
	ctx := newChrome(t)
	id := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "journey-instructor@example.jp", Name: "高橋 講師"})
	fixtures.MustAddMember(t, ta.DB, "東海溶接技術学院", "provider", id, "instructor", false)

	do(t, ctx,
		chromedp.Navigate(ta.URL+"/login"),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/login"]`)),
		chromedp.SendKeys(chromedp.CSS("#f-email"), "journey-instructor@example.jp"),
		chromedp.SendKeys(chromedp.CSS("#f-password"), fixtures.Password),
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/logout"]`)),
		chromedp.Click(chromedp.CSS(`nav.main-nav a[href="/studio"]`)),
		chromedp.WaitVisible(chromedp.CSS(`a[href="/studio/courses/new"]`)),
		chromedp.Click(chromedp.CSS(`a[href="/studio/courses/new"]`)),
		chromedp.WaitVisible(chromedp.CSS("#course-form")),
		chromedp.SendKeys(chromedp.CSS("#f-code"), "robot-welding-101"),
		chromedp.SendKeys(chromedp.CSS("#f-title_ja"), "ロボット溶接の安全入門"),
		chromedp.SendKeys(chromedp.CSS("#f-title_en"), "Safe robotic welding: an introduction"),
		chromedp.SendKeys(chromedp.CSS("#f-summary_ja"), "アーク溶接ロボットを安全に扱うための基本を学びます。"),
		chromedp.SetValue(chromedp.CSS("#f-skill_area"), "robotics"),
		chromedp.SetValue(chromedp.CSS("#f-level"), "introductory"),
		chromedp.SendKeys(chromedp.CSS("#f-estimated_hours"), "3"),
		chromedp.Click(chromedp.CSS(`#course-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#structure")),
	)
	do(t, ctx,
		// A module with a reading lesson and a quiz.
		chromedp.SendKeys(chromedp.CSS("#module-new-ja"), "安全の基本"),
		chromedp.Click(chromedp.CSS(`form.add-module button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("li.studio-module form.add-lesson")),
		chromedp.Sleep(300*time.Millisecond),
		chromedp.SetValue(chromedp.CSS("li.studio-module form.add-lesson select"), "reading"),
		chromedp.SendKeys(chromedp.CSS(`li.studio-module form.add-lesson input[name="title_ja"]`), "溶接ロボットの危険源"),
		chromedp.Click(chromedp.CSS(`li.studio-module form.add-lesson button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("table.studio-lessons tbody tr a")),
		chromedp.Sleep(300*time.Millisecond), // let htmx settle the swapped structure
		// With lessons present, the add-lesson form is folded away: open it.
		chromedp.Click(chromedp.CSS("li.studio-module details.studio-more:last-of-type > summary")),
		chromedp.WaitVisible(chromedp.CSS(`li.studio-module form.add-lesson input[name="title_ja"]`)),
		chromedp.SetValue(chromedp.CSS("li.studio-module form.add-lesson select"), "quiz"),
		chromedp.SendKeys(chromedp.CSS(`li.studio-module form.add-lesson input[name="title_ja"]`), "確認テスト"),
		chromedp.Click(chromedp.CSS(`li.studio-module form.add-lesson button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("table.studio-lessons tbody tr:nth-child(2) a")),
	)
	do(t, ctx,
		// The reading lesson's text.
		chromedp.Click(chromedp.CSS("table.studio-lessons tbody tr:nth-child(1) a")),
		chromedp.WaitVisible(chromedp.CSS("#lesson-form")),
		chromedp.SendKeys(chromedp.CSS("#f-body_md"), "## 危険源\n\n- アーク光\n- ヒューム\n- ロボットの動作範囲"),
		chromedp.Click(chromedp.CSS(`button[name="action"][value="save"]`)),
		chromedp.WaitVisible(chromedp.CSS("main .notice-success")),
	)
	// The quiz: one single-choice question with its correct answer.
	clickAndWaitNewPage(t, ctx, "nav.studio-course-nav li:nth-child(2) a")
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#structure")))
	clickAndWaitNewPage(t, ctx, "table.studio-lessons tbody tr:nth-child(2) a")
	do(t, ctx,
		chromedp.Click(chromedp.CSS("#quiz-link")),
		chromedp.WaitVisible(chromedp.CSS("#quiz-add")),
		chromedp.SetValue(chromedp.CSS("#f-kind"), "single"),
		chromedp.Click(chromedp.CSS(`#quiz-add button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#question-form")),
		chromedp.SendKeys(chromedp.CSS("#f-prompt_md"), "ロボットの動作範囲に入るときに必要なことは？"),
		chromedp.SendKeys(chromedp.CSS("#f-option_0"), "ロボットを停止し、安全を確保してから入る"),
		chromedp.SendKeys(chromedp.CSS("#f-option_1"), "動いているうちに素早く入る"),
		chromedp.Click(chromedp.CSS("#f-correct_0")),
		chromedp.SendKeys(chromedp.CSS("#f-feedback_md"), "動作範囲に入る前に必ず停止させます。"),
		chromedp.Click(chromedp.CSS(`#question-form button[value="save"]`)),
		chromedp.WaitVisible(chromedp.CSS("#quiz-questions .badge-ok")),
		// Publish.
		chromedp.Click(chromedp.CSS(`nav.studio-course-nav a[href$="/publish"]`)),
		chromedp.WaitVisible(chromedp.CSS("#revisions")),
	)
	if problems := text(t, ctx, "main"); strings.Contains(problems, "公開できません") {
		t.Fatalf("publish page lists problems: %s", problems)
	}
	do(t, ctx,
		chromedp.Click(chromedp.CSS(`#publish-form button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("main .notice-success")),
	)
	if got := text(t, ctx, "#course-status"); !strings.Contains(got, "公開中") {
		t.Fatalf("course status after publishing: %q", got)
	}

	// A visitor (new browser tab state: signed out) finds it by 溶接.
	do(t, ctx,
		chromedp.Click(chromedp.CSS(`form[action="/logout"] button`)),
		chromedp.WaitVisible(chromedp.CSS(`.header-actions a[href="/login"]`)),
		chromedp.Navigate(ta.URL+"/courses?q="+url.QueryEscape("溶接")),
		chromedp.WaitVisible(chromedp.CSS("main h1")),
	)
	results := text(t, ctx, "main")
	if !strings.Contains(results, "ロボット溶接の安全入門") {
		t.Fatalf("catalogue search for 溶接 does not list the course:\n%s", results)
	}
	checkAxe(t, ctx, "catalogue search results")
	do(t, ctx,
		chromedp.Click(chromedp.CSS(`main a[href$="/robot-welding-101"]`)),
		chromedp.WaitVisible(chromedp.CSS("main h1")),
	)
	if h1, page := text(t, ctx, "main h1"), text(t, ctx, "main"); h1 != "ロボット溶接の安全入門" || !strings.Contains(page, "溶接ロボットの危険源") || strings.Contains(page, "ヒューム") {
		t.Fatalf("course page: h1=%q; it must list the lesson titles but not their text:\n%s", h1, page)
	}
	checkAxe(t, ctx, "course page")
}
