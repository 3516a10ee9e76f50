package web_test

import (
	"context"
	"net/http"
	"testing"

	"takumi/internal/config"
	"takumi/internal/seed"
)

// TestBenchAnalystOpensMinistry: the analyst `takumi seed analyst` makes
// for scripts/national-bench.sh signs in with the printed password and
// two-factor secret and opens the ministry dashboard; after `--drop` its
// session opens nothing.
func TestBenchAnalystOpensMinistry(t *testing.T) {
	t.Parallel()
	ta := startApp(t)
	ctx := context.Background()
	a, err := seed.CreateBenchAnalyst(ctx, ta.DB.Gorm, config.EnvDevelopment, "")
	if err != nil {
		t.Fatal(err)
	}
	b := ta.newBrowser(t)
	ta.signIn(t, b, a.Email, a.Password, a.TOTPSecret)
	r := b.get("/ministry")
	if r.StatusCode != http.StatusOK {
		t.Fatalf("bench analyst: /ministry %d\n%.600s", r.StatusCode, r.Body)
	}
	if h1 := r.Doc(t).Find("main h1").Text(); h1 != "省庁ダッシュボード" {
		t.Fatalf("heading %q", h1)
	}
	if removed, err := seed.DropBenchAnalyst(ctx, ta.DB.Gorm, config.EnvDevelopment); err != nil || !removed {
		t.Fatalf("drop: %v %v", removed, err)
	}
	// The drop is another process's write: the instance serves the session
	// from memory until the database's notification of it arrives
	// (milliseconds; internal/app/sessioncache.go).
	awaitSessionSignal(ta)
	if r := b.get("/ministry"); r.StatusCode == http.StatusOK {
		t.Fatal("the dropped analyst's session still opens /ministry")
	}
}
