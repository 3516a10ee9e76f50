package web_test

import (
	"net/http"
	"strings"
	"testing"

	"takumi/internal/app"
	"takumi/internal/config"
	"takumi/internal/fixtures"
)

// TestProductionHidesDevelopmentAids: in production there is no development
// mailbox and the home page lists no demo accounts, even when they exist.
func TestProductionHidesDevelopmentAids(t *testing.T) {
	t.Parallel()
	ta := startApp(t, func(c *config.Config) {
		c.Env = config.EnvProduction
		c.SigningKey = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=" // production needs the operator's key; a fixed test seed
	})
	demo := app.DemoAccountList()[0].Email
	fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: demo})
	b := ta.newBrowser(t)

	if r := b.get("/dev/mailbox"); r.StatusCode != http.StatusNotFound {
		t.Fatalf("production /dev/mailbox: status %d, want 404", r.StatusCode)
	}
	r := b.get("/")
	if r.StatusCode != http.StatusOK {
		t.Fatalf("home: %d", r.StatusCode)
	}
	if strings.Contains(r.Body, demo) || strings.Contains(r.Body, "/dev/mailbox") {
		t.Fatal("production home page shows demo accounts or the development mailbox")
	}

	dev := startApp(t)
	fixtures.MustCreateUser(t, dev.DB, fixtures.User{Email: demo})
	if body := dev.newBrowser(t).get("/").Body; !strings.Contains(body, demo) {
		t.Fatal("development home page does not list the demo accounts present")
	}
}
