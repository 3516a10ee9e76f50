package app_test

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"takumi/internal/app"
	"takumi/internal/config"
	"takumi/internal/database"
	"takumi/internal/dbtest"
)

// TestServeGracefulShutdown: a request already being received when the
// shutdown signal arrives is still answered, and Serve then returns.
func TestServeGracefulShutdown(t *testing.T) {
	db := dbtest.New(t)
	cfg := config.Config{Env: config.EnvDevelopment, BaseURL: "http://127.0.0.1", DataDir: t.TempDir(),
		LoginMaxFailures: 5, LoginLockDuration: time.Minute, LoginIPLimit: 50, LoginIPWindow: time.Minute}
	ln, stop, done := startServe(t, cfg, db, slog.New(slog.NewTextHandler(io.Discard, nil)))

	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// A form post whose body is still arriving: the handler is running and
	// reading it when the shutdown signal comes.
	body := "lang=en&return_to=%2F"
	io.WriteString(conn, "POST /language HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"+
		"Content-Type: application/x-www-form-urlencoded\r\nContent-Length: "+strconv.Itoa(len(body))+"\r\n\r\nlang=")
	time.Sleep(500 * time.Millisecond) // the handler is now reading the body
	stop()                             // SIGTERM arrives
	time.Sleep(100 * time.Millisecond)
	select {
	case err := <-done:
		t.Fatalf("Serve returned before the in-flight request finished: %v", err)
	default:
	}
	io.WriteString(conn, body[len("lang="):])
	res, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("in-flight request got no answer: %v", err)
	}
	page, _ := io.ReadAll(res.Body)
	// No CSRF token was sent, so the complete answer is the 403 page.
	if res.StatusCode != http.StatusForbidden || !strings.Contains(string(page), "</html>") {
		t.Fatalf("in-flight request: %d %q", res.StatusCode, page)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("Serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Serve did not return after the last request finished")
	}
	if _, err := net.Dial("tcp", ln.Addr().String()); err == nil {
		t.Fatal("still accepting connections after shutdown")
	}
}

// startServe runs app.Serve for cfg on a free port of 127.0.0.1 and
// returns its listener, the function that stops it and where its result
// arrives.
func startServe(t *testing.T, cfg config.Config, db *database.DB, logger *slog.Logger) (net.Listener, context.CancelFunc, chan error) {
	t.Helper()
	a, err := app.New(cfg, db, logger)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- a.Serve(ctx, ln) }()
	return ln, stop, done
}

// TestServeContentOriginOnPortZero: TAKUMI_CONTENT_ADDR=127.0.0.1:0
// without TAKUMI_CONTENT_BASE_URL (development) listens on a free port and
// the content base URL names that port, not 0.
func TestServeContentOriginOnPortZero(t *testing.T) {
	db := dbtest.New(t)
	for k, v := range map[string]string{"TAKUMI_ENV": "development", "TAKUMI_ADDR": "127.0.0.1:8080",
		"TAKUMI_BASE_URL": "http://127.0.0.1:8080", "TAKUMI_CONTENT_ADDR": "127.0.0.1:0", "TAKUMI_CONTENT_BASE_URL": "",
		"TAKUMI_METRICS_ADDR": "127.0.0.1:0", "TAKUMI_DATA_DIR": t.TempDir(), "TAKUMI_SMTP_HOST": ""} {
		t.Setenv(k, v)
	}
	cfg, err := config.Load()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ContentBaseURL != "http://localhost:0" {
		t.Fatalf("derived content base URL before listening: %q", cfg.ContentBaseURL)
	}
	// The log goes to a file: Serve's goroutine writes it while the test
	// reads it.
	logPath := filepath.Join(t.TempDir(), "serve.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	_, stop, done := startServe(t, cfg, db, slog.New(slog.NewJSONHandler(logFile, nil)))
	defer func() {
		stop()
		if err := <-done; err != nil {
			t.Errorf("Serve: %v", err)
		}
	}()

	var base string
	var logs []byte
	for deadline := time.Now().Add(20 * time.Second); base == "" && time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		logs, _ = os.ReadFile(logPath)
		for _, line := range strings.Split(string(logs), "\n") {
			var rec struct {
				Msg     string `json:"msg"`
				BaseURL string `json:"base_url"`
			}
			if json.Unmarshal([]byte(line), &rec) == nil && rec.Msg == "content origin listener" {
				base = rec.BaseURL
			}
		}
	}
	u, err := url.Parse(base)
	if err != nil || u.Hostname() != "localhost" || u.Port() == "" || u.Port() == "0" {
		t.Fatalf("content base URL after listening: %q (logs: %s)", base, logs)
	}
	res, err := http.Get(base + "/nothing-here")
	if err != nil {
		t.Fatalf("content origin at %s: %v", base, err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusNotFound || res.Header.Get("Content-Security-Policy") != "default-src 'none'" {
		t.Fatalf("%s is not the content origin: %d %q", base, res.StatusCode, res.Header.Get("Content-Security-Policy"))
	}
}
