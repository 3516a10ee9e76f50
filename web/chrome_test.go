package web_test

import (
	"context"
	_ "embed"
	"encoding/json"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	cdplog "github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"takumi/internal/fixtures"
)

//go:embed testdata/axe.min.js
var axeSource string

// chromePath finds Debian's Chromium. Outside CI a missing browser skips the
// browser tests with a clear message; in CI (CI=true) it fails them.
func chromePath(t *testing.T) string {
	t.Helper()
	for _, name := range []string{os.Getenv("TAKUMI_CHROME"), "chromium", "chromium-browser", "google-chrome"} {
		if name == "" {
			continue
		}
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv("CI") != "" {
		t.Fatal("browser tests are mandatory in CI but no Chromium was found (apt-get install chromium)")
	}
	t.Skip("browser test skipped: no Chromium found (install Debian's chromium package, or set TAKUMI_CHROME)")
	return ""
}

// newChrome starts a headless Chromium for one test and returns its context.
func newChrome(t *testing.T) context.Context {
	t.Helper()
	path := chromePath(t)
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx)
	t.Cleanup(func() { cancel(); acancel() })
	// The first call starts the browser; it must run without a deadline.
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("start chromium: %v", err)
	}
	watchConsole(t, ctx)
	return ctx
}

// consoleWatch collects the errors a browser tab reports.
type consoleWatch struct {
	mu   sync.Mutex
	errs []consoleError
	// documents are the addresses the tab's main frame navigated to.
	documents map[string]bool
}

// consoleError is one error the tab reported; url is the failed resource of
// a network log entry.
type consoleError struct {
	text, url string
	network   bool
}

// watchConsole fails the test for every error the page reports: a
// console.error call, an uncaught exception (htmx:syntax:error, a script
// that throws), and a browser log entry of level error (a script, style,
// image, favicon or htmx request that failed to load, a
// Content-Security-Policy violation). One kind of log entry is not a page
// error: Chromium also logs the status of the page's own document, so a
// form sent with mistakes on purpose (422, the form again with its errors)
// or a wrong password (401) would count; the test asserts that page itself,
// so a failed resource whose address is one the main frame navigated to is
// left out. The check runs when the test ends, before the browser closes
// (cleanups run last first).
func watchConsole(t *testing.T, ctx context.Context) {
	t.Helper()
	w := &consoleWatch{documents: map[string]bool{}}
	add := func(e consoleError) {
		w.mu.Lock()
		w.errs = append(w.errs, e)
		w.mu.Unlock()
	}
	err := chromedp.Listen(ctx, func(ev any) {
		switch e := ev.(type) {
		case *runtime.EventConsoleAPICalled:
			if e.Type != runtime.ConsoleAPICalledTypeError {
				return
			}
			var parts []string
			for _, a := range e.Args {
				if a.Value != nil {
					parts = append(parts, string(a.Value))
				} else {
					parts = append(parts, a.Description)
				}
			}
			add(consoleError{text: "console.error: " + strings.Join(parts, " ")})
		case *runtime.EventExceptionThrown:
			d := e.ExceptionDetails
			msg := d.Text
			if d.Exception != nil && d.Exception.Description != "" {
				msg += " " + d.Exception.Description
			}
			add(consoleError{text: fmt.Sprintf("exception: %s (%s:%d)", msg, d.URL, d.LineNumber)})
		case *cdplog.EventEntryAdded:
			if e.Entry.Level != cdplog.EntryLevelError {
				return
			}
			add(consoleError{text: fmt.Sprintf("log (%s): %s %s", e.Entry.Source, e.Entry.Text, e.Entry.URL),
				url: e.Entry.URL, network: e.Entry.Source == cdplog.EntrySourceNetwork})
		case *page.EventFrameNavigated:
			if e.Frame != nil && e.Frame.ParentID == "" {
				w.mu.Lock()
				w.documents[e.Frame.URL] = true
				w.mu.Unlock()
			}
		}
	})
	if err != nil {
		t.Fatalf("listen to the browser console: %v", err)
	}
	t.Cleanup(func() {
		w.mu.Lock()
		defer w.mu.Unlock()
		for _, e := range w.errs {
			if e.network && w.documents[e.url] {
				continue // the page's own status: the test asserts the page
			}
			t.Errorf("browser console: %s", e.text)
		}
	})
}

// stepTimeout bounds one group of browser steps.
const stepTimeout = 30 * time.Second

// do runs browser steps and fails the test on error.
func do(t *testing.T, ctx context.Context, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(sctx, steps...); err != nil {
		t.Fatal(err)
	}
}

// get runs one browser action that returns a value.
func get[T any](t *testing.T, ctx context.Context, a chromedp.Action[T]) T {
	t.Helper()
	sctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(sctx, a)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// text returns the visible text of the first element matching the CSS selector.
func text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	return get(t, ctx, chromedp.Text(chromedp.CSS(sel)))
}

// attr returns an attribute of the first element matching the CSS selector.
func attr(t *testing.T, ctx context.Context, sel, name string) string {
	t.Helper()
	return get(t, ctx, chromedp.AttributeValue(chromedp.CSS(sel), name)).Value
}

// location is the browser's current URL.
func location(t *testing.T, ctx context.Context) string {
	t.Helper()
	return get(t, ctx, chromedp.Location())
}

