package web_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"takumi/internal/fixtures"
	"takumi/internal/learning"
)

// cohortsBrowserSignOut signs out with the header button.
func cohortsBrowserSignOut(t *testing.T, ctx context.Context) {
	t.Helper()
	clickAndWaitNewPage(t, ctx, `form[action="/logout"] button`)
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS(`.header-actions a[href="/login"]`)))
}

// TestCohortsBrowserJourney is the waitlist promotion clicked through in
// Chromium: an instructor adds a one-seat session in the studio (after a
// refused form), learner A takes the seat, learner B joins the waiting list
// and sees they are first, A withdraws, and B has the seat on "My
// learning" and an email in the mailbox. axe checks every page on the way.
func TestCohortsBrowserJourney(t *testing.T) {
	ta := startApp(t)
	ctx := newChrome(t)
	c := cohortsPublish(t, ta, "cohorts-journey-author@example.jp", "瀬戸内溶接訓練校", "welding-cohort")
	fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "cohorts-journey-a@example.jp", Name: "青木 一郎"})
	fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "cohorts-journey-b@example.jp", Name: "馬場 花子"})
	start := time.Now().In(learning.CohortTZ).AddDate(0, 1, 0)

	// The instructor adds a session with one seat.
	chromeSignIn(t, ctx, ta, "/login", "cohorts-journey-author@example.jp", "", `form[action="/logout"]`)
	do(t, ctx,
		chromedp.Navigate(ta.URL+"/studio/courses/"+c.id),
		chromedp.WaitVisible(chromedp.CSS(`nav.studio-course-nav a[href$="/cohorts"]`)),
	)
	clickAndWaitNewPage(t, ctx, `nav.studio-course-nav a[href$="/cohorts"]`)
	do(t, ctx,
		chromedp.WaitVisible(chromedp.CSS("#cohorts-new form")),
		chromedp.SendKeys(chromedp.CSS("#f-name_ja"), "2027年春期(岡山)"),
		chromedp.SetValue(chromedp.CSS("#f-starts_on"), start.Format(learning.CohortDateLayout)),
		// The end date before the start: refused.
		chromedp.SetValue(chromedp.CSS("#f-ends_on"), start.AddDate(0, 0, -1).Format(learning.CohortDateLayout)),
		chromedp.SetValue(chromedp.CSS("#f-enrol_deadline"), start.AddDate(0, 0, -10).Format(learning.CohortDeadlineLayout)),
		chromedp.SendKeys(chromedp.CSS("#f-capacity"), "1"),
	)
	clickAndWaitNewPage(t, ctx, `#cohorts-new button[type="submit"]`)
	if msg := text(t, ctx, "#f-ends_on-error"); !strings.Contains(msg, "終了日は開始日") {
		t.Fatalf("end-date error %q", msg)
	}
	if v := get(t, ctx, chromedp.Value(chromedp.CSS("#f-name_ja"))); v != "2027年春期(岡山)" {
		t.Fatalf("typed name not kept: %q", v)
	}
	checkAxe(t, ctx, "studio sessions page with a form error")
	do(t, ctx, chromedp.SetValue(chromedp.CSS("#f-ends_on"), start.AddDate(0, 0, 20).Format(learning.CohortDateLayout)))
	clickAndWaitNewPage(t, ctx, `#cohorts-new button[type="submit"]`)
	if flash := text(t, ctx, "main .notice-success"); !strings.Contains(flash, "2027年春期(岡山)") {
		t.Fatalf("flash after adding the session: %q", flash)
	}
	if row := text(t, ctx, "#cohorts-table tbody tr"); !strings.Contains(row, "2027年春期(岡山)") {
		t.Fatalf("sessions table: %q", row)
	}
	checkAxe(t, ctx, "studio sessions page")
	var cohortID string
	ta.DB.Gorm.Raw(`SELECT id FROM cohorts WHERE course_id = ?`, c.id).Row().Scan(&cohortID)
	cohortsBrowserSignOut(t, ctx)

	// Learner A takes the only seat.
	chromeSignIn(t, ctx, ta, "/login", "cohorts-journey-a@example.jp", "", `form[action="/logout"]`)
	do(t, ctx, chromedp.Navigate(ta.URL+c.path), chromedp.WaitVisible(chromedp.CSS("#session-"+cohortID)))
	if seats := text(t, ctx, "#session-"+cohortID+" .session-seats"); !strings.Contains(seats, "残り 1席") {
		t.Fatalf("seats before anyone enrols: %q", seats)
	}
	checkAxe(t, ctx, "course page with sessions")
	clickAndWaitNewPage(t, ctx, "#session-"+cohortID+" form button")
	if loc := location(t, ctx); !strings.HasSuffix(loc, "/learn") {
		t.Fatalf("after enrolling A is at %s", loc)
	}
	if flash := text(t, ctx, "main .notice-success"); !strings.Contains(flash, "席が確保されています") {
		t.Fatalf("A's notice: %q", flash)
	}
	cohortsBrowserSignOut(t, ctx)

	// Learner B finds it full and joins the waiting list.
	chromeSignIn(t, ctx, ta, "/login", "cohorts-journey-b@example.jp", "", `form[action="/logout"]`)
	do(t, ctx, chromedp.Navigate(ta.URL+c.path), chromedp.WaitVisible(chromedp.CSS("#session-"+cohortID)))
	if btn := text(t, ctx, "#session-"+cohortID+" form button"); !strings.Contains(btn, "キャンセル待ちに登録") {
		t.Fatalf("button on a full session: %q", btn)
	}
	clickAndWaitNewPage(t, ctx, "#session-"+cohortID+" form button")
	if flash := text(t, ctx, "main .notice-success"); !strings.Contains(flash, "あなたは 1番目です") {
		t.Fatalf("B's notice: %q", flash)
	}
	do(t, ctx, chromedp.Navigate(ta.URL+c.path), chromedp.WaitVisible(chromedp.CSS("#my-cohort-place")))
	if mine := text(t, ctx, "#my-cohort-place"); !strings.Contains(mine, "キャンセル待ちの 1番目") {
		t.Fatalf("B's place on the course page: %q", mine)
	}
	checkAxe(t, ctx, "course page of a waiting learner")
	cohortsBrowserSignOut(t, ctx)

	// A withdraws through their learning page.
	var aEnrolment string
	ta.DB.Gorm.Raw(`SELECT e.id FROM enrolments e JOIN users u ON u.id = e.user_id WHERE u.email = ? AND e.cohort_id = ?`,
		"cohorts-journey-a@example.jp", cohortID).Row().Scan(&aEnrolment)
	chromeSignIn(t, ctx, ta, "/login", "cohorts-journey-a@example.jp", "", `form[action="/logout"]`)
	do(t, ctx, chromedp.Navigate(ta.URL+"/learn/"+aEnrolment+"/withdraw"), chromedp.WaitVisible(chromedp.CSS("#withdraw-form")))
	clickAndWaitNewPage(t, ctx, `#withdraw-form button[type="submit"]`)
	cohortsBrowserSignOut(t, ctx)

	// B now has the seat, and an email says so.
	chromeSignIn(t, ctx, ta, "/login", "cohorts-journey-b@example.jp", "", `form[action="/logout"]`)
	do(t, ctx, chromedp.Navigate(ta.URL+"/learn"), chromedp.WaitVisible(chromedp.CSS("main h1")))
	if active := text(t, ctx, "main"); !strings.Contains(active, "工作機械の保全実習") {
		t.Fatalf("B's learning page does not list the course:\n%s", active)
	}
	if n := get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll("#in-progress [data-enrolment]").length`)); n != 1 {
		t.Fatalf("B's learning page lists %d courses in progress, want 1", n)
	}
	if n := get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll("#waitlisted").length`)); n != 0 {
		t.Fatal("B is still listed as waiting")
	}
	do(t, ctx,
		chromedp.Navigate(ta.URL+"/dev/mailbox?to="+url.QueryEscape("cohorts-journey-b@example.jp")),
		chromedp.WaitVisible(chromedp.CSS("main h1")),
	)
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(text(t, ctx, "main"), "席が確保されました") {
		if time.Now().After(deadline) {
			t.Fatalf("no seat email for B in the mailbox:\n%s", text(t, ctx, "main"))
		}
		time.Sleep(300 * time.Millisecond)
		do(t, ctx, chromedp.Reload(), chromedp.WaitVisible(chromedp.CSS("main h1")))
	}
}
