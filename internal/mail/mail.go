// Package mail sends the platform's email through a River background job, so
// a slow mail server never slows a page, and a message is queued in the same
// transaction as the change that caused it (a rolled-back sign-up sends
// nothing). In development every message is also kept in the dev_mail table
// and shown at /dev/mailbox; in production nothing is kept.
package mail

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"mime"
	"net"
	"net/mail"
	"net/smtp"
	"strconv"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"

	"takumi/internal/apperr"
	"takumi/internal/database"
)

// Message is one plain-text email, already in the recipient's language.
type Message struct {
	To      string `json:"to"`
	Subject string `json:"subject"`
	Body    string `json:"body"`
}

// Kind is River's job kind for Message.
func (Message) Kind() string { return "send_email" }

// InsertOpts sends email on its own queue with a few retries.
func (Message) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: "email", MaxAttempts: 8}
}

// SMTP is how mail leaves the platform. Host "" means no SMTP server.
type SMTP struct {
	Host     string
	Port     int
	User     string
	Password string
	From     string
}

// Queue inserts messages as jobs inside a caller's transaction.
type Queue struct {
	inserter *database.JobInserter
}

// NewQueue returns a Queue that inserts with inserter.
func NewQueue(inserter *database.JobInserter) *Queue { return &Queue{inserter: inserter} }

// EnqueueTx queues m to be sent when tx commits. tx must be a gorm
// transaction of database.DB.Gorm.
func (q *Queue) EnqueueTx(ctx context.Context, tx *gorm.DB, m Message) error {
	if _, err := q.inserter.InsertTx(ctx, tx, m, nil); err != nil {
		return apperr.Wrap(apperr.Internal, "error.internal", fmt.Errorf("queue email: %w", err))
	}
	return nil
}

// EnqueueJobTx queues another kind of job (args) to run when tx commits,
// for domain work that ends in an email (a password-reset request). tx
// must be a gorm transaction of database.DB.Gorm.
func (q *Queue) EnqueueJobTx(ctx context.Context, tx *gorm.DB, args river.JobArgs) error {
	if _, err := q.inserter.InsertTx(ctx, tx, args, nil); err != nil {
		return apperr.Wrap(apperr.Internal, "error.internal", fmt.Errorf("queue %s: %w", args.Kind(), err))
	}
	return nil
}

// Worker delivers Message jobs.
type Worker struct {
	river.WorkerDefaults[Message]
	SMTP      SMTP
	KeepInDev bool // store every message in dev_mail (development only)
	DB        *gorm.DB
	Logger    *slog.Logger // SMTP failures are logged at ERROR (nil: slog's default)
	// Sent and Failed, when set, count deliveries and failed attempts.
	Sent, Failed func()
}

// Work sends one message: into the development mailbox when enabled, and
// through SMTP when a server is configured. A message whose delivery was
// recorded (mail_deliveries) by an earlier attempt is not sent again.
func (w *Worker) Work(ctx context.Context, job *river.Job[Message]) error {
	m := job.Args
	var done bool
	if err := w.DB.WithContext(ctx).Raw("SELECT EXISTS (SELECT 1 FROM mail_deliveries WHERE job_id = ?)", job.ID).
		Row().Scan(&done); err != nil {
		return err
	}
	if done {
		return nil // an earlier attempt delivered it; only River's record of that was lost
	}
	if w.SMTP.Host == "" {
		// Nothing leaves the platform: the dev copy and the record commit together.
		return w.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
			if w.KeepInDev {
				if err := tx.Exec("INSERT INTO dev_mail (to_addr, subject, body) VALUES (?, ?, ?)", m.To, m.Subject, m.Body).Error; err != nil {
					return err
				}
			}
			return recordDelivery(tx, job.ID)
		})
	}
	if w.KeepInDev {
		if err := w.DB.WithContext(ctx).Exec(
			"INSERT INTO dev_mail (to_addr, subject, body) VALUES (?, ?, ?)", m.To, m.Subject, m.Body).Error; err != nil {
			return err
		}
	}
	if err := sendSMTP(ctx, w.SMTP, m); err != nil {
		w.logger().Error("smtp delivery failed", "job_id", job.ID, "attempt", job.Attempt, "max_attempts", job.MaxAttempts,
			"smtp_host", w.SMTP.Host, "recipient_domain", domainOf(m.To), "error", err.Error())
		if w.Failed != nil {
			w.Failed()
		}
		return err
	}
	if w.Sent != nil {
		w.Sent()
	}
	// The server has the message: record it even if the job's context has
	// just ended, so a retry does not send it twice.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := recordDelivery(w.DB.WithContext(rctx), job.ID); err != nil {
		// Returning the error would send the message again; River records
		// the job as completed instead (the remaining window: docs/operations.md).
		w.logger().Error("record email delivery", "job_id", job.ID, "error", err.Error())
	}
	return nil
}

