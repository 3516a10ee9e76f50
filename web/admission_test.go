package web_test

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"takumi/internal/config"
)

// TestAdmission: with TAKUMI_MAX_REQUESTS=1, while one request holds the
// only place (a sign-in form whose body is still arriving), a page waits
// TAKUMI_REQUEST_QUEUE_WAIT and is then answered 503 with Retry-After and
// the busy message in the person's language; the player's heartbeat is
// answered 503 after a quarter of that wait; /healthz is answered; the turned-away
// requests are counted by route and not logged as failures. Once the
// place is free, pages are answered again.
func TestAdmission(t *testing.T) {
	t.Parallel()
	const wait = 400 * time.Millisecond
	ta := startApp(t, func(c *config.Config) { c.MaxRequests, c.RequestQueueWait = 1, wait })

	// The request holding the place: CSRF reads the form after admit.
	body, feed := io.Pipe()
	req, _ := http.NewRequest(http.MethodPost, ta.URL+"/login", body)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	held := make(chan *http.Response, 1)
	go func() {
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Error(err)
			held <- nil
			return
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		held <- res
	}()
	feed.Write([]byte("email=a"))
	inFlight := regexp.MustCompile(`(?m)^takumi_http_requests_in_flight 1$`)
	for deadline := time.Now().Add(10 * time.Second); !inFlight.MatchString(ta.scrapeMetrics(t).Body); {
		if time.Now().After(deadline) {
			t.Fatal("the held request never got its place")
		}
		time.Sleep(20 * time.Millisecond)
	}

	get := func(path, lang string) (*http.Response, string, time.Duration) {
		t.Helper()
		r, _ := http.NewRequest(http.MethodGet, ta.URL+path, nil)
		if lang != "" {
			r.AddCookie(&http.Cookie{Name: "takumi_lang", Value: lang})
		}
		start := time.Now()
		res, err := http.DefaultClient.Do(r)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(res.Body)
		res.Body.Close()
		return res, string(b), time.Since(start)
	}
	for _, c := range []struct{ lang, want string }{
		{"en", "more requests than it can answer right now"},
		{"ja", "ただいまアクセスが集中しており"},
	} {
		res, page, took := get("/courses", c.lang)
		if res.StatusCode != http.StatusServiceUnavailable || res.Header.Get("Retry-After") == "" {
			t.Fatalf("%s: a page beyond the bound: %d, Retry-After %q; want 503 with Retry-After", c.lang, res.StatusCode, res.Header.Get("Retry-After"))
		}
		if !strings.Contains(page, c.want) {
			t.Errorf("%s: the busy page does not say so: %.300s", c.lang, page)
		}
		if took < wait {
			t.Errorf("%s: turned away after %s, before its %s wait", c.lang, took, wait)
		}
	}
	hb, _ := http.NewRequest(http.MethodPost, ta.URL+"/learn/e/lessons/l/heartbeat", nil)
	start := time.Now()
	res, err := http.DefaultClient.Do(hb)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if took := time.Since(start); res.StatusCode != http.StatusServiceUnavailable || took < wait/4 || took >= wait {
		t.Errorf("heartbeat beyond the bound: %d after %s; want 503 after %s", res.StatusCode, took, wait/4)
	}
	if res, _, _ := get("/healthz", ""); res.StatusCode != http.StatusOK {
		t.Errorf("/healthz while busy: %d", res.StatusCode)
	}
	m := ta.scrapeMetrics(t).Body
	for _, want := range []string{`takumi_http_shed_total{route="/courses"} 2`, `takumi_http_shed_total{route="/learn/:enrolment/lessons/:lesson/heartbeat"} 1`} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}

	// The place is freed: pages are answered again.
	feed.Write([]byte("&password=b"))
	feed.Close()
	if r := <-held; r == nil {
		t.Fatal("the held request failed")
	}
	if res, _, _ := get("/courses", "en"); res.StatusCode != http.StatusOK {
		t.Errorf("after the place is freed: %d", res.StatusCode)
	}
}