// waitFor asks the browser for a value until ok accepts it, and returns the
// last answer and whether it was accepted before the deadline. A page that
// is navigating (a form just sent, a link just clicked) cannot answer for a
// moment ("Inspected target navigated or closed"); the question is asked
// again, not failed.
func waitFor[T any](ctx context.Context, a chromedp.Action[T], ok func(T) bool) (T, error) {
	deadline := time.Now().Add(10 * time.Second)
	var last T
	var lastErr error
	for time.Now().Before(deadline) {
		sctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		v, err := chromedp.Run(sctx, a)
		cancel()
		if err == nil {
			last, lastErr = v, nil
			if ok(v) {
				return v, nil
			}
		} else {
			lastErr = err
		}
		time.Sleep(100 * time.Millisecond)
	}
	if lastErr == nil {
		lastErr = fmt.Errorf("not seen within 10 s")
	}
	return last, lastErr
}

// waitText waits until the text of the element (CSS selector sel, without
// quotes) contains want, and returns it.
func waitText(t *testing.T, ctx context.Context, sel, want string) string {
	t.Helper()
	got, err := waitFor(ctx, chromedp.Evaluate[string](`(document.querySelector('`+sel+`') || {textContent: ""}).textContent`),
		func(s string) bool { return strings.Contains(s, want) })
	if err != nil {
		t.Fatalf("%s says %q, want %q: %v", sel, got, want, err)
	}
	return got
}

// waitURL waits until the browser's URL has the query values.
func waitURL(t *testing.T, ctx context.Context, want url.Values) {
	t.Helper()
	loc, err := waitFor(ctx, chromedp.Location(), func(loc string) bool {
		u, err := url.Parse(loc)
		if err != nil {
			return false
		}
		for k := range want {
			if u.Query().Get(k) != want.Get(k) {
				return false
			}
		}
		return true
	})
	if err != nil {
		t.Fatalf("URL %s, want the query %v: %v", loc, want, err)
	}
}

// axeViolation is one axe-core rule a page breaks.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target []any `json:"target"`
	} `json:"nodes"`
}

// checkAxe runs axe-core (WCAG 2.1 A and AA rules) on the current page and
// fails the test for every violation.
func checkAxe(t *testing.T, ctx context.Context, pageName string) {
	t.Helper()
	vs := axeViolations(t, ctx)
	recordAxe(t, ctx, pageName, vs) // make accessibility (web/axe_record_test.go)
	for _, v := range vs {
		var targets []string
		for _, n := range v.Nodes {
			b, _ := json.Marshal(n.Target)
			targets = append(targets, string(b))
		}
		t.Errorf("axe on %s: %s (%s): %s at %s", pageName, v.ID, v.Impact, v.Help, strings.Join(targets, ", "))
	}
}

// axeViolations runs axe-core on the current page and returns its violations.
func axeViolations(t *testing.T, ctx context.Context) []axeViolation {
	t.Helper()
	script := axeSource + `
;(async () => {
  const r = await axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']}});
  return JSON.stringify(r.violations);
})()`
	sctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	out, err := chromedp.Run(sctx, chromedp.Evaluate[string](script, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("axe: %v", err)
	}
	var vs []axeViolation
	if err := json.Unmarshal([]byte(out), &vs); err != nil {
		t.Fatalf("axe result: %v", err)
	}
	return vs
}

// clickAndWaitNewPage clicks a submit button or link that loads a new page
// and waits until the new document has loaded. Waiting for a selector alone
// can match the old page while the browser is still navigating.
func clickAndWaitNewPage(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	get(t, ctx, chromedp.Evaluate[bool](`(() => { window.__takumiOldPage = true; return true })()`))
	do(t, ctx, chromedp.Click(chromedp.CSS(sel)))
	deadline := time.Now().Add(stepTimeout)
	for time.Now().Before(deadline) {
		sctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		loaded, err := chromedp.Run(sctx, chromedp.Evaluate[bool](`window.__takumiOldPage === undefined && document.readyState === 'complete'`))
		cancel()
		if err == nil && loaded {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("clicking %s did not load a new page", sel)
}

// chromeSignIn signs in through the real forms in Chromium with
// fixtures.Password, starting from path (the sign-in page, or a page that
// sends the visitor to sign in and back), with the two-factor code for
// totpSecret when it is set, and waits for waitSel on the page it lands on.
func chromeSignIn(t *testing.T, ctx context.Context, ta *testApp, path, email, totpSecret, waitSel string) {
	t.Helper()
	do(t, ctx,
		chromedp.Navigate(ta.URL+path),
		chromedp.WaitVisible(chromedp.CSS(`form[action="/login"]`)),
		chromedp.SendKeys(chromedp.CSS("#f-email"), email),
		chromedp.SendKeys(chromedp.CSS("#f-password"), fixtures.Password),
	)
	if totpSecret == "" {
		clickAndWaitNewPage(t, ctx, `form[action="/login"] button[type="submit"]`)
		do(t, ctx, chromedp.WaitVisible(chromedp.CSS(waitSel)))
		return
	}
	do(t, ctx,
		chromedp.Click(chromedp.CSS(`form[action="/login"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS("#f-code")),
	)
	do(t, ctx,
		chromedp.SendKeys(chromedp.CSS("#f-code"), ta.totpCode(t, email, totpSecret)),
		chromedp.Click(chromedp.CSS(`form[action="/login/2fa"] button[type="submit"]`)),
		chromedp.WaitVisible(chromedp.CSS(waitSel)),
	)
}
