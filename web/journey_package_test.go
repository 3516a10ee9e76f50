package web_test

import (
	"archive/zip"
	"context"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"takumi/internal/fixtures"
)

// zipTestPackage zips the folder internal/catalog/testdata/<dir> (a SCORM
// or cmi5 test package) into a file named after its last element and
// returns the file's path.
func zipTestPackage(t *testing.T, dir string) string {
	t.Helper()
	root := filepath.Join("..", "internal", "catalog", "testdata", filepath.FromSlash(dir))
	out := filepath.Join(t.TempDir(), filepath.Base(root)+".zip")
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(f)
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		w, err := zw.Create(filepath.ToSlash(rel))
		if err != nil {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		_, err = w.Write(b)
		return err
	})
	if err == nil {
		err = zw.Close()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// frameEval runs js in the iframe whose URL contains urlPart (a frame on
// the content origin is its own browser target), waiting until the frame
// exists and js gives a non-empty answer that satisfies ok; it returns the
// answer, the frame's URL and true, or after stepTimeout the last answer
// and false.
func frameEval(t *testing.T, ctx context.Context, urlPart, js string, ok func(string) bool) (string, string, bool) {
	t.Helper()
	deadline := time.Now().Add(stepTimeout)
	last := ""
	for time.Now().Before(deadline) {
		infos, err := chromedp.Targets(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, info := range infos {
			if info.Type != "iframe" || !strings.Contains(info.URL, urlPart) {
				continue
			}
			fctx, cancel := chromedp.NewContext(ctx, chromedp.WithTargetID(info.TargetID), chromedp.WithDetachOnCancel())
			sctx, scancel := context.WithTimeout(fctx, 5*time.Second)
			out, err := chromedp.Run(sctx, chromedp.Evaluate[string](`(function(){ try { return String(`+js+`); } catch (e) { return ''; } })()`))
			scancel()
			cancel()
			if err == nil {
				last = out
				if out != "" && ok(out) {
					return out, info.URL, true
				}
			}
		}
		time.Sleep(150 * time.Millisecond)
	}
	return last, "", false
}

// packageCourse is what publishPackageAndEnrol made.
type packageCourse struct {
	ID, ProviderID string
	Learner        string // the learner's user id
}

// publishPackageAndEnrol is the set-up the SCORM and cmi5 journeys share,
// in Chromium: an instructor (<who>-instructor@example.jp) imports the
// package zip pkg on the studio's import page (checked with axe),
// completes the course's details (the summary names the kind of package)
// and publishes it, then signs out; the learner (<who>-learner@example.jp)
// signs in, enrols and is on the first lesson's player.
func publishPackageAndEnrol(t *testing.T, ctx context.Context, ta *testApp, who, kind, pkg string) packageCourse {
	t.Helper()
	instructor := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: who + "-instructor@example.jp", Name: "伊藤 講師"})
	fixtures.MustAddMember(t, ta.DB, "関西安全教育センター", "provider", instructor, "instructor", false)
	c := packageCourse{Learner: fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: who + "-learner@example.jp", Name: "佐藤 受講者"})}

	// The studio: import, details, publish.
	chromeSignIn(t, ctx, ta, "/studio/import", who+"-instructor@example.jp", "", "#import-form")
	checkAxe(t, ctx, "import page")
	do(t, ctx, chromedp.SetUploadFiles(chromedp.CSS("#f-file"), []string{pkg}))
	clickAndWaitNewPage(t, ctx, `#import-form button[type="submit"]`)
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#structure")))
	c.ID = strings.Split(strings.TrimPrefix(location(t, ctx), ta.URL+"/studio/courses/"), "/")[0]
	do(t, ctx,
		chromedp.Navigate(ta.URL+"/studio/courses/"+c.ID+"/details"),
		chromedp.WaitVisible(chromedp.CSS("#details-form")),
		chromedp.SendKeys(chromedp.CSS("#f-summary_ja"), "工場の安全の基本を "+kind+" 教材で学びます。"),
		chromedp.SetValue(chromedp.CSS("#f-skill_area"), "robotics"),
		chromedp.SetValue(chromedp.CSS("#f-level"), "introductory"),
		chromedp.SetValue(chromedp.CSS("#f-estimated_hours"), "1"),
	)
	clickAndWaitNewPage(t, ctx, `#details-form button[type="submit"]`)
	do(t, ctx, chromedp.Navigate(ta.URL+"/studio/courses/"+c.ID+"/publish"), chromedp.WaitVisible(chromedp.CSS("#publish-form")))
	clickAndWaitNewPage(t, ctx, `#publish-form button[type="submit"]`)
	waitDB(t, ta, "published", `SELECT status FROM courses WHERE id = ?`, c.ID)
	clickAndWaitNewPage(t, ctx, `form[action="/logout"] button`)

	// The learner enrols and opens the first lesson.
	var code string
	ta.DB.Gorm.Raw(`SELECT provider_id, code FROM courses WHERE id = ?`, c.ID).Row().Scan(&c.ProviderID, &code)
	chromeSignIn(t, ctx, ta, "/login?next=/courses/"+c.ProviderID+"/"+code, who+"-learner@example.jp", "", "#enrol-form")
	clickAndWaitNewPage(t, ctx, `#enrol-form button[type="submit"]`)
	do(t, ctx, chromedp.WaitVisible(chromedp.CSS("#scorm-frame")))
	return c
}
