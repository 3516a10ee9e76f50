// Package mail sends the platform's email through a River background job, so
// a slow mail server never slows a page, and a message is queued in the same
// transaction as the change that caused it (a rolled-back sign-up sends
// nothing). In development every message is also kept in the dev_mail table
// and shown at /dev/mailbox; in production nothing is kept.
package mail

import (
	"context"
	"crypto/tls"
	"database/sql"
	"errors"
	"fmt"
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
	inserter *river.Client[*sql.Tx]
}

// NewQueue returns a Queue that inserts with an insert-only River client.
func NewQueue(inserter *river.Client[*sql.Tx]) *Queue { return &Queue{inserter: inserter} }

// EnqueueTx queues m to be sent when tx commits. tx must be a gorm
// transaction over database/sql.
func (q *Queue) EnqueueTx(ctx context.Context, tx *gorm.DB, m Message) error {
	sqlTx, ok := tx.Statement.ConnPool.(*sql.Tx)
	if !ok {
		return apperr.Wrap(apperr.Internal, "error.internal", errors.New("mail: EnqueueTx needs a transaction"))
	}
	if _, err := q.inserter.InsertTx(ctx, sqlTx, m, nil); err != nil {
		return apperr.Wrap(apperr.Internal, "error.internal", fmt.Errorf("queue email: %w", err))
	}
	return nil
}

// Worker delivers Message jobs.
type Worker struct {
	river.WorkerDefaults[Message]
	SMTP      SMTP
	KeepInDev bool // store every message in dev_mail (development only)
	DB        *gorm.DB
}

// Work sends one message: into the development mailbox when enabled, and
// through SMTP when a server is configured.
func (w *Worker) Work(ctx context.Context, job *river.Job[Message]) error {
	m := job.Args
	if w.KeepInDev {
		if err := w.DB.WithContext(ctx).Exec(
			"INSERT INTO dev_mail (to_addr, subject, body) VALUES (?, ?, ?)", m.To, m.Subject, m.Body).Error; err != nil {
			return err
		}
	}
	if w.SMTP.Host == "" {
		return nil
	}
	return sendSMTP(w.SMTP, m)
}

// Timeout bounds one delivery attempt.
func (w *Worker) Timeout(*river.Job[Message]) time.Duration { return 30 * time.Second }

func sendSMTP(s SMTP, m Message) error {
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
	c, err := smtp.Dial(addr)
	if err != nil {
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
	return c.Quit()
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
