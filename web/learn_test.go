package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"

	"takumi/internal/catalog"
	"takumi/internal/fixtures"
)

// playerCourse is a published self-paced course for the player's tests.
type playerCourse struct {
	ID      string
	Path    string   // public course page
	Lessons []string // reading (MinMinutes), reading, resource, [quiz]
	Titles  []string
}

// playerPublish publishes a self-paced course by a new provider: a module
// with a required reading that needs minMinutes on task, a required
// reading, and an optional resource; withQuiz adds a required quiz (one
// true/false question, the first option right) as the last lesson.
func playerPublish(t *testing.T, ta *testApp, code, title string, minMinutes int, withQuiz bool) playerCourse {
	t.Helper()
	c := fixtures.MustCreateCourse(t, ta.DB, fixtures.Course{
		Courses:  ta.App.Server.Courses,
		Provider: fixtures.Org{NameJa: "提供機関 " + code},
		Author:   fixtures.User{Email: "author-" + code + "@example.jp", Name: "講師 " + code},
		Code:     code,
		Content: catalog.Content{TitleJa: title, TitleEn: title + " (en)", SummaryJa: "学習者の旅を確かめる講座です。", SkillArea: "digital_literacy",
			Level: catalog.LevelIntroductory, EstimatedHours: 2, Language: "ja", DeliveryMode: catalog.DeliverySelfPaced},
		Draft: true,
	})
	media := fixtures.MustCreateMedia(t, ta.DB, c.ProviderID, c.ID, "checklist.pdf", 3072, "player-"+code)
	pc := playerCourse{ID: c.ID, Path: c.Path,
		Lessons: []string{catalog.NewID(), catalog.NewID(), catalog.NewID()},
		Titles:  []string{"安全の基本", "現場での確認", "点検表"}}
	modules := []catalog.Module{{ID: catalog.NewID(), TitleJa: "第1章 はじめに", Lessons: []catalog.Lesson{
		{ID: pc.Lessons[0], Kind: catalog.LessonReading, TitleJa: pc.Titles[0], Required: true, MinMinutes: minMinutes,
			BodyMd: "# 安全第一\n\n作業の前に**危険源**を確認します。"},
		{ID: pc.Lessons[1], Kind: catalog.LessonReading, TitleJa: pc.Titles[1], Required: true, BodyMd: "指差し呼称で確認します。"},
		{ID: pc.Lessons[2], Kind: catalog.LessonResource, TitleJa: pc.Titles[2], MediaID: media, BodyMd: "印刷して使います。"},
	}}}
	if withQuiz {
		pc.Lessons, pc.Titles = append(pc.Lessons, catalog.NewID()), append(pc.Titles, "確認テスト")
		modules[0].Lessons = append(modules[0].Lessons, catalog.Lesson{ID: pc.Lessons[3], Kind: catalog.LessonQuiz,
			TitleJa: pc.Titles[3], Required: true, MustPass: true, Quiz: &catalog.Quiz{PassPercent: 100,
				Questions: []catalog.Question{{ID: catalog.NewID(), Kind: catalog.QuestionTrueFalse, PromptMd: "作業の前に危険源を確認する。",
					Options: []catalog.Option{{ID: catalog.NewID(), Text: "正しい", Correct: true}, {ID: catalog.NewID(), Text: "誤り"}}}}}})
	}
	c.MustPublish(t, modules)
	return pc
}

