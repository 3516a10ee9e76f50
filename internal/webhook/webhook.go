// Package webhook sends the integration API's events (issue 19) to the
// endpoints an organisation subscribes: signed as the Standard Webhooks
// specification says (webhook-id, webhook-timestamp, webhook-signature:
// HMAC-SHA256 over "id.timestamp.body"), queued as River jobs inside the
// transaction of the change (so an event is sent if and only if the change
// commits), retried with exponential backoff for about three days, and
// recorded in a per-endpoint delivery log with replay. An endpoint whose
// deliveries keep failing to the end is disabled.
package webhook

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"takumi/internal/apperr"
	"takumi/internal/audit"
	"takumi/internal/database"
	"takumi/internal/i18n"
	"takumi/internal/learning"
	"takumi/internal/mail"
	"takumi/internal/org"
)

// Event types.
const (
	EventEnrolmentCreated = "enrolment.created"
	EventCourseCompleted  = "course.completed"
	EventCredentialIssued = "credential.issued"
	// The second round (issue 19): see events.go.
	EventLessonCompleted   = "lesson.completed"
	EventCredentialRevoked = "credential.revoked"
	EventBulkFinished      = "bulk.finished"
)

// Events are the event types an endpoint can subscribe to.
var Events = []string{EventEnrolmentCreated, EventLessonCompleted, EventCourseCompleted, EventCredentialIssued, EventCredentialRevoked,
	EventBulkFinished}

// Endpoint is one subscribed URL of an organisation.
type Endpoint struct {
	ID          string
	OrgID       string
	URL         string
	Events      database.TextArray `gorm:"type:text[]"`
	CreatedAt   time.Time
	DisabledAt  *time.Time
	DisabledWhy *string
}

// TableName maps Endpoint to its table.
func (Endpoint) TableName() string { return "webhook_endpoints" }

// Delivery is one event sent (or being sent) to one endpoint.
type Delivery struct {
	ID            string
	EndpointID    string
	EventType     string
	Payload       string
	CreatedAt     time.Time
	Attempts      int
	LastAttemptAt *time.Time
	LastStatus    *int
	LastError     *string
	DeliveredAt   *time.Time
	FailedAt      *time.Time
}

// TableName maps Delivery to its table.
func (Delivery) TableName() string { return "webhook_deliveries" }

// State is "delivered", "failed" or "pending".
func (d Delivery) State() string {
	switch {
	case d.DeliveredAt != nil:
		return "delivered"
	case d.FailedAt != nil:
		return "failed"
	}
	return "pending"
}

// Actor is the organisation admin managing endpoints.
type Actor struct {
	UserID string
	IP     string
}

// Service manages endpoints and emits events.
type Service struct {
	db         *gorm.DB
	jobs       *database.JobInserter
	production bool
	now        func() time.Time
	// notice tells the organisation's admins that an endpoint was
	// disabled after failing for about three days (NotifyDisabled).
	mail     *mail.Queue
	messages *i18n.Catalog
	baseURL  string
}

// NotifyDisabled makes the service email the organisation's admins, each
// in their language, when one of its endpoints is disabled because its
// deliveries kept failing. Call it while wiring the app, before serving.
func (s *Service) NotifyDisabled(q *mail.Queue, messages *i18n.Catalog, baseURL string) {
	s.mail, s.messages, s.baseURL = q, messages, baseURL
}

// disabledNotice queues the email to orgID's admins that endpoint id (url)
// was disabled, in tx (the transaction disabling it).
func (s *Service) disabledNotice(ctx context.Context, tx *gorm.DB, orgID, id, url string) error {
	if s.mail == nil {
		return nil
	}
	admins, err := org.AdminContacts(ctx, tx, orgID)
	if err != nil {
		return err
	}
	link := strings.TrimRight(s.baseURL, "/") + "/org/" + orgID + "/webhooks/" + id
	for _, a := range admins {
		l := s.messages.For(a.Language)
		if err := s.mail.EnqueueTx(ctx, tx, mail.Message{To: a.Email,
			Subject: l.T("webhook.mail_disabled_subject"),
			Body:    l.T("webhook.mail_disabled_body", a.Name, url, link)}); err != nil {
			return err
		}
	}
	return nil
}

// NewService returns the webhook service. In production, destinations on
// loopback, private or link-local addresses are refused (SSRF).
func NewService(db *gorm.DB, jobs *database.JobInserter, production bool) *Service {
	return &Service{db: db, jobs: jobs, production: production, now: time.Now}
}

// checkURL returns the problem key of a destination, or "".
func (s *Service) checkURL(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || u.Host == "" || u.User != nil || len(raw) > 2000 {
		return "webhook.err_url"
	}
	if u.Scheme != "https" && (s.production || u.Scheme != "http") {
		return "webhook.err_https"
	}
	return ""
}

