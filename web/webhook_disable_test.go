package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"takumi/internal/catalog"
	"takumi/internal/fixtures"
	"takumi/internal/webhook"
	gen "takumi/web/apidoc/apiclientgen"
)

// TestWebhookDisabledEmailsAdmins: when a delivery's last attempt fails
// (about three days of failures), its endpoint is disabled and every admin
// of the organisation gets one email, in their language, naming the
// endpoint and linking to its delivery log; the endpoint page says it is
// disabled.
func TestWebhookDisabledEmailsAdmins(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	ctx := context.Background()
	admin, _, orgID := orgAdminSignedIn(t, ta, "hookoff-admin@example.jp", "停止商事", "employer")
	second := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "hookoff-admin2@example.jp"})
	fixtures.MustCreateMembership(t, ta.DB, orgID, second, "admin", false)
	ta.DB.Gorm.Exec(`UPDATE users SET language = 'en' WHERE id = ?`, second)
	member := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "hookoff-m1@example.jp"})
	fixtures.MustCreateMembership(t, ta.DB, orgID, member, "member", false)
	c := fixtures.MustCreateCourse(t, ta.DB, fixtures.Course{
		Courses: ta.App.Server.Courses, Provider: fixtures.Org{NameJa: "停止研修機関"}, Author: fixtures.User{Email: "hookoff-author@example.jp"},
		Code: "hookoff-101", Draft: true,
		Content: catalog.Content{TitleJa: "停止入門", SummaryJa: "概要", SkillArea: "digital_literacy", Level: catalog.LevelIntroductory,
			EstimatedHours: 1, Language: "ja", DeliveryMode: catalog.DeliverySelfPaced},
	})
	c.MustPublish(t, []catalog.Module{{ID: catalog.NewID(), TitleJa: "第1章", Lessons: []catalog.Lesson{
		{ID: catalog.NewID(), Kind: catalog.LessonReading, TitleJa: "はじめに", Required: true, BodyMd: "本文"}}}})

	recv := newHookReceiver(t)
	recv.setFail(true)
	page := "/org/" + orgID + "/api-clients"
	if r := admin.post(page, "/org/"+orgID+"/webhooks", url.Values{"url": {recv.URL}, "event_enrolment_created": {"on"}}); r.StatusCode != http.StatusOK {
		t.Fatalf("add endpoint: %d", r.StatusCode)
	}
	api, _ := apiClientFor(t, ta)
	id, sec := createAPIClientOnPage(t, admin, orgID, "HR", "enrolments:write")
	res, err := api.CreateEnrolmentWithResponse(ctx, nil, gen.EnrolmentRequest{Email: apiStr("hookoff-m1@example.jp"), CourseId: mustUUID(t, c.ID)},
		bearer(apiToken(t, api, id, sec, "")))
	if err != nil || res.JSON201 == nil {
		t.Fatalf("enrol: %v %s", err, res.Body)
	}
	recv.wait(t, "enrolment.created", 0) // the first attempt, refused with 500

	var d struct{ ID, Endpoint string }
	ta.DB.Gorm.Raw(`SELECT d.id::text AS id, d.endpoint_id::text AS endpoint FROM webhook_deliveries d
		JOIN webhook_endpoints e ON e.id = d.endpoint_id WHERE e.org_id = ?`, orgID).Scan(&d)
	if d.ID == "" {
		t.Fatal("no delivery recorded")
	}
	// The last attempt River would make, three days on: it fails too.
	w := webhook.NewWorker(ta.App.Server.Webhooks)
	last := &river.Job[webhook.DeliverArgs]{JobRow: &rivertype.JobRow{Attempt: webhook.MaxAttempts, MaxAttempts: webhook.MaxAttempts},
		Args: webhook.DeliverArgs{DeliveryID: d.ID}}
	if err := w.Work(ctx, last); err == nil {
		t.Fatal("the failed last attempt returned no error")
	}
	var why string
	ta.DB.Gorm.Raw(`SELECT coalesce(disabled_why, '') FROM webhook_endpoints WHERE id = ?`, d.Endpoint).Scan(&why)
	if why != "failing" {
		t.Fatalf("endpoint disabled_why = %q, want failing", why)
	}
	body, _ := ta.waitMail(t, "hookoff-admin@example.jp", "Webhook の送信先を停止しました")
	if !strings.Contains(body, recv.URL) || !strings.Contains(body, "/org/"+orgID+"/webhooks/"+d.Endpoint+"\n") && !strings.HasSuffix(body, "/org/"+orgID+"/webhooks/"+d.Endpoint) {
		t.Errorf("Japanese email names the endpoint and links to its log:\n%s", body)
	}
	body, _ = ta.waitMail(t, "hookoff-admin2@example.jp", "A webhook endpoint was disabled")
	if !strings.Contains(body, recv.URL) || !strings.Contains(body, "three days") {
		t.Errorf("English email:\n%s", body)
	}
	var n int64
	ta.DB.Gorm.Raw(`SELECT count(*) FROM dev_mail WHERE to_addr = 'hookoff-m1@example.jp' AND subject LIKE '%Webhook%'`).Scan(&n)
	if n != 0 {
		t.Error("a member who is not an admin was emailed")
	}
	// Another failure after that sends nothing more.
	_ = w.Work(ctx, last)
	ta.DB.Gorm.Raw(`SELECT count(*) FROM dev_mail WHERE to_addr = 'hookoff-admin@example.jp' AND subject LIKE '%Webhook%'`).Scan(&n)
	if n != 1 {
		t.Errorf("%d emails to the admin, want 1", n)
	}
}
