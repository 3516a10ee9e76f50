package web_test

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

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
		waitText(t, ctx, "#result-count", "3件のコース")
		do(t, ctx,
			chromedp.SendKeys(chromedp.CSS("#f-q"), "製造"),
			chromedp.Click(chromedp.CSS(`#catalogue-filters button[type="submit"]`)),
		)
		waitURL(t, ctx, url.Values{"q": {"製造"}})
		waitText(t, ctx, "#result-count", "2件のコース")
		do(t, ctx,
			chromedp.SetValue(chromedp.CSS("#f-level"), "intermediate"),
			chromedp.Click(chromedp.CSS(`#catalogue-filters button[type="submit"]`)),
		)
		waitURL(t, ctx, filtered)
		waitText(t, ctx, "#result-count", "1件のコース")
		waitText(t, ctx, "#course-list", "製造現場のデータ分析")
		do(t, ctx, chromedp.Click(chromedp.CSS("#course-list h3 a")), chromedp.WaitVisible(chromedp.CSS("#syllabus")))
		if h1 := text(t, ctx, "h1"); h1 != "製造現場のデータ分析" {
			t.Fatalf("course page h1 %q", h1)
		}
		do(t, ctx, catalogueBack())
		waitURL(t, ctx, filtered)
		waitText(t, ctx, "#result-count", "1件のコース")
		if v := catalogueEval(t, ctx, `document.querySelector('#f-level').value`); v != "intermediate" {
			t.Fatalf("level filter after going back: %q", v)
		}
	})

	t.Run("WithHTMX", func(t *testing.T) {
		ctx := newChrome(t)
		do(t, ctx, chromedp.Navigate(ta.URL+"/courses"), chromedp.WaitVisible(chromedp.CSS("#f-q")))
		waitText(t, ctx, "#result-count", "3件のコース")
		checkAxe(t, ctx, "catalogue with results")
		// A mark on the page survives only if the page is never reloaded.
		get(t, ctx, chromedp.Evaluate[bool](`(() => { window.catalogueMark = true; return true })()`))
		do(t, ctx,
			chromedp.SendKeys(chromedp.CSS("#f-q"), "製造"),
			chromedp.Click(chromedp.CSS(`#catalogue-filters button[type="submit"]`)),
		)
		waitText(t, ctx, "#result-count", "2件のコース")
		waitURL(t, ctx, url.Values{"q": {"製造"}})
		do(t, ctx, chromedp.SetValue(chromedp.CSS("#f-level"), "intermediate"))
		get(t, ctx, chromedp.Evaluate[bool](`document.querySelector('#f-level').dispatchEvent(new Event('change', {bubbles: true}))`))
		waitText(t, ctx, "#result-count", "1件のコース")
		waitURL(t, ctx, filtered)
		if !get(t, ctx, chromedp.Evaluate[bool](`window.catalogueMark === true`)) {
			t.Fatal("the page reloaded: results were not updated in place")
		}
		checkAxe(t, ctx, "catalogue filtered with htmx")
		do(t, ctx, chromedp.Click(chromedp.CSS("#course-list h3 a")), chromedp.WaitVisible(chromedp.CSS("#syllabus")))
		checkAxe(t, ctx, "course page")
		do(t, ctx, catalogueBack())
		waitURL(t, ctx, filtered)
		waitText(t, ctx, "#result-count", "1件のコース")
		waitText(t, ctx, "#course-list", "製造現場のデータ分析")
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

// TestCatalogueAboveTheFoldBrowserJourney: with many courses, the first
// result starts above the fold on a 1280×800 screen (filters in a sidebar)
// and on a 390×844 phone (filters folded into a panel), in Japanese and in
// English; active filters show as chips that remove them, "clear all"
// clears them, and an empty result names the filters in use and offers to
// remove each. axe checks every state.
func TestCatalogueAboveTheFoldBrowserJourney(t *testing.T) {
	ta := startApp(t)
	prov := catalogueNewProvider(t, ta, "折り返し研修所")
	for i := 1; i <= 24; i++ {
		prov.catalogueCreate(t, catalogueTestCourse{Code: fmt.Sprintf("fold-%02d", i), TitleJa: fmt.Sprintf("クラウド講座 %02d", i),
			TitleEn: fmt.Sprintf("Cloud course %02d", i), Skill: "cloud", Level: catalog.LevelIntroductory})
	}
	prov.catalogueCreate(t, catalogueTestCourse{Code: "fold-sec", TitleJa: "セキュリティ入門", TitleEn: "Security basics", Skill: "cybersecurity",
		Level: catalog.LevelIntermediate})
	ctx := newChrome(t)
	sizes := []struct {
		name          string
		width, height int64
		mobile        bool
	}{{"1280x800", 1280, 800, false}, {"390x844", 390, 844, true}}
	firstTop := `(() => { const li = document.querySelector('#course-list > li'); return li ? li.getBoundingClientRect().top : -1 })()`
	for _, lang := range []string{"ja", "en"} {
		if lang == "en" {
			// The language switch is in the header at desktop width (on a
			// phone it sits in the menu disclosure).
			do(t, ctx, chromedp.EmulateViewport(1280, 800), chromedp.Navigate(ta.URL+"/courses"), chromedp.WaitVisible(chromedp.CSS(`form.lang-switch button[value="en"]`)))
			clickAndWaitNewPage(t, ctx, `form.lang-switch button[value="en"]`)
		}
		for _, sz := range sizes {
			t.Run(lang+"/"+sz.name, func(t *testing.T) {
				var opts []chromedp.EmulateViewportOption
				if sz.mobile {
					opts = append(opts, chromedp.EmulateMobile)
				}
				do(t, ctx, chromedp.EmulateViewport(sz.width, sz.height, opts...),
					chromedp.Navigate(ta.URL+"/courses"), chromedp.WaitVisible(chromedp.CSS("#course-list")))
				if got := attr(t, ctx, "html", "lang"); got != lang {
					t.Fatalf("page language %q", got)
				}
				top := get(t, ctx, chromedp.Evaluate[float64](firstTop))
				// The first card's title (its first 60 px) is on screen.
				if top < 0 || top+60 > float64(sz.height) {
					t.Fatalf("first result at y=%.0f on a %s screen", top, sz.name)
				}
				t.Logf("first result at y=%.0f", top)
				open := get(t, ctx, chromedp.Evaluate[bool](`document.querySelector('#filter-panel').open`))
				if open == sz.mobile {
					t.Fatalf("filter panel open=%v on %s: want a sidebar on wide screens and a closed panel on phones", open, sz.name)
				}
				checkAxe(t, ctx, "catalogue "+lang+" "+sz.name)

				// Two filters in use: chips, each removes its own filter.
				do(t, ctx, chromedp.Navigate(ta.URL+"/courses?skill=cloud&level=intermediate"), chromedp.WaitVisible(chromedp.CSS("#no-results")))
				chips := text(t, ctx, "#active-filters")
				noResults := text(t, ctx, "#no-results")
				level, skill := "レベル：中級", "スキル領域："
				if lang == "en" {
					level, skill = "Level: Intermediate", "Skill area: "
				}
				if !strings.Contains(chips, level) || !strings.Contains(chips, skill) || !strings.Contains(noResults, level) {
					t.Fatalf("chips %q, empty result %q", chips, noResults)
				}
				checkAxe(t, ctx, "catalogue, no results "+lang+" "+sz.name)
				// Removing the level from the empty result finds the cloud courses.
				href := attr(t, ctx, `#no-results-remove a[href*="skill=cloud"]`, "href")
				if strings.Contains(href, "level=") {
					t.Fatalf("remove-level link %q keeps the level", href)
				}
				clickAndWaitNewPage(t, ctx, `#no-results-remove a[href*="skill=cloud"]`)
				if want := map[string]string{"ja": "24件のコース", "en": "24 courses"}[lang]; !strings.Contains(text(t, ctx, "#result-count"), want) {
					t.Fatalf("after removing the level: %q", text(t, ctx, "#result-count"))
				}
				clickAndWaitNewPage(t, ctx, "#clear-all")
				if loc := location(t, ctx); !strings.HasSuffix(loc, "/courses") {
					t.Fatalf("clear all went to %s", loc)
				}
				if n := get(t, ctx, chromedp.Evaluate[int](`document.querySelectorAll('#active-filters').length`)); n != 0 {
					t.Fatal("chips remain after clear all")
				}
			})
		}
	}
}