// CreateEndpoint subscribes a URL of orgID to events and returns the
// endpoint with its signing secret ("whsec_…"), shown once. Audited
// ("webhook.endpoint_created"). Errors: not_found (not the actor's
// organisation), invalid (fields url, events).
func (s *Service) CreateEndpoint(ctx context.Context, a Actor, orgID, rawURL string, events []string) (*Endpoint, string, error) {
	fields := map[string]string{}
	if k := s.checkURL(rawURL); k != "" {
		fields["url"] = k
	}
	var evs []string
	for _, e := range events {
		if slices.Contains(Events, e) && !slices.Contains(evs, e) {
			evs = append(evs, e)
		}
	}
	if len(evs) == 0 || len(evs) != len(events) {
		fields["events"] = "webhook.err_events"
	}
	if len(fields) > 0 {
		return nil, "", apperr.FieldErrors(fields)
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	secret := "whsec_" + base64.StdEncoding.EncodeToString(key)
	ep := Endpoint{OrgID: orgID, URL: strings.TrimSpace(rawURL), Events: evs, CreatedAt: s.now()}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if _, err := org.RequireManager(ctx, tx, a.UserID, orgID); err != nil {
			return err
		}
		if err := tx.Raw(`INSERT INTO webhook_endpoints (org_id, url, secret, events, created_by, created_at)
			VALUES (?, ?, ?, string_to_array(?, ' '), ?, ?) RETURNING id::text`,
			orgID, ep.URL, secret, strings.Join(evs, " "), a.UserID, ep.CreatedAt).Row().Scan(&ep.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: a.UserID, Action: "webhook.endpoint_created", TargetType: "webhook_endpoint",
			TargetID: ep.ID, OrgID: orgID, IP: a.IP, Details: map[string]any{"url": ep.URL, "events": strings.Join(evs, " ")}})
	})
	if err != nil {
		return nil, "", apperr.Coded(err)
	}
	return &ep, secret, nil
}

// Endpoints lists orgID's endpoints, newest first. Errors: not_found.
func (s *Service) Endpoints(ctx context.Context, a Actor, orgID string) ([]Endpoint, error) {
	var out []Endpoint
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if _, err := org.RequireManager(ctx, tx, a.UserID, orgID); err != nil {
			return err
		}
		return tx.Raw(`SELECT id::text AS id, org_id::text AS org_id, url, events, created_at, disabled_at, disabled_why
			FROM webhook_endpoints WHERE org_id = ? ORDER BY created_at DESC, id`, orgID).Scan(&out).Error
	})
	return out, apperr.Coded(err)
}

// Endpoint returns one of orgID's endpoints with its latest deliveries
// (up to limit, newest first). Errors: not_found.
func (s *Service) Endpoint(ctx context.Context, a Actor, orgID, id string, limit int) (*Endpoint, []Delivery, error) {
	if _, err := uuid.Parse(id); err != nil {
		return nil, nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	var eps []Endpoint
	var ds []Delivery
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if _, err := org.RequireManager(ctx, tx, a.UserID, orgID); err != nil {
			return err
		}
		if err := tx.Raw(`SELECT id::text AS id, org_id::text AS org_id, url, events, created_at, disabled_at, disabled_why
			FROM webhook_endpoints WHERE org_id = ? AND id = ?`, orgID, id).Scan(&eps).Error; err != nil {
			return err
		}
		if len(eps) == 0 {
			return apperr.New(apperr.NotFound, "error.not_found")
		}
		return tx.Raw(`SELECT * FROM webhook_deliveries WHERE endpoint_id = ? ORDER BY created_at DESC, id LIMIT ?`, id, limit).Scan(&ds).Error
	})
	if err != nil {
		return nil, nil, apperr.Coded(err)
	}
	return &eps[0], ds, nil
}

// DisableEndpoint stops deliveries to one of orgID's endpoints (its log is
// kept). Audited ("webhook.endpoint_disabled"). Errors: not_found.
func (s *Service) DisableEndpoint(ctx context.Context, a Actor, orgID, id string) error {
	if _, err := uuid.Parse(id); err != nil {
		return apperr.New(apperr.NotFound, "error.not_found")
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if _, err := org.RequireManager(ctx, tx, a.UserID, orgID); err != nil {
			return err
		}
		res := tx.Exec(`UPDATE webhook_endpoints SET disabled_at = COALESCE(disabled_at, ?), disabled_why = COALESCE(disabled_why, 'admin')
			WHERE org_id = ? AND id = ?`, s.now(), orgID, id)
		if res.Error != nil {
			return res.Error
		}
		if res.RowsAffected == 0 {
			return apperr.New(apperr.NotFound, "error.not_found")
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: a.UserID, Action: "webhook.endpoint_disabled", TargetType: "webhook_endpoint",
			TargetID: id, OrgID: orgID, IP: a.IP})
	})
	return apperr.Coded(err)
}

