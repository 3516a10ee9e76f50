package web_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"takumi/internal/dbtest"
)

// TestCatalogueTwoInstances runs two app servers on one database (two
// instances behind a load balancer): the course page, the catalogue
// search and a learner's "My learning" of the second show what is written
// elsewhere — a provider renamed, a course archived, as another package or
// a script writes them — within a notification's delay, though each keeps
// them in memory (internal/catalog/signal.go, coursecards.go).
func TestCatalogueTwoInstances(t *testing.T) {
	one := startApp(t)
	two := startAppOn(t, one.DB)
	pc := playerPublish(t, one, "two-instances", "二台構成の講座", 0, false)
	search := "/courses?q=" + url.QueryEscape("二台構成")
	b := two.newBrowser(t)
	learner, _ := two.signedInLearner(t, "two-instances@example.jp")
	playerEnrol(t, two, learner, pc)
	shows := func(b *browser, path, text string, status int) func() bool {
		return func() bool {
			r := b.get(path)
			return r.StatusCode == status && (text == "" || strings.Contains(r.Body, text))
		}
	}
	within := func(what string, ok func() bool) { t.Helper(); dbtest.Eventually(t, 5*time.Second, what, ok) }
	within("the second instance shows the course", func() bool {
		return shows(b, pc.Path, "二台構成の講座", http.StatusOK)() && shows(b, search, pc.Path, http.StatusOK)() &&
			shows(learner, "/learn", "提供機関 two-instances", http.StatusOK)()
	})
	if err := one.DB.Gorm.Exec(`UPDATE organisations SET name_ja = '改名した提供機関'
		WHERE id = (SELECT provider_id FROM courses WHERE id = ?)`, pc.ID).Error; err != nil {
		t.Fatal(err)
	}
	within("the second instance shows the provider's new name", func() bool {
		return shows(b, pc.Path, "改名した提供機関", http.StatusOK)() && shows(b, search, "改名した提供機関", http.StatusOK)() &&
			shows(learner, "/learn", "改名した提供機関", http.StatusOK)()
	})
	if err := one.DB.Gorm.Exec(`UPDATE courses SET title_ja = '二台構成の講座 改訂' WHERE id = ?`, pc.ID).Error; err != nil {
		t.Fatal(err)
	}
	within("the learner's My learning on the second instance shows the course's new title", shows(learner, "/learn", "二台構成の講座 改訂", http.StatusOK))
	if err := one.DB.Gorm.Exec(`UPDATE courses SET status = 'archived', archived_at = now() WHERE id = ?`, pc.ID).Error; err != nil {
		t.Fatal(err)
	}
	within("the second instance no longer shows the archived course", func() bool {
		r := b.get(search)
		return shows(b, pc.Path, "", http.StatusNotFound)() && r.StatusCode == http.StatusOK && !strings.Contains(r.Body, pc.Path)
	})
	if !shows(learner, "/learn", "二台構成の講座 改訂", http.StatusOK)() {
		t.Fatal("My learning no longer lists the archived course its learner took")
	}
}
