package web_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"takumi/internal/catalog"
)

// catalogueEval reads a value from the page as DevTools does (it works
// with the page's own scripts turned off, and after the back-forward cache
// restores a page).
func catalogueEval(t *testing.T, ctx context.Context, expr string) string {
	t.Helper()
	return get(t, ctx, chromedp.EvaluateAsDevTools[string](expr))
}

// catalogueWaitText waits until the text of the element (CSS selector sel,
// without quotes) contains want.
func catalogueWaitText(t *testing.T, ctx context.Context, sel, want string) string {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	var got string
	for time.Now().Before(deadline) {
		got = catalogueEval(t, ctx, `(document.querySelector('`+sel+`') || {textContent: ""}).textContent`)
		if strings.Contains(got, want) {
			return got
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s says %q, want %q", sel, got, want)
	return ""
}

// catalogueWaitURL waits until the browser's URL has the query values.
func catalogueWaitURL(t *testing.T, ctx context.Context, want url.Values) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	var loc string
	for time.Now().Before(deadline) {
		loc = location(t, ctx)
		if u, err := url.Parse(loc); err == nil {
			ok := true
			for k := range want {
				ok = ok && u.Query().Get(k) == want.Get(k)
			}
			if ok {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("URL %s, want the query %v", loc, want)
}

// catalogueNoScript turns off JavaScript in the browser tab, so pages work
// as plain HTML forms and links.
func catalogueNoScript() chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetScriptExecutionDisabled, emulation.SetScriptExecutionDisabledParams{Value: true})
		return err
	})
}

// catalogueBack presses the browser's back button without waiting for a
// load event (a page restored from the back-forward cache sends none); the
// caller waits for what it expects to see.
func catalogueBack() chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		res, err := cdp.Call(ctx, t, page.GetNavigationHistory, cdp.Empty{})
		if err != nil {
			return err
		}
		if res.CurrentIndex < 1 {
			return fmt.Errorf("no page to go back to")
		}
		_, err = cdp.Call(ctx, t, page.NavigateToHistoryEntry, page.NavigateToHistoryEntryParams{EntryID: res.Entries[res.CurrentIndex-1].ID})
		return err
	})
}

