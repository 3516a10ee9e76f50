package web_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"takumi/internal/fixtures"
)

// TestJourneyInvitationToFirstLesson (issue 14 item 2): a person without an
// account, bulk-enrolled by their employer, goes from the invitation
// email's link to the course's first lesson in at most three screens — the
// invitation page with the sign-up form (address fixed, no second
// verification), My learning signed in with the course, the first lesson —
// in Japanese and in English, with axe on every screen and no console
// error. The email names the organisation and the course.
func TestJourneyInvitationToFirstLesson(t *testing.T) {
	w := bulkWebSetup(t)
	ta := w.ta
	ba := ta.signedIn(t, w.adminA, w.secret)
	for _, c := range []struct {
		lang, email, subject, course, signup, learn string
	}{
		{"ja", "invited-ja@example.jp", "一括商事", "生成AI入門", "アカウントを作成して承諾する", "マイラーニング"},
		{"en", "invited-en@example.jp", "一括商事", "生成AI入門", "Create account and accept", "My learning"},
	} {
		t.Run(c.lang, func(t *testing.T) {
			r := bulkUpload(t, ba, w.orgA, "invite.csv", []byte(bulkWebHeader+c.email+",招待 花子,13,G,engineer,bulk-web-101,\n"))
			sha, _ := r.Doc(t).Find(`input[name="sha256"]`).Attr("value")
			if r = ba.post("/org/"+w.orgA+"/enrolments", "/org/"+w.orgA+"/enrolments/import", url.Values{"sha256": {sha}}); r.StatusCode != 303 {
				t.Fatalf("import: %d", r.StatusCode)
			}
			body, link := ta.waitMail(t, c.email, c.subject)
			if !strings.Contains(body, "一括商事") || !strings.Contains(body, c.course) {
				t.Fatalf("the invitation email does not name the organisation and the course:\n%s", body)
			}

			ctx := newChrome(t)
			if c.lang == "en" {
				do(t, ctx, chromedp.Navigate(ta.URL+"/"), chromedp.WaitVisible(chromedp.CSS(`form.lang-switch button[value="en"]`)))
				clickAndWaitNewPage(t, ctx, `form.lang-switch button[value="en"]`)
			}
			screens := 0
			// Screen 1: the link opens the invitation with the sign-up form.
			do(t, ctx, chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("#invitation-signup")))
			screens++
			if got := strings.TrimSpace(text(t, ctx, "#invitation-email")); got != c.email {
				t.Fatalf("invited address shown as %q", got)
			}
			if n := get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('#invitation-signup input[name="email"]').length`)); n != 0 {
				t.Fatal("the invited address can be changed")
			}
			if courses := text(t, ctx, "#invitation-courses"); !strings.Contains(courses, c.course) {
				t.Fatalf("courses on the invitation page: %q", courses)
			}
			checkAxe(t, ctx, "invitation with sign-up form ("+c.lang+")")
			do(t, ctx,
				chromedp.SendKeys(chromedp.CSS("#f-password"), "kaizen-every-day-2030"),
				chromedp.SendKeys(chromedp.CSS("#f-password_confirm"), "kaizen-every-day-2030"),
				chromedp.SendKeys(chromedp.CSS("#f-display_name"), "招待 花子"),
				chromedp.SetValue(chromedp.CSS("#f-prefecture"), "27"),
				chromedp.SetValue(chromedp.CSS("#f-industry"), "E"),
				chromedp.Click(chromedp.CSS("#f-segment-engineer")),
				chromedp.Click(chromedp.CSS("#f-consent")),
			)
			if got := text(t, ctx, "#invitation-signup-submit"); got != c.signup {
				t.Fatalf("submit button %q, want %q", got, c.signup)
			}
			// Screen 2: My learning, signed in, with the course.
			clickAndWaitNewPage(t, ctx, "#invitation-signup-submit")
			screens++
			if loc := location(t, ctx); !strings.HasSuffix(loc, "/learn") {
				t.Fatalf("after signing up: at %s, want /learn", loc)
			}
			if h1 := text(t, ctx, "h1"); !strings.Contains(h1, c.learn) {
				t.Fatalf("My learning h1 %q", h1)
			}
			if main := text(t, ctx, "main"); !strings.Contains(main, c.course) {
				t.Fatalf("My learning does not list the course: %q", main)
			}
			checkAxe(t, ctx, "My learning after the invitation ("+c.lang+")")
			// Screen 3: the first lesson.
			clickAndWaitNewPage(t, ctx, ".continue-link")
			screens++
			if loc := location(t, ctx); !strings.Contains(loc, "/lessons/") {
				t.Fatalf("continue went to %s, not a lesson", loc)
			}
			checkAxe(t, ctx, "first lesson ("+c.lang+")")
			if screens > 3 {
				t.Fatalf("%d screens from the email to the first lesson, want at most 3", screens)
			}
			var verified *time.Time
			ta.DB.Gorm.Raw(`SELECT email_verified_at FROM users WHERE email = ?`, c.email).Row().Scan(&verified)
			if verified == nil {
				t.Fatal("the invited address is not marked verified")
			}
			var verifyMails int64
			ta.DB.Gorm.Raw(`SELECT count(*) FROM dev_mail WHERE to_addr = ? AND body LIKE '%/verify-email%'`, c.email).Scan(&verifyMails)
			if verifyMails != 0 {
				t.Fatal("a second verification email was sent")
			}
		})
	}

	// An existing account accepts with one click and lands on My learning.
	t.Run("ExistingAccountOneClick", func(t *testing.T) {
		const email = "invited-existing@example.jp"
		fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: email, Name: "既存 太郎"})
		r := ba.post("/org/"+w.orgA, "/org/"+w.orgA+"/invitations", url.Values{"email": {email}, "role": {"member"}})
		if r.StatusCode != 303 {
			t.Fatalf("invite: %d", r.StatusCode)
		}
		_, link := ta.waitMail(t, email, "一括商事")
		ctx := newChrome(t)
		chromeSignIn(t, ctx, ta, "/login", email, "", `form[action="/logout"]`)
		do(t, ctx, chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS(`form[action$="/accept"] button`)))
		checkAxe(t, ctx, "invitation for a signed-in account")
		clickAndWaitNewPage(t, ctx, `form[action$="/accept"] button`)
		if loc := location(t, ctx); !strings.HasSuffix(loc, "/learn") {
			t.Fatalf("after accepting: at %s, want /learn", loc)
		}
	})
}