// playerEnrol enrols b through the course page's form and returns the
// enrolment id and the redirect target.
func playerEnrol(t *testing.T, ta *testApp, b *browser, pc playerCourse) (string, string) {
	t.Helper()
	r := b.post(pc.Path, "/learn/enrol", url.Values{"course_id": {pc.ID}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("enrol: status %d\n%.500s", r.StatusCode, r.Body)
	}
	loc := r.Header.Get("Location")
	parts := strings.Split(loc, "/")
	if len(parts) < 3 || parts[1] != "learn" {
		t.Fatalf("enrol redirected to %q", loc)
	}
	return parts[2], loc
}

func TestPlayerHTTP(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	pc := playerPublish(t, ta, "player-http", "現場の安全入門", 2, false)
	other := playerPublish(t, ta, "player-http-other", "別の講座", 0, false)
	a, aID := ta.signedInLearner(t, "player-a@example.jp")
	bob, _ := ta.signedInLearner(t, "player-b@example.jp")

	t.Run("SignedOutCoursePageLinksToSignIn", func(t *testing.T) {
		r := ta.newBrowser(t).get(pc.Path)
		href, _ := r.Doc(t).Find("#enrol-sign-in").Attr("href")
		if r.StatusCode != http.StatusOK || href != "/login?next="+url.QueryEscape(pc.Path) {
			t.Fatalf("signed-out course page: %d, sign-in link %q", r.StatusCode, href)
		}
		if r := ta.newBrowser(t).get("/learn"); r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/login?next=%2Flearn" {
			t.Fatalf("signed-out /learn: %d %s", r.StatusCode, r.Header.Get("Location"))
		}
	})

	enrolment, loc := playerEnrol(t, ta, a, pc)
	t.Run("EnrolLeadsToTheFirstLesson", func(t *testing.T) {
		if loc != "/learn/"+enrolment+"/lessons/"+pc.Lessons[0] {
			t.Fatalf("enrol redirected to %s", loc)
		}
		r := a.get(loc)
		d := r.Doc(t)
		if r.StatusCode != http.StatusOK || d.Find("main h1").Text() != pc.Titles[0] || d.Find("main h1").Length() != 1 {
			t.Fatalf("first lesson: %d, h1 %q", r.StatusCode, d.Find("main h1").Text())
		}
		if !strings.Contains(d.Find(".notice-success").Text(), "受講登録しました") || d.Find(".prose h2").Text() != "安全第一" {
			t.Fatalf("first lesson page: flash %q, body heading %q", d.Find(".notice-success").Text(), d.Find(".prose h2").Text())
		}
		if hx, _ := d.Find("#player-heartbeat").Attr("hx-post"); hx != loc+"/heartbeat" {
			t.Fatalf("heartbeat %q", hx)
		}
	})
	t.Run("EnrolTwiceNoDuplicate", func(t *testing.T) {
		again, loc2 := playerEnrol(t, ta, a, pc)
		var n int
		ta.DB.Gorm.Raw(`SELECT count(*) FROM enrolments WHERE user_id = ? AND course_id = ?`, aID, pc.ID).Row().Scan(&n)
		if again != enrolment || n != 1 || !strings.Contains(loc2, "/lessons/") {
			t.Fatalf("second enrolment: %s (%s), %d rows", again, loc2, n)
		}
	})
	t.Run("CoursePageShowsContinue", func(t *testing.T) {
		r := a.get(pc.Path)
		href, _ := r.Doc(t).Find("#continue-course").Attr("href")
		if href != "/learn/"+enrolment+"/lessons/"+pc.Lessons[0] || r.Doc(t).Find("#enrol-form").Length() != 0 {
			t.Fatalf("continue link %q", href)
		}
	})
	lesson0 := "/learn/" + enrolment + "/lessons/" + pc.Lessons[0]
	t.Run("ErrCompleteTooEarlyRedirects", func(t *testing.T) {
		// POST/redirect/GET: a reload of the page shown does not send the form again.
		r := a.post(lesson0, lesson0+"/complete", nil)
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != lesson0+"?too_early=1" {
			t.Fatalf("too early: %d → %q", r.StatusCode, r.Header.Get("Location"))
		}
		d := a.follow(r).Doc(t)
		if !strings.Contains(d.Find("#too-early").Text(), "あと約 2 分") {
			t.Fatalf("too early: %q", d.Find("#too-early").Text())
		}
		if got := d.Find("#complete-form button").Text(); !strings.Contains(got, "完了にする") || !strings.Contains(got, "あと 2 分") {
			t.Fatalf("the button does not say how long is left: %q", got)
		}
		if got := d.Find("#lesson-time").Text(); !strings.Contains(got, "取り組んだ時間 0 分") || !strings.Contains(got, "残り 2 分") || !strings.Contains(got, "時点の計測") {
			t.Fatalf("lesson time: %q", got)
		}
		if d.Find("#lesson-time noscript").Length() != 1 {
			t.Fatal("without JavaScript the page does not say to reload for the latest time")
		}
	})
	t.Run("HeartbeatAnswersTheTimeLeft", func(t *testing.T) {
		ta.DB.Gorm.Exec(`UPDATE lesson_progress SET seconds_on_task = 61 WHERE enrolment_id = ? AND lesson_id = ?`, enrolment, pc.Lessons[0])
		r := a.post(lesson0, lesson0+"/heartbeat", nil)
		d := r.Doc(t)
		if r.StatusCode != http.StatusOK || !strings.Contains(d.Find("#lesson-time").Text(), "取り組んだ時間 1 分") || !strings.Contains(d.Find("#lesson-time").Text(), "残り 1 分") {
			t.Fatalf("heartbeat: %d %q", r.StatusCode, d.Find("#lesson-time").Text())
		}
		if oob, _ := d.Find("#complete-left").Attr("hx-swap-oob"); oob != "true" || !strings.Contains(d.Find("#complete-left").Text(), "あと 1 分") {
			t.Fatalf("button's time left: %q %q", oob, d.Find("#complete-left").Text())
		}
		ov := a.get("/learn/" + enrolment).Doc(t)
		if got := ov.Find("#course-time-text").Text(); !strings.Contains(got, "残り約 1 分") {
			t.Fatalf("course overview time left: %q", got)
		}
		if got := ov.Find(`tr[data-lesson="` + pc.Lessons[0] + `"] .lesson-remaining`).Text(); !strings.Contains(got, "1 分") {
			t.Fatalf("course overview lesson time left: %q", got)
		}
		ml := a.get("/learn").Doc(t).Find(`#in-progress li[data-enrolment="` + enrolment + `"]`)
		if got := ml.Text(); !strings.Contains(got, "残り約 1 分") || !strings.Contains(got, pc.Titles[0]) {
			t.Fatalf("my learning time left: %q", got)
		}
		if v, _ := ml.Find("#time-" + enrolment).Attr("value"); v == "0" || v == "" {
			t.Fatalf("my learning time progress %q after a minute of study", v)
		}
	})
	t.Run("ErrLessonOfAnotherCourse", func(t *testing.T) {
		p := "/learn/" + enrolment + "/lessons/" + other.Lessons[0]
		if r := a.get(p); r.StatusCode != http.StatusNotFound {
			t.Fatalf("GET: %d", r.StatusCode)
		}
		if r := a.post(lesson0, p+"/complete", nil); r.StatusCode != http.StatusNotFound {
			t.Fatalf("complete: %d", r.StatusCode)
		}
	})
	t.Run("ErrOtherLearnerGets404", func(t *testing.T) {
		var before struct {
			Seconds   int
			Completed *string
			Last      string
		}
		ta.DB.Gorm.Raw(`SELECT seconds_on_task AS seconds, completed_at::text AS completed, last_seen_at::text AS last FROM lesson_progress WHERE enrolment_id = ? AND lesson_id = ?`,
			enrolment, pc.Lessons[0]).Scan(&before)
		for _, p := range []string{"/learn/" + enrolment, lesson0, "/learn/" + enrolment + "/withdraw"} {
			if r := bob.get(p); r.StatusCode != http.StatusNotFound {
				t.Errorf("B GET %s: %d", p, r.StatusCode)
			}
		}
		// Age A's progress so a completion would succeed if B's request were
		// accepted.
		ta.DB.Gorm.Exec(`UPDATE lesson_progress SET seconds_on_task = 500 WHERE enrolment_id = ?`, enrolment)
		for _, p := range []string{lesson0 + "/complete", lesson0 + "/heartbeat", "/learn/" + enrolment + "/withdraw"} {
			if r := bob.post("/learn", p, nil); r.StatusCode != http.StatusNotFound {
				t.Errorf("B POST %s: %d", p, r.StatusCode)
			}
		}
		var after struct {
			Seconds   int
			Completed *string
			Last      string
		}
		ta.DB.Gorm.Raw(`SELECT seconds_on_task AS seconds, completed_at::text AS completed, last_seen_at::text AS last FROM lesson_progress WHERE enrolment_id = ? AND lesson_id = ?`,
			enrolment, pc.Lessons[0]).Scan(&after)
		var status string
		ta.DB.Gorm.Raw(`SELECT status FROM enrolments WHERE id = ?`, enrolment).Row().Scan(&status)
		if after.Seconds != 500 || after.Completed != nil || after.Last != before.Last || status != "active" {
			t.Fatalf("A's progress changed by B's requests: %+v → %+v, status %s", before, after, status)
		}
		if r := bob.get("/learn"); strings.Contains(r.Body, pc.Titles[0]) || strings.Contains(r.Body, "現場の安全入門") {
			t.Fatal("B's my learning shows A's course")
		}
	})
	t.Run("CompleteGoesToTheNextLesson", func(t *testing.T) {
		r := a.post(lesson0, lesson0+"/complete", nil)
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/learn/"+enrolment+"/lessons/"+pc.Lessons[1] {
			t.Fatalf("complete: %d → %s\n%.300s", r.StatusCode, r.Header.Get("Location"), r.Body)
		}
		d := a.follow(r).Doc(t)
		if d.Find(`li[data-lesson="`+pc.Lessons[0]+`"].player-lesson-done`).Length() != 1 {
			t.Fatal("the lesson list does not mark the completed lesson done")
		}
	})
	t.Run("MyLearningListsProgressAndContinue", func(t *testing.T) {
		d := a.get("/learn").Doc(t)
		item := d.Find(`#in-progress li[data-enrolment="` + enrolment + `"]`)
		href, _ := item.Find("a.continue-link").Attr("href")
		val, _ := item.Find("progress").Attr("value")
		if item.Length() != 1 || href != "/learn/"+enrolment+"/lessons/"+pc.Lessons[1] || val != "50" || !strings.Contains(item.Text(), "50% 完了") {
			t.Fatalf("my learning: continue %q, progress %q\n%s", href, val, item.Text())
		}
		if !strings.Contains(item.Text(), "提供機関 player-http") {
			t.Fatalf("provider missing: %s", item.Text())
		}
	})
	t.Run("ResourceLesson", func(t *testing.T) {
		d := a.get("/learn/" + enrolment + "/lessons/" + pc.Lessons[2]).Doc(t)
		href, _ := d.Find("#resource a").Attr("href")
		if !strings.HasPrefix(href, "/media/") || !strings.Contains(d.Find("#resource").Text(), "checklist.pdf") || !strings.Contains(d.Find("#resource").Text(), "3.0 KB") {
			t.Fatalf("resource: %q %q", href, d.Find("#resource").Text())
		}
	})
	t.Run("CourseCompletes", func(t *testing.T) {
		l1 := "/learn/" + enrolment + "/lessons/" + pc.Lessons[1]
		r := a.post(l1, l1+"/complete", nil)
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/learn/"+enrolment {
			t.Fatalf("last required lesson: %d → %s", r.StatusCode, r.Header.Get("Location"))
		}
		d := a.follow(r).Doc(t)
		if d.Find("#course-completed").Length() != 1 || d.Find("#completed-at").Text() == "" {
			t.Fatalf("course page after completion:\n%s", d.Find("main").Text())
		}
		d = a.get("/learn").Doc(t)
		if d.Find(`#completed li[data-enrolment="`+enrolment+`"]`).Length() != 1 || d.Find("#in-progress").Length() != 0 {
			t.Fatalf("my learning after completion:\n%s", d.Find("main").Text())
		}
	})
	t.Run("HistoryListsEvents", func(t *testing.T) {
		d := a.get("/learn/history").Doc(t)
		var got []string
		d.Find("#history tbody tr").Each(func(_ int, s *goquery.Selection) { got = append(got, s.AttrOr("data-event", "")) })
		want := "credential_issued course_completed lesson_completed lesson_completed enrolled"
		if strings.Join(got, " ") != want {
			t.Fatalf("history events %v, want %s", got, want)
		}
		text := d.Find("#history").Text()
		if !strings.Contains(text, "コースを修了") || !strings.Contains(text, pc.Titles[0]) || !strings.Contains(text, "現場の安全入門") {
			t.Fatalf("history text:\n%s", text)
		}
		if r := bob.get("/learn/history"); strings.Contains(r.Body, "現場の安全入門") {
			t.Fatal("B's history shows A's events")
		}
		if r := a.get("/learn/history?before=nonsense"); r.StatusCode != http.StatusBadRequest {
			t.Fatalf("bad cursor: %d", r.StatusCode)
		}
	})
	t.Run("WithdrawWithConfirmation", func(t *testing.T) {
		e2, _ := playerEnrol(t, ta, a, other)
		confirm := "/learn/" + e2 + "/withdraw"
		if r := a.get(confirm); r.StatusCode != http.StatusOK || r.Doc(t).Find("#withdraw-form").Length() != 1 {
			t.Fatalf("confirmation page: %d", r.StatusCode)
		}
		r := a.post(confirm, confirm, nil)
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/learn" {
			t.Fatalf("withdraw: %d → %s", r.StatusCode, r.Header.Get("Location"))
		}
		d := a.follow(r).Doc(t)
		if !strings.Contains(d.Find(".notice-success").Text(), "取り消しました") || strings.Contains(d.Find("main").Text(), "別の講座") {
			t.Fatalf("after withdrawing:\n%s", d.Find("main").Text())
		}
		if r := a.get("/learn/" + e2 + "/lessons/" + other.Lessons[0]); r.StatusCode != http.StatusNotFound {
			t.Fatalf("player of a withdrawn enrolment: %d", r.StatusCode)
		}
	})
	t.Run("EmptyState", func(t *testing.T) {
		c, _ := ta.signedInLearner(t, "player-c@example.jp")
		d := c.get("/learn").Doc(t)
		href, _ := d.Find("#my-learning-empty a").Attr("href")
		if href != "/courses" || d.Find("#credentials").Length() != 1 {
			t.Fatalf("empty my learning: link %q", href)
		}
		if d.Find(`nav.main-nav a[href="/learn"]`).Length() != 1 {
			t.Fatal("no My learning link in the header")
		}
	})
}
