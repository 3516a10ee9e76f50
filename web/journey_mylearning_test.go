package web_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"takumi/internal/catalog"
	"takumi/internal/fixtures"
	"takumi/internal/learning"
)

// TestMyLearningPagesBrowserJourney: a learner with more courses in progress
// and more completed courses than "My learning" shows at a time clicks
// through their pages in Chromium, in Japanese and in English: twelve
// cards of each list, the most recently studied first; the next page of
// courses in progress keeps the page of completed courses and the other way
// round; a page past the last shows the last. axe checks both pages.
func TestMyLearningPagesBrowserJourney(t *testing.T) {
	ta := startApp(t)
	ctx := newChrome(t)
	const email = "mylearning-pages@example.jp"
	uid := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: email, Name: "多田 学"})
	const active, completed = learning.MyLearningPageSize + 2, learning.MyLearningPageSize + 1
	title := func(i int) string { return fmt.Sprintf("ページ送り講座 %02d", i) }
	for i := range active + completed {
		c := fixtures.MustCreateCourse(t, ta.DB, fixtures.Course{
			Courses:  ta.App.Server.Courses,
			Provider: fixtures.Org{NameJa: "ページ送り機関"},
			Author:   fixtures.User{Email: fmt.Sprintf("mylearning-pages-author%d@example.jp", i), Name: "講師", NoPassword: true},
			Code:     fmt.Sprintf("mylearning-pages-%d", i),
			Content: catalog.Content{TitleJa: title(i), TitleEn: fmt.Sprintf("Paging course %02d", i), SummaryJa: "概要",
				SkillArea: "digital_literacy", Level: catalog.LevelIntroductory, EstimatedHours: 1, Language: "ja",
				DeliveryMode: catalog.DeliverySelfPaced, Modules: []catalog.Module{{ID: "m1", TitleJa: "第1章",
					Lessons: []catalog.Lesson{{ID: catalog.NewID(), Kind: catalog.LessonReading, TitleJa: "レッスン",
						Required: true, MinMinutes: 5, BodyMd: "本文"}}}}},
		})
		e, _, err := ta.App.Server.Learning.Enrol(context.Background(), learning.Learner{UserID: uid}, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		// Course i was last studied i hours ago; the ones from active on
		// were completed then.
		set := fmt.Sprintf("last_activity_at = now() - interval '%d hours'", i)
		if i >= active {
			set += fmt.Sprintf(", status = 'completed', progress_percent = 100, completed_at = now() - interval '%d hours'", i)
		}
		if err := ta.DB.Gorm.Exec(`UPDATE enrolments SET `+set+` WHERE id = ?`, e.ID).Error; err != nil {
			t.Fatal(err)
		}
	}
	cards := func(section string) []string {
		return get(t, ctx, chromedp.Evaluate[[]string](`Array.from(document.querySelectorAll("#`+section+` li.panel h3")).map(h => h.textContent.trim())`))
	}
	expect := func(section string, from, to int, name func(int) string) {
		t.Helper()
		got := cards(section)
		var want []string
		for i := from; i < to; i++ {
			want = append(want, name(i))
		}
		if strings.Join(got, "|") != strings.Join(want, "|") {
			t.Fatalf("%s shows\n%q\nwant\n%q", section, got, want)
		}
	}
	query := func() url.Values {
		u, err := url.Parse(location(t, ctx))
		if err != nil {
			t.Fatal(err)
		}
		return u.Query()
	}

	chromeSignIn(t, ctx, ta, "/login?next=%2Flearn", email, "", "#in-progress")
	size := learning.MyLearningPageSize
	expect("in-progress", 0, size, title)
	expect("completed", active, active+size, title)
	waitText(t, ctx, "#in-progress-pages", "1 / 2 ページ")
	waitText(t, ctx, "#completed-pages", "1 / 2 ページ")
	checkAxe(t, ctx, "my learning, first pages (ja)")

	clickAndWaitNewPage(t, ctx, `#in-progress-pages a[rel="next"]`)
	if q := query(); q.Get("page") != "2" || q.Get("completed") != "" {
		t.Fatalf("next page of courses in progress: %s", location(t, ctx))
	}
	expect("in-progress", size, active, title)
	expect("completed", active, active+size, title)
	waitText(t, ctx, "#in-progress-pages", "2 / 2 ページ")
	if n := get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('#in-progress-pages a[rel="next"]').length`)); n != 0 {
		t.Fatal("the last page links a next page")
	}

	clickAndWaitNewPage(t, ctx, `#completed-pages a[rel="next"]`)
	if q := query(); q.Get("page") != "2" || q.Get("completed") != "2" {
		t.Fatalf("next page of completed courses: %s", location(t, ctx))
	}
	expect("in-progress", size, active, title)
	expect("completed", active+size, active+completed, title)
	checkAxe(t, ctx, "my learning, second pages (ja)")

	// In English, the previous page of courses in progress keeps the
	// completed courses' page.
	clickAndWaitNewPage(t, ctx, `form.lang-switch button[value="en"]`)
	enTitle := func(i int) string { return fmt.Sprintf("Paging course %02d", i) }
	waitText(t, ctx, "#in-progress-pages", "Page 2 of 2")
	expect("in-progress", size, active, enTitle)
	clickAndWaitNewPage(t, ctx, `#in-progress-pages a[rel="prev"]`)
	if q := query(); q.Get("page") != "" || q.Get("completed") != "2" {
		t.Fatalf("previous page of courses in progress: %s", location(t, ctx))
	}
	expect("in-progress", 0, size, enTitle)
	expect("completed", active+size, active+completed, enTitle)
	waitText(t, ctx, "#completed-pages", "Page 2 of 2")
	checkAxe(t, ctx, "my learning, pages (en)")

	// A page past the last (an old bookmark) shows the last.
	do(t, ctx, chromedp.Navigate(ta.URL+"/learn?page=9&completed=x"), chromedp.WaitVisible(chromedp.CSS("#in-progress")))
	expect("in-progress", size, active, enTitle)
	expect("completed", active, active+size, enTitle)
	waitText(t, ctx, "#in-progress-pages", "Page 2 of 2")
}