// recordDelivery notes that job's message left the platform, and forgets
// records older than any retry (River's retries of a message end within a
// day; discarded jobs are kept a week).
func recordDelivery(db *gorm.DB, jobID int64) error {
	return db.Exec(`WITH pruned AS (DELETE FROM mail_deliveries WHERE sent_at < now() - interval '8 days')
		INSERT INTO mail_deliveries (job_id) VALUES (?) ON CONFLICT (job_id) DO NOTHING`, jobID).Error
}

func (w *Worker) logger() *slog.Logger {
	if w.Logger != nil {
		return w.Logger
	}
	return slog.Default()
}

// domainOf is the part of an address after the last @, for logs that must
// not hold the whole address.
func domainOf(addr string) string {
	if i := strings.LastIndexByte(addr, '@'); i >= 0 {
		return addr[i+1:]
	}
	return ""
}

// Timeout bounds one delivery attempt.
func (w *Worker) Timeout(*river.Job[Message]) time.Duration { return 30 * time.Second }

func sendSMTP(ctx context.Context, s SMTP, m Message) error {
	from, err := mail.ParseAddress(s.From)
	if err != nil {
		return fmt.Errorf("TAKUMI_MAIL_FROM: %w", err)
	}
	if strings.ContainsAny(m.To, "\r\n") {
		return errors.New("invalid recipient")
	}
	var b strings.Builder
	fmt.Fprintf(&b, "From: %s\r\n", from.String())
	fmt.Fprintf(&b, "To: %s\r\n", m.To)
	fmt.Fprintf(&b, "Subject: %s\r\n", mime.BEncoding.Encode("utf-8", m.Subject))
	fmt.Fprintf(&b, "Date: %s\r\n", time.Now().Format(time.RFC1123Z))
	b.WriteString("MIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n")
	b.WriteString(strings.ReplaceAll(m.Body, "\n", "\r\n"))

	addr := net.JoinHostPort(s.Host, strconv.Itoa(s.Port))
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	// The whole SMTP conversation ends with the job's deadline.
	if dl, ok := ctx.Deadline(); ok {
		conn.SetDeadline(dl)
	}
	c, err := smtp.NewClient(conn, s.Host)
	if err != nil {
		conn.Close()
		return err
	}
	defer c.Close()
	if ok, _ := c.Extension("STARTTLS"); ok {
		if err := c.StartTLS(&tls.Config{ServerName: s.Host, MinVersion: tls.VersionTLS12}); err != nil {
			return err
		}
	}
	if s.User != "" {
		if err := c.Auth(smtp.PlainAuth("", s.User, s.Password, s.Host)); err != nil {
			return err
		}
	}
	if err := c.Mail(from.Address); err != nil {
		return err
	}
	if err := c.Rcpt(m.To); err != nil {
		return err
	}
	w, err := c.Data()
	if err != nil {
		return err
	}
	if _, err := w.Write([]byte(b.String())); err != nil {
		return err
	}
	if err := w.Close(); err != nil {
		return err
	}
	// The server accepted the message with its answer to DATA: the SMTP
	// transaction is complete. A failing QUIT must not make the job retry.
	_ = c.Quit()
	return nil
}

// DevMessage is a message kept in the development mailbox.
type DevMessage struct {
	ID        int64
	ToAddr    string
	Subject   string
	Body      string
	CreatedAt time.Time
}

// TableName maps DevMessage to its table.
func (DevMessage) TableName() string { return "dev_mail" }

// DevMailbox lists the newest kept messages, optionally for one recipient.
func DevMailbox(ctx context.Context, db *gorm.DB, to string, limit int) ([]DevMessage, error) {
	var out []DevMessage
	q := db.WithContext(ctx).Order("id DESC").Limit(limit)
	if to != "" {
		q = q.Where("to_addr = ?", strings.ToLower(to))
	}
	if err := q.Find(&out).Error; err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	return out, nil
}

// DeleteDevMailTo deletes the development mailbox's messages to address
// inside tx (account erasure).
func DeleteDevMailTo(ctx context.Context, tx *gorm.DB, address string) error {
	return tx.WithContext(ctx).Exec(`DELETE FROM dev_mail WHERE to_addr = ?`, address).Error
}
