package app_test

import (
	"bufio"
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"takumi/internal/app"
	"takumi/internal/config"
	"takumi/internal/dbtest"
)

// TestServeGracefulShutdown: a request already being received when the
// shutdown signal arrives is still answered, and Serve then returns.
func TestServeGracefulShutdown(t *testing.T) {
	db := dbtest.New(t)
	cfg := config.Config{Env: config.EnvDevelopment, BaseURL: "http://127.0.0.1", DataDir: t.TempDir(),
		LoginMaxFailures: 5, LoginLockDuration: time.Minute, LoginIPLimit: 50, LoginIPWindow: time.Minute}
	a, err := app.New(cfg, db, slog.New(slog.NewTextHandler(io.Discard, nil)))
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
