package web_test

import (
	"context"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"takumi/internal/database"
	"takumi/internal/dbtest"
)

// tcpProxy forwards 127.0.0.1:port to PostgreSQL and can cut every
// connection, to simulate a database outage for real.
type tcpProxy struct {
	mu     sync.Mutex
	ln     net.Listener
	target string
	addr   string
	conns  []net.Conn
	down   bool
}

func newTCPProxy(t *testing.T, target string) *tcpProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpProxy{ln: ln, target: target, addr: ln.Addr().String()}
	go p.accept()
	t.Cleanup(func() { ln.Close(); p.cut() })
	return p
}

func (p *tcpProxy) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		down := p.down
		p.mu.Unlock()
		if down {
			c.Close()
			continue
		}
		s, err := net.Dial("tcp", p.target)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.conns = append(p.conns, c, s)
		p.mu.Unlock()
		go func() { io.Copy(s, c); s.Close() }()
		go func() { io.Copy(c, s); c.Close() }()
	}
}

func (p *tcpProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = true
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
}

func (p *tcpProxy) restore() {
	p.mu.Lock()
	p.down = false
	p.mu.Unlock()
}

func TestDatabaseOutage(t *testing.T) {
	t.Parallel()
	direct := dbtest.New(t)
	proxy := newTCPProxy(t, "127.0.0.1:5432")
	url := dbtest.URL(t, direct)
	url = strings.Replace(url, "127.0.0.1:5432", proxy.addr, 1)
	// Rebuild the app on a pool that goes through the proxy.
	viaProxy, err := database.Open(context.Background(), url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(viaProxy.Close)
	ta2 := startAppOn(t, viaProxy)
	b := ta2.newBrowser(t)

	if r := b.get("/dev/mailbox"); r.StatusCode != http.StatusOK {
		t.Fatalf("before the outage: %d", r.StatusCode)
	}
	proxy.cut()
	t.Run("Readyz503", func(t *testing.T) {
		start := time.Now()
		if r := b.get("/readyz"); r.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("readyz with the database gone: %d, want 503", r.StatusCode)
		}
		if d := time.Since(start); d > 5*time.Second {
			t.Fatalf("readyz took %v: an outage must not hang requests", d)
		}
	})
	t.Run("Healthz200", func(t *testing.T) {
		if r := b.get("/healthz"); r.StatusCode != http.StatusOK {
			t.Fatalf("healthz must stay 200 while the process lives: %d", r.StatusCode)
		}
	})
	t.Run("ClearPage503", func(t *testing.T) {
		start := time.Now()
		r := b.get("/dev/mailbox")
		if r.StatusCode != http.StatusServiceUnavailable || !strings.Contains(r.Body, "一時的に利用できません") {
			t.Fatalf("a page needing the database during an outage: %d %.300s", r.StatusCode, r.Body)
		}
		if d := time.Since(start); d > 10*time.Second {
			t.Fatalf("outage page took %v", d)
		}
	})
	proxy.restore()
	t.Run("Recovers", func(t *testing.T) {
		deadline := time.Now().Add(15 * time.Second)
		for {
			r := b.get("/dev/mailbox")
			if r.StatusCode == http.StatusOK {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("the app did not recover after the database returned: %d", r.StatusCode)
			}
			time.Sleep(200 * time.Millisecond)
		}
	})
}
