package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestCatalogueTwoInstances runs two app servers on one database (two
// instances behind a load balancer): the course page and the catalogue
// search of the second show what is written elsewhere — a provider
// renamed, a course archived, as another package or a script writes them
// — within a notification's delay, though each keeps them in memory
// (internal/catalog/signal.go).
func TestCatalogueTwoInstances(t *testing.T) {
	one := startApp(t)
	two := startAppOn(t, one.DB)
	pc := playerPublish(t, one, "two-instances", "二台構成の講座", 0, false)
	search := "/courses?q=" + url.QueryEscape("二台構成")
	b := two.newBrowser(t)
	shows := func(path, text string, status int) func() bool {
		return func() bool {
			r := b.get(path)
			return r.StatusCode == status && (text == "" || strings.Contains(r.Body, text))
		}
	}
	within := func(what string, ok func() bool) {
		t.Helper()
		deadline := time.Now().Add(5 * time.Second)
		for !ok() {
			if time.Now().After(deadline) {
				t.Fatalf("not within 5 s: %s", what)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	within("the second instance shows the course", func() bool {
		return shows(pc.Path, "二台構成の講座", http.StatusOK)() && shows(search, pc.Path, http.StatusOK)()
	})
	if err := one.DB.Gorm.Exec(`UPDATE organisations SET name_ja = '改名した提供機関'
		WHERE id = (SELECT provider_id FROM courses WHERE id = ?)`, pc.ID).Error; err != nil {
		t.Fatal(err)
	}
	within("the second instance shows the provider's new name", func() bool {
		return shows(pc.Path, "改名した提供機関", http.StatusOK)() && shows(search, "改名した提供機関", http.StatusOK)()
	})
	if err := one.DB.Gorm.Exec(`UPDATE courses SET status = 'archived', archived_at = now() WHERE id = ?`, pc.ID).Error; err != nil {
		t.Fatal(err)
	}
	within("the second instance no longer shows the archived course", func() bool {
		r := b.get(search)
		return shows(pc.Path, "", http.StatusNotFound)() && r.StatusCode == http.StatusOK && !strings.Contains(r.Body, pc.Path)
	})
}
