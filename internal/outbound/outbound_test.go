package outbound_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"takumi/internal/outbound"
)

// TestGuardDial: in production no request reaches the operator's own
// network (SSRF), whatever name the address used; public addresses pass.
func TestGuardDial(t *testing.T) {
	for _, addr := range []string{"127.0.0.1:443", "[::1]:443", "10.1.2.3:443", "192.168.0.10:443", "172.16.5.5:80",
		"169.254.169.254:80", "[fe80::1]:443", "0.0.0.0:443", "[fd00::1]:443"} {
		if err := outbound.GuardDial("tcp", addr, nil); !errors.Is(err, outbound.ErrForbiddenDestination) {
			t.Errorf("%s: %v, want refused", addr, err)
		}
	}
	for _, addr := range []string{"203.0.113.7:443", "[2001:db8::1]:443", "8.8.8.8:443"} {
		if err := outbound.GuardDial("tcp", addr, nil); err != nil {
			t.Errorf("%s refused: %v", addr, err)
		}
	}
	// Through the client: a server on loopback is never reached in
	// production, and is in development.
	hit := 0
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hit++ }))
	defer srv.Close()
	if _, err := outbound.Client(true, 5*time.Second).Get(srv.URL); !errors.Is(err, outbound.ErrForbiddenDestination) || hit != 0 {
		t.Errorf("production client reached loopback: %v (hit %d)", err, hit)
	}
	if res, err := outbound.Client(false, 5*time.Second).Get(srv.URL); err != nil || hit != 1 {
		t.Errorf("development client: %v (hit %d)", err, hit)
	} else {
		res.Body.Close()
	}
}
