package mail_test

import (
	"bufio"
	"bytes"
	"context"
	"log/slog"
	"net"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"takumi/internal/dbtest"
	"takumi/internal/mail"
)

// fakeSMTP is a minimal SMTP server counting the messages it accepts.
type fakeSMTP struct {
	ln       net.Listener
	accepted atomic.Int32
}

func newFakeSMTP(t *testing.T) *fakeSMTP {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &fakeSMTP{ln: ln}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go s.serve(c)
		}
	}()
	return s
}

func (s *fakeSMTP) serve(c net.Conn) {
	defer c.Close()
	r := bufio.NewReader(c)
	say := func(line string) { c.Write([]byte(line + "\r\n")) }
	say("220 fake ESMTP")
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return
		}
		cmd := strings.ToUpper(strings.TrimSpace(line))
		switch {
		case strings.HasPrefix(cmd, "EHLO"), strings.HasPrefix(cmd, "HELO"):
			say("250 fake")
		case strings.HasPrefix(cmd, "DATA"):
			say("354 go on")
			for {
				l, err := r.ReadString('\n')
				if err != nil {
					return
				}
				if l == ".\r\n" {
					break
				}
			}
			s.accepted.Add(1)
			say("250 queued")
		case strings.HasPrefix(cmd, "QUIT"):
			say("221 bye")
			return
		default:
			say("250 ok")
		}
	}
}

func (s *fakeSMTP) port() int { return s.ln.Addr().(*net.TCPAddr).Port }

func job(id int64, attempt int) *river.Job[mail.Message] {
	return &river.Job[mail.Message]{JobRow: &rivertype.JobRow{ID: id, Attempt: attempt, MaxAttempts: 8},
		Args: mail.Message{To: "learner@example.jp", Subject: "件名", Body: "本文"}}
}

// TestWorkerSendsOnce: a retried email job whose SMTP transaction
// completed on an earlier attempt does not send the message again.
func TestWorkerSendsOnce(t *testing.T) {
	db := dbtest.New(t)
	srv := newFakeSMTP(t)
	var sent, failed int
	w := &mail.Worker{DB: db.Gorm, SMTP: mail.SMTP{Host: "127.0.0.1", Port: srv.port(), From: "no-reply@takumi.example.jp"},
		Sent: func() { sent++ }, Failed: func() { failed++ }}
	ctx := context.Background()
	if err := w.Work(ctx, job(42, 1)); err != nil {
		t.Fatal(err)
	}
	// The instance died before River recorded the job as completed: River
	// runs it again.
	if err := w.Work(ctx, job(42, 2)); err != nil {
		t.Fatal(err)
	}
	if n := srv.accepted.Load(); n != 1 {
		t.Fatalf("the server received the message %d times, want 1", n)
	}
	if err := w.Work(ctx, job(43, 1)); err != nil {
		t.Fatal(err)
	}
	if n := srv.accepted.Load(); n != 2 || sent != 2 || failed != 0 {
		t.Fatalf("another message: accepted %d, sent %d, failed %d", n, sent, failed)
	}
}

// TestWorkerSMTPFailureLoggedAtError: an SMTP failure is an ERROR in the
// log, with no recipient address, and the job fails so River retries it.
func TestWorkerSMTPFailureLoggedAtError(t *testing.T) {
	db := dbtest.New(t)
	port := dbtest.FreePort(t) // nothing listens: connection refused
	var logs bytes.Buffer
	failed := 0
	w := &mail.Worker{DB: db.Gorm, SMTP: mail.SMTP{Host: "127.0.0.1", Port: port, From: "no-reply@takumi.example.jp"},
		Logger: slog.New(slog.NewTextHandler(&logs, nil)), Failed: func() { failed++ }}
	if err := w.Work(context.Background(), job(7, 1)); err == nil {
		t.Fatal("delivery to a closed port succeeded")
	}
	out := logs.String()
	if !strings.Contains(out, "level=ERROR") || !strings.Contains(out, "smtp delivery failed") ||
		!strings.Contains(out, "port="+strconv.Itoa(port)) && !strings.Contains(out, strconv.Itoa(port)) {
		t.Fatalf("log: %s", out)
	}
	if strings.Contains(out, "learner@example.jp") || failed != 1 {
		t.Fatalf("log names the recipient or failure not counted (%d): %s", failed, out)
	}
}
