package webhook

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"takumi/internal/apperr"
	"takumi/internal/outbound"
)

// TestProductionClientRefusesLoopback: deliveries use the SSRF-guarded
// client in production (the guard itself: internal/outbound).
func TestProductionClientRefusesLoopback(t *testing.T) {
	hit := false
	srv := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hit = true }))
	defer srv.Close()
	_, err := httpClient(true).Post(srv.URL, "application/json", nil)
	if err == nil || !errors.Is(err, outbound.ErrForbiddenDestination) || hit {
		t.Errorf("production client reached loopback: %v (hit %v)", err, hit)
	}
}

// TestEndpointURLRules: https only in production; no credentials in the URL.
func TestEndpointURLRules(t *testing.T) {
	prod, dev := &Service{production: true}, &Service{}
	for _, c := range []struct {
		s    *Service
		url  string
		want string
	}{
		{prod, "http://hr.example.jp/hook", "webhook.err_https"},
		{prod, "https://hr.example.jp/hook", ""},
		{dev, "http://127.0.0.1:8080/hook", ""},
		{dev, "ftp://hr.example.jp/", "webhook.err_https"},
		{prod, "https://user:pw@hr.example.jp/", "webhook.err_url"},
		{prod, "hr.example.jp", "webhook.err_url"},
	} {
		if got := c.s.checkURL(c.url); got != c.want {
			t.Errorf("production=%v %q: %q, want %q", c.s.production, c.url, got, c.want)
		}
	}
	_, _, err := prod.CreateEndpoint(context.Background(), Actor{}, "x", "http://hr.example.jp", []string{EventCourseCompleted})
	if e, ok := apperr.As(err); !ok || e.Fields["url"] != "webhook.err_https" {
		t.Errorf("CreateEndpoint: %v", err)
	}
}

// TestBackoffAboutThreeDays: the attempts of one delivery span about three
// days, as the issue asks.
func TestBackoffAboutThreeDays(t *testing.T) {
	var total time.Duration
	for a := 1; a < MaxAttempts; a++ {
		total += retryDelay(a)
	}
	if total < 60*time.Hour || total > 84*time.Hour {
		t.Errorf("attempts span %v", total)
	}
}
