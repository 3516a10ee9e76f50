package web_test

import (
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"takumi/internal/config"
)

// clientIPPostLogin posts a failing sign-in with a forged X-Forwarded-For.
func clientIPPostLogin(t *testing.T, b *browser, forwardedFor string) *response {
	t.Helper()
	v := url.Values{"email": {"nobody@example.jp"}, "password": {"wrong-password"}, "_csrf": {b.csrf("/login")}}
	req, _ := http.NewRequest(http.MethodPost, b.base+"/login", strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("X-Forwarded-For", forwardedFor)
	return b.do(req)
}

// TestClientIPForwardedFor: the per-IP sign-in limit cannot be dodged by
// sending a different X-Forwarded-For each time, unless the request really
// comes through a configured proxy.
func TestClientIPForwardedFor(t *testing.T) {
	t.Parallel()
	t.Run("ErrForgedHeaderIgnored", func(t *testing.T) {
		ta := startApp(t, func(c *config.Config) { c.LoginIPLimit = 3 })
		b := ta.newBrowser(t)
		var last *response
		for i := 0; i < 4; i++ {
			last = clientIPPostLogin(t, b, "203.0.113."+string(rune('1'+i)))
		}
		if last.StatusCode != http.StatusTooManyRequests {
			t.Fatalf("4th attempt with a new forged X-Forwarded-For each time: %d, want 429", last.StatusCode)
		}
		var ips []string
		ta.DB.Gorm.Raw("SELECT DISTINCT ip FROM login_attempts").Scan(&ips)
		if len(ips) != 1 || ips[0] != "127.0.0.1" {
			t.Fatalf("attempts recorded under %v, want only the real peer 127.0.0.1", ips)
		}
	})
	t.Run("TrustedProxy", func(t *testing.T) {
		_, loopback, _ := net.ParseCIDR("127.0.0.1/32")
		ta := startApp(t, func(c *config.Config) {
			c.LoginIPLimit = 3
			c.TrustedProxies = []*net.IPNet{loopback}
		})
		b := ta.newBrowser(t)
		for i := 0; i < 4; i++ {
			if r := clientIPPostLogin(t, b, "198.51.100.7"); i == 3 && r.StatusCode != http.StatusTooManyRequests {
				t.Fatalf("4th attempt from one client behind the proxy: %d, want 429", r.StatusCode)
			}
		}
		if r := clientIPPostLogin(t, b, "198.51.100.8"); r.StatusCode != http.StatusUnauthorized {
			t.Fatalf("another client behind the same proxy: %d, want 401 (not throttled)", r.StatusCode)
		}
		var n int
		ta.DB.Gorm.Raw("SELECT count(*) FROM login_attempts WHERE ip = '198.51.100.7'").Row().Scan(&n)
		if n != 4 {
			t.Fatalf("attempts under the forwarded client address: %d, want 4", n)
		}
	})
}
