package web_test

import (
	"archive/zip"
	"bytes"
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"takumi/internal/fixtures"
	"takumi/internal/learning"
)

// privacyQuizAnswer has learnerID answer the quiz of q (through the domain)
// with number for the numeric question, so each learner's data is
// recognisable in an export.
func privacyQuizAnswer(t *testing.T, ta *testApp, learnerID, enrolmentID string, q quizplayQuiz, number string) {
	t.Helper()
	ctx := context.Background()
	l := learning.Learner{UserID: learnerID}
	a, err := ta.App.Server.Learning.StartQuizAttempt(ctx, l, enrolmentID, q.QuizID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ta.App.Server.Learning.SubmitQuizAttempt(ctx, l, enrolmentID, q.QuizID, a.ID,
		map[string][]string{q.Single: {q.Right}, q.Numeric: {number}}); err != nil {
		t.Fatal(err)
	}
}

// privacyUnzip reads every file of a zip archive.
func privacyUnzip(t *testing.T, body string) map[string]string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader([]byte(body)), int64(len(body)))
	if err != nil {
		t.Fatalf("not a zip: %v", err)
	}
	files := map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(rc)
		rc.Close()
		files[f.Name] = string(b)
	}
	return files
}

func TestPrivacyExport(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	q := quizplayPublish(t, ta, "privacy-export")
	idA := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "privacy-a@example.jp", Name: "青木 データ"})
	idB := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "privacy-b@example.jp", Name: "別所 他人"})
	privacyQuizAnswer(t, ta, idA, quizplayEnrol(t, ta, idA, q.CourseID), q, "41.75")
	privacyQuizAnswer(t, ta, idB, quizplayEnrol(t, ta, idB, q.CourseID), q, "42.25")
	a := ta.signedIn(t, "privacy-a@example.jp", "")

	t.Run("ErrSignedOut", func(t *testing.T) {
		r := ta.newBrowser(t).get("/account/privacy/export")
		if r.StatusCode != http.StatusSeeOther || !strings.HasPrefix(r.Header.Get("Location"), "/login") {
			t.Fatalf("signed out: %d %s", r.StatusCode, r.Header.Get("Location"))
		}
	})
	t.Run("PageLinksExport", func(t *testing.T) {
		if a.get("/account").Doc(t).Find(`a[href="/account/privacy"]`).Length() == 0 {
			t.Fatal("the account page does not link to the privacy page")
		}
		if a.get("/account/privacy").Doc(t).Find(`a[href="/account/privacy/export"]`).Length() != 1 {
			t.Fatal("no download link")
		}
	})
	t.Run("OnlyMyData", func(t *testing.T) {
		r := a.get("/account/privacy/export")
		if r.StatusCode != http.StatusOK || r.Header.Get("Content-Type") != "application/zip" ||
			!strings.HasPrefix(r.Header.Get("Content-Disposition"), `attachment; filename="takumi-my-data-`) {
			t.Fatalf("export: %d %s %s", r.StatusCode, r.Header.Get("Content-Type"), r.Header.Get("Content-Disposition"))
		}
		files := privacyUnzip(t, r.Body)
		var all strings.Builder
		for name, body := range files {
			all.WriteString(body)
			if strings.HasSuffix(name, ".csv") && !strings.HasPrefix(body, "\uFEFF") {
				t.Errorf("%s has no byte order mark", name)
			}
		}
		everything := all.String()
		for _, want := range []string{"privacy-a@example.jp", "青木 データ", "41.75", idA, "quiz_attempted", "auth.login_succeeded"} {
			if !strings.Contains(everything, want) {
				t.Errorf("the export lacks %q", want)
			}
		}
		for _, never := range []string{"privacy-b@example.jp", "別所", "42.25", idB, "$argon2id", "password_hash"} {
			if strings.Contains(everything, never) {
				t.Errorf("the export contains %q", never)
			}
		}
		if !strings.HasPrefix(files["quiz_attempts.csv"], "\uFEFFid,enrolment_id,lesson_id") {
			t.Errorf("quiz_attempts.csv header: %.80q", files["quiz_attempts.csv"])
		}
		if quizplayCount(t, ta, `SELECT count(*) FROM audit_events WHERE action = 'account.data_exported' AND actor_id = ?`, idA) != 1 {
			t.Error("the export was not audited")
		}
	})
}