// TestCatalogueBrowserJourney: a visitor searches 製造 in Japanese, filters
// by level, sees the count and the course, opens the course page and comes
// back with the browser's back button to the same filtered results: first
// without JavaScript (plain GET form), then with htmx updating the results
// in place while the URL follows. axe checks the catalogue with and without
// results, the course page, and the skills admin page.
func TestCatalogueBrowserJourney(t *testing.T) {
	ta := startApp(t)
	prov := catalogueNewProvider(t, ta, "匠アカデミー")
	prov.catalogueCreate(t, catalogueTestCourse{Code: "mfg-data", TitleJa: "製造現場のデータ分析", TitleEn: "Data Analysis on the Factory Floor",
		Skill: "advanced_manufacturing", Level: catalog.LevelIntermediate, Mode: catalog.DeliveryCohort, Hours: 12,
		Description: "## この講座で学ぶこと\n\n品質データを読み解く力を身につけます。"})
	prov.catalogueCreate(t, catalogueTestCourse{Code: "mfg-dx", TitleJa: "製造業のためのDX入門", Skill: "dx_business_design"})
	prov.catalogueCreate(t, catalogueTestCourse{Code: "cloud-101", TitleJa: "クラウド入門", Skill: "cloud"})
	filtered := url.Values{"q": {"製造"}, "level": {"intermediate"}}

	t.Run("WithoutJavaScript", func(t *testing.T) {
		ctx := newChrome(t)
		do(t, ctx, catalogueNoScript(), chromedp.Navigate(ta.URL+"/courses"), chromedp.WaitVisible(chromedp.CSS("#f-q")))
		catalogueWaitText(t, ctx, "#result-count", "3件のコース")
		do(t, ctx,
			chromedp.SendKeys(chromedp.CSS("#f-q"), "製造"),
			chromedp.Click(chromedp.CSS(`#catalogue-filters button[type="submit"]`)),
		)
		catalogueWaitURL(t, ctx, url.Values{"q": {"製造"}})
		catalogueWaitText(t, ctx, "#result-count", "2件のコース")
		do(t, ctx,
			chromedp.SetValue(chromedp.CSS("#f-level"), "intermediate"),
			chromedp.Click(chromedp.CSS(`#catalogue-filters button[type="submit"]`)),
		)
		catalogueWaitURL(t, ctx, filtered)
		catalogueWaitText(t, ctx, "#result-count", "1件のコース")
		catalogueWaitText(t, ctx, "#course-list", "製造現場のデータ分析")
		do(t, ctx, chromedp.Click(chromedp.CSS("#course-list h3 a")), chromedp.WaitVisible(chromedp.CSS("#syllabus")))
		if h1 := text(t, ctx, "h1"); h1 != "製造現場のデータ分析" {
			t.Fatalf("course page h1 %q", h1)
		}
		do(t, ctx, catalogueBack())
		catalogueWaitURL(t, ctx, filtered)
		catalogueWaitText(t, ctx, "#result-count", "1件のコース")
		if v := catalogueEval(t, ctx, `document.querySelector('#f-level').value`); v != "intermediate" {
			t.Fatalf("level filter after going back: %q", v)
		}
	})

	t.Run("WithHTMX", func(t *testing.T) {
		ctx := newChrome(t)
		do(t, ctx, chromedp.Navigate(ta.URL+"/courses"), chromedp.WaitVisible(chromedp.CSS("#f-q")))
		catalogueWaitText(t, ctx, "#result-count", "3件のコース")
		checkAxe(t, ctx, "catalogue with results")
		// A mark on the page survives only if the page is never reloaded.
		get(t, ctx, chromedp.Evaluate[bool](`(() => { window.catalogueMark = true; return true })()`))
		do(t, ctx,
			chromedp.SendKeys(chromedp.CSS("#f-q"), "製造"),
			chromedp.Click(chromedp.CSS(`#catalogue-filters button[type="submit"]`)),
		)
		catalogueWaitText(t, ctx, "#result-count", "2件のコース")
		catalogueWaitURL(t, ctx, url.Values{"q": {"製造"}})
		do(t, ctx, chromedp.SetValue(chromedp.CSS("#f-level"), "intermediate"))
		get(t, ctx, chromedp.Evaluate[bool](`document.querySelector('#f-level').dispatchEvent(new Event('change', {bubbles: true}))`))
		catalogueWaitText(t, ctx, "#result-count", "1件のコース")
		catalogueWaitURL(t, ctx, filtered)
		if !get(t, ctx, chromedp.Evaluate[bool](`window.catalogueMark === true`)) {
			t.Fatal("the page reloaded: results were not updated in place")
		}
		checkAxe(t, ctx, "catalogue filtered with htmx")
		do(t, ctx, chromedp.Click(chromedp.CSS("#course-list h3 a")), chromedp.WaitVisible(chromedp.CSS("#syllabus")))
		checkAxe(t, ctx, "course page")
		do(t, ctx, catalogueBack())
		catalogueWaitURL(t, ctx, filtered)
		catalogueWaitText(t, ctx, "#result-count", "1件のコース")
		catalogueWaitText(t, ctx, "#course-list", "製造現場のデータ分析")
		if v := catalogueEval(t, ctx, `document.querySelector('#f-level').value`); v != "intermediate" {
			t.Fatalf("level filter after going back: %q", v)
		}
		if v := catalogueEval(t, ctx, `document.querySelector('#f-q').value`); v != "製造" {
			t.Fatalf("query after going back: %q", v)
		}
		do(t, ctx, chromedp.Navigate(ta.URL+"/courses?q="+url.QueryEscape("量子コンピュータ")), chromedp.WaitVisible(chromedp.CSS("#no-results")))
		checkAxe(t, ctx, "catalogue without results")
	})

	t.Run("SkillsAdminAxe", func(t *testing.T) {
		ctx := newChrome(t)
		_, secret := adminTOTPUser(t, ta, "catalogue-journey-admin@example.jp", true)
		chromeSignIn(t, ctx, ta, "/admin/skills", "catalogue-journey-admin@example.jp", secret, "#skill-areas")
		checkAxe(t, ctx, "skills admin")
		do(t, ctx, chromedp.Navigate(ta.URL+"/admin/skills/cloud"), chromedp.WaitVisible(chromedp.CSS("#skill-edit-form")))
		checkAxe(t, ctx, "skill area edit")
	})
}
