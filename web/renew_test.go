package web_test

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"takumi/internal/fixtures"
	"takumi/internal/learning"
)

// TestRenewExpiredCredential: once a learner's course credential has
// expired, the course page offers to take the course again; enrolling
// starts a new enrolment whose completion issues a new credential. While
// the credential is valid the page offers no renewal.
func TestRenewExpiredCredential(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	ctx := context.Background()
	cc := credPublish(t, ta.App, ta.DB, "renew-web")
	var provider string
	ta.DB.Gorm.Raw(`SELECT o.code FROM organisations o JOIN courses c ON c.provider_id = o.id WHERE c.id = ?`, cc.courseID).Scan(&provider)
	page := "/courses/" + provider + "/renew-web"

	user := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "renew-learner@example.jp"})
	b := ta.signedIn(t, "renew-learner@example.jp", "")
	l := learning.Learner{UserID: user}
	e, err := ta.App.Server.Learning.EnrolSelfPaced(ctx, l, cc.courseID)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range cc.lessons {
		if _, err := ta.App.Server.Learning.CompleteLesson(ctx, l, e.ID, id); err != nil {
			t.Fatal(err)
		}
	}
	if d := b.get(page).Doc(t); d.Find("#renew-form").Length() != 0 || d.Find("#continue-course").Length() != 1 {
		t.Fatal("renewal offered while the credential is valid")
	}
	// The credential expires (as if a year had passed).
	if err := ta.DB.Gorm.Exec(`UPDATE credentials SET valid_from = now() - interval '13 months', valid_until = now() - interval '1 month'
		WHERE enrolment_id = ?`, e.ID).Error; err != nil {
		t.Fatal(err)
	}
	d := b.get(page).Doc(t)
	if d.Find("#renew-form").Length() != 1 || !strings.Contains(d.Find("#renew-text").Text(), "有効期限が切れています") {
		t.Fatal("no renewal offered for an expired credential")
	}
	res := b.post(page, "/learn/enrol", url.Values{"course_id": {cc.courseID}})
	if res.StatusCode >= 400 {
		t.Fatalf("renewing: %d", res.StatusCode)
	}
	var live []learning.Enrolment
	ta.DB.Gorm.Raw(`SELECT * FROM enrolments WHERE user_id = ? ORDER BY enrolled_at`, user).Scan(&live)
	if len(live) != 2 || live[0].SupersededAt == nil || live[1].Status != learning.StatusActive {
		t.Fatalf("enrolments after renewing: %+v", live)
	}
	for _, id := range cc.lessons {
		if _, err := ta.App.Server.Learning.CompleteLesson(ctx, l, live[1].ID, id); err != nil {
			t.Fatal(err)
		}
	}
	hs, _ := ta.App.Server.Credentials.ListForUser(ctx, user)
	renewed := 0
	for _, h := range hs {
		if h.EnrolmentID != nil && *h.EnrolmentID == live[1].ID && !h.Expired(time.Now()) {
			renewed++
		}
	}
	if len(hs) != 2 || renewed != 1 {
		t.Fatalf("credentials after renewing: %d (renewed and valid: %d), want the expired one and a new one", len(hs), renewed)
	}
}