func TestPrivacyDelete(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	q := quizplayPublish(t, ta, "privacy-delete")
	id := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "privacy-leaver@example.jp", Name: "退会 する人"})
	privacyQuizAnswer(t, ta, id, quizplayEnrol(t, ta, id, q.CourseID), q, "42")
	// A second, unfinished course, to be withdrawn on deletion.
	q2 := quizplayPublish(t, ta, "privacy-delete-two")
	quizplayEnrol(t, ta, id, q2.CourseID)
	other := ta.newBrowser(t) // a second signed-in session of the same person
	ta.signIn(t, other, "privacy-leaver@example.jp", fixtures.Password, "")
	b := ta.signedIn(t, "privacy-leaver@example.jp", "")
	eventsBefore := quizplayCount(t, ta, `SELECT count(*) FROM learning_events WHERE user_id = ?`, id)

	t.Run("FormSaysWhatHappens", func(t *testing.T) {
		doc := b.get("/account/privacy/delete").Doc(t)
		if doc.Find("#privacy-what-happens li").Length() < 4 || !strings.Contains(doc.Find("#privacy-what-stays").Text(), "統計") {
			t.Fatal("the page does not say what deleting does")
		}
		if doc.Find(`#privacy-delete-form input[name="password"][type="password"]`).Length() != 1 {
			t.Fatal("no password field")
		}
	})
	t.Run("ErrWrongPassword", func(t *testing.T) {
		r := b.post("/account/privacy/delete", "/account/privacy/delete", url.Values{"password": {"wrong password"}, "confirmation": {"削除"}})
		if r.StatusCode != http.StatusUnprocessableEntity {
			t.Fatalf("status %d, want 422", r.StatusCode)
		}
		doc := r.Doc(t)
		if !strings.Contains(doc.Find("#f-password-error").Text(), "パスワード") {
			t.Fatalf("no message at the password: %q", doc.Find("main").Text())
		}
		if v, _ := doc.Find(`input[name="confirmation"]`).Attr("value"); v != "削除" {
			t.Fatalf("confirmation not kept: %q", v)
		}
		if quizplayCount(t, ta, `SELECT count(*) FROM users WHERE id = ? AND email = 'privacy-leaver@example.jp' AND disabled_at IS NULL`, id) != 1 {
			t.Fatal("a refused deletion changed the account")
		}
	})
	t.Run("ErrWrongWord", func(t *testing.T) {
		r := b.post("/account/privacy/delete", "/account/privacy/delete", url.Values{"password": {fixtures.Password}, "confirmation": {"はい"}})
		if r.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(r.Doc(t).Find("#f-confirmation-error").Text(), "削除") {
			t.Fatalf("status %d", r.StatusCode)
		}
	})
	t.Run("OK", func(t *testing.T) {
		r := b.post("/account/privacy/delete", "/account/privacy/delete", url.Values{"password": {fixtures.Password}, "confirmation": {"削除"}})
		if r.StatusCode != http.StatusSeeOther || r.Header.Get("Location") != "/account/privacy/deleted" {
			t.Fatalf("delete: %d %s", r.StatusCode, r.Header.Get("Location"))
		}
		page := b.follow(r)
		if page.StatusCode != http.StatusOK || !strings.Contains(page.Doc(t).Find("#privacy-deleted").Text(), "削除") {
			t.Fatalf("confirmation page: %d", page.StatusCode)
		}
		if page.Doc(t).Find(`form[action="/logout"]`).Length() != 0 {
			t.Fatal("still signed in on the confirmation page")
		}
	})
	t.Run("SignedOutEverywhere", func(t *testing.T) {
		for _, br := range []*browser{b, other} {
			if r := br.get("/account"); r.StatusCode != http.StatusSeeOther {
				t.Fatalf("a session still opens /account: %d", r.StatusCode)
			}
		}
		r := ta.newBrowser(t).post("/login", "/login", url.Values{"email": {"privacy-leaver@example.jp"}, "password": {fixtures.Password}})
		if r.StatusCode == http.StatusSeeOther {
			t.Fatal("the deleted account can still sign in")
		}
	})
	t.Run("PersonalDataGone", func(t *testing.T) {
		var u struct{ Email, DisplayName, PasswordHash string }
		ta.DB.Gorm.Raw(`SELECT email, display_name, password_hash FROM users WHERE id = ?`, id).Scan(&u)
		if strings.Contains(u.Email, "privacy-leaver") || strings.Contains(u.DisplayName, "退会") || strings.HasPrefix(u.PasswordHash, "$argon2id") {
			t.Fatalf("users row keeps personal data: %+v", u)
		}
		if n := quizplayCount(t, ta, `SELECT count(*) FROM quiz_attempts a JOIN enrolments e ON e.id = a.enrolment_id
			WHERE e.user_id = ? AND a.answers IS NOT NULL`, id); n != 0 {
			t.Fatalf("%d attempts keep their answers", n)
		}
	})
	t.Run("EventsKeptAnonymously", func(t *testing.T) {
		after := quizplayCount(t, ta, `SELECT count(*) FROM learning_events WHERE user_id = ?`, id)
		withdrawn := quizplayCount(t, ta, `SELECT count(*) FROM learning_events WHERE user_id = ? AND details->>'reason' = 'account_deleted'`, id)
		// Every earlier event stays, on the same random id; the only new one
		// withdraws the course that was still in progress.
		if after-withdrawn != eventsBefore || withdrawn != 1 {
			t.Fatalf("events %d → %d, %d withdrawals", eventsBefore, after, withdrawn)
		}
		if quizplayCount(t, ta, `SELECT count(*) FROM enrolments WHERE user_id = ? AND status = 'completed'`, id) != 1 {
			t.Fatal("the completed enrolment is gone")
		}
	})
	t.Run("EmailCanRegisterAgain", func(t *testing.T) {
		nb := ta.newBrowser(t)
		r := nb.post("/signup", "/signup", signupValues("privacy-leaver@example.jp"))
		if r.StatusCode != http.StatusOK {
			t.Fatalf("sign-up with the freed email: %d", r.StatusCode)
		}
		var newID string
		ta.DB.Gorm.Raw(`SELECT id FROM users WHERE email = 'privacy-leaver@example.jp'`).Row().Scan(&newID)
		if newID == "" || newID == id {
			t.Fatalf("new account id %q (old %s)", newID, id)
		}
	})
}