// Replay sends one delivery of orgID's active endpoint again, as a new
// series of attempts. Audited ("webhook.delivery_replayed").
// Errors: not_found, conflict ("webhook.err_disabled").
func (s *Service) Replay(ctx context.Context, a Actor, orgID, deliveryID string) error {
	if _, err := uuid.Parse(deliveryID); err != nil {
		return apperr.New(apperr.NotFound, "error.not_found")
	}
	err := s.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if _, err := org.RequireManager(ctx, tx, a.UserID, orgID); err != nil {
			return err
		}
		var row struct {
			EndpointID string
			Disabled   bool
		}
		if err := tx.Raw(`SELECT d.endpoint_id::text AS endpoint_id, e.disabled_at IS NOT NULL AS disabled
			FROM webhook_deliveries d JOIN webhook_endpoints e ON e.id = d.endpoint_id
			WHERE d.id = ? AND e.org_id = ?`, deliveryID, orgID).Scan(&row).Error; err != nil {
			return err
		}
		if row.EndpointID == "" {
			return apperr.New(apperr.NotFound, "error.not_found")
		}
		if row.Disabled {
			return apperr.New(apperr.Conflict, "webhook.err_disabled")
		}
		if err := tx.Exec(`UPDATE webhook_deliveries SET failed_at = NULL, delivered_at = NULL WHERE id = ?`, deliveryID).Error; err != nil {
			return err
		}
		if _, err := s.jobs.InsertTx(ctx, tx, DeliverArgs{DeliveryID: deliveryID}, nil); err != nil {
			return err
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: a.UserID, Action: "webhook.delivery_replayed", TargetType: "webhook_delivery",
			TargetID: deliveryID, OrgID: orgID, IP: a.IP})
	})
	return apperr.Coded(err)
}

// Emit queues eventType with data for every active endpoint of orgID that
// subscribes to it, inside tx (the transaction of the change, so nothing is
// sent for a change that rolls back). data is the event's "data" object.
func (s *Service) Emit(ctx context.Context, tx *gorm.DB, orgID, eventType string, data map[string]any) error {
	var eps []string
	if err := tx.WithContext(ctx).Raw(`SELECT id::text FROM webhook_endpoints
		WHERE org_id = ? AND disabled_at IS NULL AND ? = ANY (events)`, orgID, eventType).Scan(&eps).Error; err != nil {
		return err
	}
	if len(eps) == 0 {
		return nil
	}
	body, err := json.Marshal(map[string]any{"type": eventType, "timestamp": s.now().UTC().Format(time.RFC3339), "data": data})
	if err != nil {
		return err
	}
	var params []river.InsertManyParams
	for _, ep := range eps {
		var id string
		if err := tx.WithContext(ctx).Raw(`INSERT INTO webhook_deliveries (endpoint_id, event_type, payload, created_at)
			VALUES (?, ?, ?, ?) RETURNING id::text`, ep, eventType, string(body), s.now()).Row().Scan(&id); err != nil {
			return err
		}
		params = append(params, river.InsertManyParams{Args: DeliverArgs{DeliveryID: id}})
	}
	_, err = s.jobs.InsertManyTx(ctx, tx, params)
	return err
}

// EmitCompletion queues course.completed for the organisation that made a
// completed enrolment (none for a learner's own enrolment), inside tx.
func EmitCompletion(ctx context.Context, tx *gorm.DB, s *Service, e learning.Enrolment, at time.Time) error {
	if e.OrgID == nil || s == nil {
		return nil
	}
	// SECURITY: progress is the organisation's to see only with consent
	// (the API's rule, learning.OrgSeesProgress).
	if ok, err := learning.OrgSeesProgress(ctx, tx, *e.OrgID, e.UserID); err != nil || !ok {
		return err
	}
	if err := s.Emit(ctx, tx, *e.OrgID, EventCourseCompleted, map[string]any{
		"enrolment_id": e.ID, "user_id": e.UserID, "course_id": e.CourseID, "completed_at": at.UTC().Format(time.RFC3339),
	}); err != nil {
		return err
	}
	// The credentials the completion issued (the course's, and a learning
	// path's it completed), issued earlier in this transaction.
	var creds []struct {
		ID       string
		CourseID *string
		PathID   *string
	}
	if err := tx.WithContext(ctx).Raw(`SELECT id::text AS id, course_id::text AS course_id, path_id::text AS path_id FROM credentials
		WHERE user_id = ? AND (enrolment_id = ? OR (path_id IS NOT NULL AND issued_at >= date_trunc('second', CAST(? AS timestamptz))))
		ORDER BY id`, e.UserID, e.ID, at).Scan(&creds).Error; err != nil {
		return err
	}
	for _, c := range creds {
		data := map[string]any{"credential_id": c.ID, "user_id": e.UserID, "enrolment_id": e.ID, "issued_at": at.UTC().Format(time.RFC3339)}
		if c.CourseID != nil {
			data["course_id"] = *c.CourseID
		}
		if c.PathID != nil {
			data["path_id"] = *c.PathID
		}
		if err := s.Emit(ctx, tx, *e.OrgID, EventCredentialIssued, data); err != nil {
			return err
		}
	}
	return nil
}
