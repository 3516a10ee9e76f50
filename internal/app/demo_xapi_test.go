package app_test

import (
	"bytes"
	"context"
	"regexp"
	"testing"

	"takumi/internal/app"
	"takumi/internal/config"
	"takumi/internal/dbtest"
	"takumi/internal/xapi"
)

// TestDemoLRSClient: `takumi demo` prints an LRS key and secret that
// authenticate, the same on every run.
func TestDemoLRSClient(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	cfg := config.Config{Env: config.EnvDevelopment, DataDir: t.TempDir(), BaseURL: "https://demo.takumi.example"}
	re := regexp.MustCompile(`endpoint https://demo\.takumi\.example/xapi/  key (\S+)  secret (\S+)`)
	var lines [2][]string
	for i := range lines {
		var out bytes.Buffer
		if err := app.LoadDemo(ctx, cfg, db, &out); err != nil {
			t.Fatal(err)
		}
		lines[i] = re.FindStringSubmatch(out.String())
		if lines[i] == nil {
			t.Fatalf("run %d printed no LRS client:\n%s", i+1, out.String())
		}
	}
	if lines[0][1] != lines[1][1] || lines[0][2] != lines[1][2] {
		t.Fatalf("the second run printed another key or secret: %q, %q", lines[0], lines[1])
	}
	svc := &xapi.Service{DB: db.Gorm}
	c, err := svc.Authenticate(ctx, lines[0][1], lines[0][2], "127.0.0.1")
	if err != nil {
		t.Fatalf("the printed key and secret do not authenticate: %v", err)
	}
	if !c.CanRead || !c.CanWrite {
		t.Fatalf("the demo client cannot read and write: %+v", c)
	}
}
