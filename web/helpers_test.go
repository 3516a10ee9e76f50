package web_test

import (
	"context"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"
	"github.com/pquerna/otp/totp"

	"takumi/internal/app"
	"takumi/internal/config"
	"takumi/internal/database"
	"takumi/internal/dbtest"
	"takumi/internal/fixtures"
)

// testApp is the real platform on a fresh database, served over real HTTP on
// 127.0.0.1, with its job workers running (so emails arrive in the mailbox).
type testApp struct {
	URL string
	DB  *database.DB
	App *app.App
	Cfg config.Config
}

// startApp starts Takumi for one test. mutate may adjust the configuration.
func startApp(t *testing.T, mutate ...func(*config.Config)) *testApp {
	t.Helper()
	return startAppOn(t, dbtest.New(t), mutate...)
}

// startAppOn starts Takumi on an already opened test database.
func startAppOn(t *testing.T, db *database.DB, mutate ...func(*config.Config)) *testApp {
	t.Helper()
	return startAppWrapped(t, db, nil, mutate...)
}

// startAppWrapped is startAppOn with the app's handler wrapped by wrap
// (nil: as it is).
func startAppWrapped(t *testing.T, db *database.DB, wrap func(http.Handler) http.Handler, mutate ...func(*config.Config)) *testApp {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Env = config.EnvDevelopment
	cfg.BaseURL = "http://" + ln.Addr().String()
	cfg.DataDir = t.TempDir()
	cfg.SMTPHost = ""
	for _, m := range mutate {
		m(&cfg)
	}
	logger := slog.New(slog.NewJSONHandler(io.Discard, nil))
	if testing.Verbose() {
		logger = slog.New(slog.NewTextHandler(&testLogWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	a, err := app.New(cfg, db, logger)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	if err := a.StartWorkers(ctx); err != nil {
		t.Fatal(err)
	}
	h := a.Handler()
	if wrap != nil {
		h = wrap(h)
	}
	srv := httptest.NewUnstartedServer(h)
	srv.Listener.Close()
	srv.Listener = ln
	srv.Start()
	t.Cleanup(func() {
		srv.Close()
		sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
		a.StopWorkers(sctx)
		scancel()
		cancel()
	})
	return &testApp{URL: srv.URL, DB: db, App: a, Cfg: cfg}
}

type testLogWriter struct{ t *testing.T }

func (w *testLogWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// browser is an HTTP client with its own cookies that does not follow
// redirects, so tests see each 303.
type browser struct {
	t    *testing.T
	base string
	c    *http.Client
}

func (ta *testApp) newBrowser(t *testing.T) *browser {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, base: ta.URL, c: &http.Client{
		Jar:     jar,
		Timeout: 15 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}}
}

// response is a finished HTTP exchange with its body read.
type response struct {
	*http.Response
	Body string
}

// Doc parses the body as HTML.
func (r *response) Doc(t *testing.T) *goquery.Document {
	t.Helper()
	d, err := goquery.NewDocumentFromReader(strings.NewReader(r.Body))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func (b *browser) do(req *http.Request) *response {
	b.t.Helper()
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return &response{Response: res, Body: string(body)}
}

// get fetches path.
func (b *browser) get(path string) *response {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, b.base+path, nil)
	return b.do(req)
}

// csrf returns the CSRF token of the page at path (from its forms).
func (b *browser) csrf(path string) string {
	b.t.Helper()
	r := b.get(path)
	tok, ok := r.Doc(b.t).Find(`input[name="_csrf"]`).First().Attr("value")
	if !ok || tok == "" {
		b.t.Fatalf("no CSRF token on %s (status %d)", path, r.StatusCode)
	}
	return tok
}

// post submits a form to path as a browser would after loading formPage:
// with that page's CSRF token.
func (b *browser) post(formPage, path string, values url.Values) *response {
	b.t.Helper()
	if values == nil {
		values = url.Values{}
	}
	values.Set("_csrf", b.csrf(formPage))
	return b.postRaw(path, values)
}

// postRaw submits a form without adding a CSRF token.
func (b *browser) postRaw(path string, values url.Values) *response {
	b.t.Helper()
	req, _ := http.NewRequest(http.MethodPost, b.base+path, strings.NewReader(values.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// follow GETs the Location of a redirect.
func (b *browser) follow(r *response) *response {
	b.t.Helper()
	loc := r.Header.Get("Location")
	if loc == "" {
		b.t.Fatalf("expected a redirect, got %d", r.StatusCode)
	}
	loc = strings.TrimPrefix(loc, b.base)
	return b.get(loc)
}

var linkRe = regexp.MustCompile(`https?://[^\s]+`)

// waitMail waits for the newest email to `to` whose subject contains
// subjectPart, and returns its body and the first link in it.
func (ta *testApp) waitMail(t *testing.T, to, subjectPart string) (body, link string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		var rows []struct{ Subject, Body string }
		ta.DB.Gorm.Raw("SELECT subject, body FROM dev_mail WHERE to_addr = ? ORDER BY id DESC", strings.ToLower(to)).Scan(&rows)
		for _, r := range rows {
			if strings.Contains(r.Subject, subjectPart) {
				return r.Body, linkRe.FindString(r.Body)
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no email to %s with subject containing %q", to, subjectPart)
	return "", ""
}

// pathOf strips the test server's base URL from a link.
func (ta *testApp) pathOf(t *testing.T, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatal(err)
	}
	return u.RequestURI()
}

// totpCode returns a TOTP code for secret that the server has not yet seen
// for this user: two-factor codes cannot be replayed, so a second sign-in in
// the same 30-second step uses the next step's code (within the allowed
// skew) or waits for a fresh step.
func (ta *testApp) totpCode(t *testing.T, email, secret string) string {
	t.Helper()
	var last int64
	ta.DB.Gorm.Raw("SELECT totp_last_step FROM users WHERE email = ?", strings.ToLower(email)).Row().Scan(&last)
	now := time.Now()
	step := now.Unix() / 30
	switch {
	case step > last:
	case step+1 > last:
		now = now.Add(30 * time.Second)
	default:
		time.Sleep(time.Duration(30-now.Unix()%30+1) * time.Second)
		return ta.totpCode(t, email, secret)
	}
	code, err := totp.GenerateCode(secret, now)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// signedIn returns a new browser signed in as email with fixtures.Password
// (and the two-factor code for totpSecret when the account asks for one).
func (ta *testApp) signedIn(t *testing.T, email, totpSecret string) *browser {
	t.Helper()
	b := ta.newBrowser(t)
	ta.signIn(t, b, email, fixtures.Password, totpSecret)
	return b
}

// signedInLearner creates the learner 受講 太郎 with email and returns a
// browser signed in as them, and their id.
func (ta *testApp) signedInLearner(t *testing.T, email string) (*browser, string) {
	t.Helper()
	id := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: email, Name: "受講 太郎"})
	return ta.signedIn(t, email, ""), id
}

// signIn signs b in through the real sign-in form (and the two-factor step
// when the account has it) and fails the test unless it succeeds.
func (ta *testApp) signIn(t *testing.T, b *browser, email, password, totpSecret string) {
	t.Helper()
	r := b.post("/login", "/login", url.Values{"email": {email}, "password": {password}})
	if r.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in as %s: status %d, want 303\n%.400s", email, r.StatusCode, r.Body)
	}
	if r.Header.Get("Location") == "/login/2fa" {
		if totpSecret == "" {
			t.Fatalf("sign-in as %s asks for a two-factor code but the test has no secret", email)
		}
		r = b.post("/login/2fa", "/login/2fa", url.Values{"code": {ta.totpCode(t, email, totpSecret)}})
		if r.StatusCode != http.StatusSeeOther {
			t.Fatalf("two-factor step for %s: status %d\n%.400s", email, r.StatusCode, r.Body)
		}
	}
}

// scrapeMetrics fetches /metrics from the app's metrics listener handler
// (TAKUMI_METRICS_ADDR in production), as Prometheus would.
func (ta *testApp) scrapeMetrics(t *testing.T) *response {
	t.Helper()
	rec := httptest.NewRecorder()
	ta.App.Server.MetricsHandler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	return &response{Response: rec.Result(), Body: rec.Body.String()}
}
