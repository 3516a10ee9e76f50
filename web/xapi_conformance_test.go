package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"takumi/internal/fixtures"
	"takumi/internal/xapi"
)

// conformanceDir is ADL's LRS conformance test suite, pinned
// (internal/xapi/testdata/LRS-CONFORMANCE-PIN.md). It returns the directory
// ready to run; without its npm packages the test is skipped, and fails
// in CI (CI=true), where .ci/run installs them with `npm ci`.
func conformanceDir(t *testing.T) string {
	t.Helper()
	dir, err := filepath.Abs("../internal/xapi/testdata/lrs-conformance")
	if err != nil {
		t.Fatal(err)
	}
	_, errNode := exec.LookPath("node")
	_, errMods := os.Stat(filepath.Join(dir, "node_modules", "mocha"))
	if errNode != nil || errMods != nil {
		msg := "ADL's LRS conformance suite needs Node.js and its packages: run `npm ci` in " + dir
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s (node: %v, packages: %v)", msg, errNode, errMods)
		}
		t.Skip(msg)
	}
	return dir
}

// TestXAPIConformance runs ADL's LRS conformance test suite (Node) against
// a real Takumi server for xAPI 2.0.0 and 1.0.3, and requires zero failures.
func TestXAPIConformance(t *testing.T) {
	dir := conformanceDir(t)
	ta := startApp(t)
	orgID := fixtures.MustCreateOrg(t, ta.DB, fixtures.Org{NameJa: "xAPI 適合性試験の組織", Kind: "employer"})
	for _, v := range []xapi.Version{xapi.V200, xapi.V103} {
		t.Run(string(v), func(t *testing.T) {
			// The suite's command line (commander 2) never takes an option
			// value that begins with "-", and a random secret may (about one
			// in 64): such a secret is read as more options, and the suite
			// prints its version or refuses its options instead of running.
			// A new client is made until its key and secret do not.
			var cl *xapi.Client
			var secret string
			for i := 0; cl == nil || strings.HasPrefix(secret, "-") || strings.HasPrefix(cl.Key, "-"); i++ {
				if i == 20 {
					t.Fatal("20 clients in a row with a key or secret beginning with -")
				}
				var err error
				if cl, secret, err = ta.App.Server.XAPI.NewClient(context.Background(), orgID, fmt.Sprintf("ADL suite %s (%d)", v, i), true, true, v, "", ""); err != nil {
					t.Fatal(err)
				}
			}
			logs := t.TempDir()
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
			defer cancel()
			cmd := exec.CommandContext(ctx, "node", "bin/console_runner.js", "-e", ta.URL+"/xapi", "-a",
				"-u", cl.Key, "-p", secret, "-x", string(v), "-z")
			cmd.Dir = dir
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			start := time.Now()
			runErr := cmd.Run()
			// The last summary line: {"total":…,"passed":…,"failed":…,"version":…}
			sums := regexp.MustCompile(`\{"total":\d+,"passed":\d+,"failed":\d+[^}]*\}`).FindAllString(out.String(), -1)
			if len(sums) == 0 {
				t.Fatalf("the suite printed no summary (%v):\n%s", runErr, tail(out.String(), 4000))
			}
			var sum struct{ Total, Passed, Failed int }
			if err := json.Unmarshal([]byte(sums[len(sums)-1]), &sum); err != nil {
				t.Fatal(err)
			}
			t.Logf("xAPI %s: %d tests, %d passed, %d failed in %s", v, sum.Total, sum.Passed, sum.Failed, time.Since(start).Round(time.Second))
			logPath := regexp.MustCompile(`Full run log written to (\S+)`).FindStringSubmatch(out.String())
			if logPath != nil {
				defer os.Remove(logPath[1])
				_ = os.Rename(logPath[1], filepath.Join(logs, "run.log")) // kept only for this test's failures
			}
			if sum.Failed > 0 || sum.Total == 0 || runErr != nil {
				failures := ""
				if b, err := os.ReadFile(filepath.Join(logs, "run.log")); err == nil {
					failures = failedTitles(b)
				}
				t.Fatalf("xAPI %s: %d of %d failed (%v):\n%s", v, sum.Failed, sum.Total, runErr, failures)
			}
		})
	}
}

// failedTitles lists the failed tests of a console_runner log (-z).
func failedTitles(b []byte) string {
	type node struct {
		Title  string  `json:"title"`
		Status string  `json:"status"`
		Error  string  `json:"error"`
		Tests  []*node `json:"tests"`
	}
	var log struct {
		Log *node `json:"log"`
	}
	if json.Unmarshal(b, &log) != nil || log.Log == nil {
		return ""
	}
	var sb strings.Builder
	var walk func(n *node, path string)
	walk = func(n *node, path string) {
		if n == nil {
			return
		}
		p := path + " > " + n.Title
		if len(n.Tests) == 0 && n.Status == "failed" {
			sb.WriteString("FAIL" + p + "\n    " + n.Error + "\n")
		}
		for _, c := range n.Tests {
			walk(c, p)
		}
	}
	walk(log.Log, "")
	return sb.String()
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}