// TestPrivacyBrowserJourney: the privacy page offers the download; a
// deletion with a wrong password is refused with a message and deletes
// nothing; with the right one the person is signed out and sees the
// confirmation.
func TestPrivacyBrowserJourney(t *testing.T) {
	ta := startApp(t)
	ctx := newChrome(t)
	id := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "privacy-journey@example.jp", Name: "佐々木 退会"})
	chromeSignIn(t, ctx, ta, "/login", "privacy-journey@example.jp", "", `form[action="/logout"]`)

	do(t, ctx,
		chromedp.Navigate(ta.URL+"/account"),
		chromedp.WaitVisible(chromedp.CSS("#privacy-rights-link")),
	)
	clickAndWaitNewPage(t, ctx, "#privacy-rights-link")
	if href := attr(t, ctx, "#privacy-export", "href"); href != "/account/privacy/export" {
		t.Fatalf("download link %q", href)
	}
	checkAxe(t, ctx, "privacy page")

	clickAndWaitNewPage(t, ctx, "#privacy-delete-link")
	do(t, ctx,
		chromedp.WaitVisible(chromedp.CSS("#privacy-delete-form")),
		chromedp.SendKeys(chromedp.CSS("#f-password"), "not my password"),
		chromedp.SendKeys(chromedp.CSS("#f-confirmation"), "削除"),
	)
	checkAxe(t, ctx, "delete account form")
	clickAndWaitNewPage(t, ctx, `#privacy-delete-form button[type="submit"]`)
	if got := text(t, ctx, "#f-password-error"); !strings.Contains(got, "パスワード") {
		t.Fatalf("wrong password message %q", got)
	}
	checkAxe(t, ctx, "delete account form with errors")
	if quizplayCount(t, ta, `SELECT count(*) FROM users WHERE id = ? AND email = 'privacy-journey@example.jp' AND disabled_at IS NULL`, id) != 1 {
		t.Fatal("a refused deletion changed the account")
	}

	do(t, ctx, chromedp.SendKeys(chromedp.CSS("#f-password"), fixtures.Password))
	clickAndWaitNewPage(t, ctx, `#privacy-delete-form button[type="submit"]`)
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#privacy-deleted")))
	if loc := location(t, ctx); !strings.HasSuffix(loc, "/account/privacy/deleted") {
		t.Fatalf("after deleting: %s", loc)
	}
	if got := text(t, ctx, ".header-actions"); !strings.Contains(got, "ログイン") {
		t.Fatalf("still signed in? header: %q", got)
	}
	checkAxe(t, ctx, "account deleted confirmation")
	if quizplayCount(t, ta, `SELECT count(*) FROM users WHERE email = 'privacy-journey@example.jp'`) != 0 {
		t.Fatal("the email is still in users")
	}
}
