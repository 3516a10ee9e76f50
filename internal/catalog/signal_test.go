package catalog_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"takumi/internal/apperr"
	"takumi/internal/catalog"
	"takumi/internal/database"
	"takumi/internal/dbtest"
	"takumi/internal/storage"
)

// listeningService is a catalog service on db with its change listener
// started (as each instance starts it), once it listens.
func listeningService(t *testing.T, db *database.DB) *catalog.Service {
	t.Helper()
	files, err := storage.NewDir(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	s := catalog.NewService(db.Gorm, files)
	s.ListenForChanges(db.Pool.Config().ConnConfig, nil)
	t.Cleanup(s.StopListening)
	dbtest.Eventually(t, 5*time.Second, "the listener listens", s.Listening)
	return s
}

// endListeners ends the connections of the want catalogue listeners on
// db (as a failover or an operator would) and waits until s's listener
// has noticed: from then on nothing s kept before is used.
func endListeners(t *testing.T, db *database.DB, want int, s *catalog.Service) {
	t.Helper()
	gen, _ := catalog.ChangeGeneration(s)
	var n int
	if err := db.Gorm.Raw(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE application_name = ? AND datname = current_database()`, catalog.ListenerApplicationName).Row().Scan(&n); err != nil || n != want {
		t.Fatalf("terminated %d listeners (%v), want %d", n, err, want)
	}
	dbtest.Eventually(t, 5*time.Second, "the listener notices", func() bool { g, up := catalog.ChangeGeneration(s); return !up || g != gen })
}

// pageTitle is the Japanese title of the course page at ref/code on s, or
// "not found".
func pageTitle(t *testing.T, s *catalog.Service, ref, code string) string {
	t.Helper()
	p, err := s.PublishedCourse(context.Background(), ref, code)
	if apperr.Is(err, apperr.NotFound) {
		return "not found"
	}
	if err != nil {
		t.Fatal(err)
	}
	return p.Title.Ja
}

// searchTitles are the Japanese titles a search for q finds on s.
func searchTitles(t *testing.T, s *catalog.Service, q string) []string {
	t.Helper()
	res, err := s.Search(context.Background(), catalog.Filter{Q: q})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range res.Items {
		out = append(out, l.Title.Ja)
	}
	return out
}

// TestCatalogueChangeSignal runs two catalog services on one database, as
// two instances: what one changes (or another package, or a script) shows
// on the other's course page and search within a notification's delay;
// between changes both serve from memory; while the listener is down they
// read the database.
func TestCatalogueChangeSignal(t *testing.T) {
	db := dbtest.New(t)
	provider, instructor := catalogFixture(t, db, "signal-provider")
	a, b := listeningService(t, db), listeningService(t, db)
	actor := catalog.Actor{UserID: instructor}
	ctx := context.Background()
	id := cataloguePublish(t, a, actor, provider, catalogueCourse{code: "signal-one", titleJa: "信号講座 第一版"})
	one := func() string { return pageTitle(t, b, provider, "signal-one") }
	found := func(q string) func() bool {
		return func() bool { r := searchTitles(t, b, q); return len(r) == 1 && r[0] == one() }
	}
	dbtest.Eventually(t, 5*time.Second, "B shows the published course", func() bool { return one() == "信号講座 第一版" && found("信号")() })

	t.Run("ServedFromMemory", func(t *testing.T) {
		// Let the notifications of the course's creation and publication
		// arrive (each empties B's memory), then fill it.
		time.Sleep(300 * time.Millisecond)
		if one() != "信号講座 第一版" || !found("信号")() {
			t.Fatal("B lost the course")
		}
		dbtest.ExecUnnotified(t, db, `UPDATE courses SET title_ja = '通知なしの変更' WHERE id = ?`, id)
		time.Sleep(100 * time.Millisecond)
		if got := one(); got != "信号講座 第一版" {
			t.Fatalf("B's course page shows %q: read the database, not its memory", got)
		}
		if got := searchTitles(t, b, "信号"); len(got) != 1 || got[0] != "信号講座 第一版" {
			t.Fatalf("B's search shows %q: read the database, not its memory", got)
		}
	})
	t.Run("NewRevision", func(t *testing.T) {
		if _, err := a.EditDraft(ctx, actor, id, 0, func(ct *catalog.Content) error { ct.TitleJa = "信号講座 第二版"; return nil }); err != nil {
			t.Fatal(err)
		}
		if _, err := a.Publish(ctx, actor, id); err != nil {
			t.Fatal(err)
		}
		dbtest.Eventually(t, 5*time.Second, "B shows the second revision", func() bool {
			p, err := b.PublishedCourse(ctx, provider, "signal-one")
			return err == nil && p.Title.Ja == "信号講座 第二版" && p.Revision == 2 && found("第二版")()
		})
	})
	t.Run("ProviderCode", func(t *testing.T) {
		// Another package's write (org.SetCode), as plain SQL.
		if err := db.Gorm.Exec(`UPDATE organisations SET code = 'signal-prov' WHERE id = ?`, provider).Error; err != nil {
			t.Fatal(err)
		}
		dbtest.Eventually(t, 5*time.Second, "B knows the provider's code", func() bool {
			p, err := b.PublishedCourse(ctx, "signal-prov", "signal-one")
			res, serr := b.Search(ctx, catalog.Filter{Q: "信号"})
			return err == nil && p.ProviderRef() == "signal-prov" && serr == nil && len(res.Items) == 1 &&
				res.Items[0].ProviderRef() == "signal-prov"
		})
	})
	t.Run("LearningPath", func(t *testing.T) {
		two := cataloguePublish(t, a, actor, provider, catalogueCourse{code: "signal-two", titleJa: "パスの二つ目"})
		p, err := a.CreatePath(ctx, actor, catalog.PathInput{ProviderID: provider, Code: "signal-path", TitleJa: "信号パス", TitleEn: "Signal path",
			DescriptionJa: "二つの講座", CourseIDs: []string{id, two}})
		if err != nil {
			t.Fatal(err)
		}
		pathTitle := func() string {
			cp, err := b.PublishedCourse(ctx, "signal-prov", "signal-one")
			if err != nil || len(cp.Credential.Paths) != 1 {
				return ""
			}
			return cp.Credential.Paths[0].Title.Ja
		}
		dbtest.Eventually(t, 5*time.Second, "B lists the course's path", func() bool { return pathTitle() == "信号パス" })
		if _, err := a.UpdatePath(ctx, actor, p.ID, catalog.PathInput{TitleJa: "信号パス 改", TitleEn: "Signal path", DescriptionJa: "二つの講座",
			CourseIDs: []string{id, two}}); err != nil {
			t.Fatal(err)
		}
		dbtest.Eventually(t, 5*time.Second, "B shows the path's new title", func() bool { return pathTitle() == "信号パス 改" })
	})
	t.Run("ListenerDown", func(t *testing.T) {
		// Warm, then end both listeners' connections (as a failover or
		// an operator would).
		if got := pageTitle(t, b, "signal-prov", "signal-one"); got != "信号講座 第二版" {
			t.Fatalf("B shows %q", got)
		}
		endListeners(t, db, 2, b)
		// A change no notification tells of: seen at once, since nothing
		// kept before the gap is used after it.
		dbtest.ExecUnnotified(t, db, `UPDATE courses SET title_ja = '断線中の変更' WHERE id = ?`, id)
		if got := pageTitle(t, b, "signal-prov", "signal-one"); got != "断線中の変更" {
			t.Fatalf("B's course page shows %q after the listener's connection ended", got)
		}
		if got := searchTitles(t, b, "信号"); len(got) != 1 || got[0] != "断線中の変更" {
			t.Fatalf("B's search shows %q after the listener's connection ended", got)
		}
		dbtest.Eventually(t, 5*time.Second, "B listens again", b.Listening)
		dbtest.Eventually(t, 5*time.Second, "A listens again", a.Listening)
		if err := a.Archive(ctx, actor, id); err != nil {
			t.Fatal(err)
		}
		dbtest.Eventually(t, 5*time.Second, "B no longer shows the archived course", func() bool {
			return pageTitle(t, b, "signal-prov", "signal-one") == "not found" && len(searchTitles(t, b, "信号")) == 0
		})
	})
}

// TestCatalogueSignalQuiet checks that frequent writes which change no
// public catalogue data send no notification: an author's draft edits,
// enrolments (and the counters their triggers keep), users' rows.
func TestCatalogueSignalQuiet(t *testing.T) {
	db, s, actor, provider := catalogueService(t)
	ctx := context.Background()
	id := cataloguePublish(t, s, actor, provider, catalogueCourse{code: "quiet-one", titleJa: "静かな講座"})
	conn, err := pgx.ConnectConfig(ctx, db.Pool.Config().ConnConfig.Copy())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, "LISTEN "+catalog.ChangeChannel); err != nil {
		t.Fatal(err)
	}
	if _, err := s.EditDraft(ctx, actor, id, 0, func(ct *catalog.Content) error { ct.SummaryJa = "下書きの変更"; return nil }); err != nil {
		t.Fatal(err)
	}
	for _, sql := range []string{
		`INSERT INTO enrolments (user_id, course_id, status) VALUES ('` + actor.UserID + `', '` + id + `', 'active')`,
		`UPDATE enrolments SET progress_percent = 50, last_activity_at = now() WHERE course_id = '` + id + `'`,
		`UPDATE users SET display_name = '講師 改' WHERE id = '` + actor.UserID + `'`,
		`DELETE FROM enrolments WHERE course_id = '` + id + `'`,
	} {
		if err := db.Gorm.Exec(sql).Error; err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	wctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	n, err := conn.WaitForNotification(wctx)
	cancel()
	if err == nil {
		t.Fatalf("notification %+v after writes that change no public catalogue data", n)
	}
	// The control: a catalogue write notifies.
	if err := db.Gorm.Exec(`UPDATE skill_areas SET sort_order = sort_order WHERE code = 'ai_data'`).Error; err != nil {
		t.Fatal(err)
	}
	wctx, cancel = context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := conn.WaitForNotification(wctx); err != nil {
		t.Fatalf("no notification after a skill area's update: %v", err)
	}
}

// TestCatalogueListenerProbe checks the listener's probe: between
// changes it sends itself a notification, which keeps it listening and
// changes nothing kept (nor another instance's); when its notifications
// stop coming back (played by sending the probe to another channel, as a
// pooler in transaction mode would lose it), it stops serving from memory
// (and tries again).
func TestCatalogueListenerProbe(t *testing.T) {
	db := dbtest.New(t)
	restore := catalog.SetListenTimes(50*time.Millisecond, 2*time.Second, catalog.ChangeChannel)
	a, b := listeningService(t, db), listeningService(t, db)
	genA, _ := catalog.ChangeGeneration(a)
	genB, _ := catalog.ChangeGeneration(b)
	time.Sleep(600 * time.Millisecond) // about ten probes each
	if g, up := catalog.ChangeGeneration(a); !up || g != genA {
		t.Fatalf("after its probes A listens %v at generation %d, want true at %d", up, g, genA)
	}
	if g, up := catalog.ChangeGeneration(b); !up || g != genB {
		t.Fatalf("after the probes B listens %v at generation %d, want true at %d", up, g, genB)
	}
	restore()

	restore = catalog.SetListenTimes(50*time.Millisecond, 100*time.Millisecond, "takumi_elsewhere")
	defer restore()
	c := listeningService(t, db)
	dbtest.Eventually(t, 5*time.Second, "C stops serving from memory when its probe does not come back", func() bool { return !c.Listening() })
}

// TestCatalogueSearchIndexSignal checks the search from memory
// (searchindex.go) on a second instance: searches it has not answered
// before come from its index between changes, and a publication, an
// archive and a provider's new name show in them after the notification.
func TestCatalogueSearchIndexSignal(t *testing.T) {
	db := dbtest.New(t)
	provider, instructor := catalogFixture(t, db, "index-provider")
	a, b := listeningService(t, db), listeningService(t, db)
	actor := catalog.Actor{UserID: instructor}
	ctx := context.Background()
	// fresh is b's search for q with a page number not asked for before
	// (a page past the end shows the last page), so that no kept search
	// answers it: the index or the database does.
	page := 0
	fresh := func(q string) *catalog.Results {
		page++
		res, err := b.Search(ctx, catalog.Filter{Q: q, Page: page})
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	titles := func(res *catalog.Results) []string {
		var out []string
		for _, l := range res.Items {
			out = append(out, l.Title.Ja)
		}
		return out
	}
	one := cataloguePublish(t, a, actor, provider, catalogueCourse{code: "index-one", titleJa: "索引講座 一"})
	dbtest.Eventually(t, 5*time.Second, "B finds the published course", func() bool {
		r := titles(fresh("索引"))
		return len(r) == 1 && r[0] == "索引講座 一"
	})
	time.Sleep(300 * time.Millisecond) // the publication's last notifications
	// A search not kept starts the index's load in the background (and
	// reads the database meanwhile).
	dbtest.Eventually(t, 5*time.Second, "B's search index is loaded", func() bool {
		return len(fresh("索引").Items) == 1 && catalog.SearchIndexLoaded(b)
	})
	// A change no notification tells of: B's new searches do not see it,
	// so they come from its memory, not the database.
	dbtest.ExecUnnotified(t, db, `UPDATE courses SET title_ja = '通知なしの題名' WHERE id = ?`, one)
	for range 3 {
		if r := titles(fresh("索引")); len(r) != 1 || r[0] != "索引講座 一" {
			t.Fatalf("B's new search shows %q: read the database, not its index", r)
		}
	}
	two := cataloguePublish(t, a, actor, provider, catalogueCourse{code: "index-two", titleJa: "索引講座 二"})
	dbtest.Eventually(t, 5*time.Second, "B finds the second course", func() bool { return len(fresh("索引").Items) == 2 })
	if err := a.Archive(ctx, actor, two); err != nil {
		t.Fatal(err)
	}
	dbtest.Eventually(t, 5*time.Second, "B no longer finds the archived course", func() bool {
		r := titles(fresh("索引"))
		return len(r) == 1 && r[0] == "通知なしの題名" // the rebuilt index reads the hidden write too
	})
	// Another package's write (a provider renamed), as plain SQL.
	if err := db.Gorm.Exec(`UPDATE organisations SET name_ja = '改名した研修機関' WHERE id = ?`, provider).Error; err != nil {
		t.Fatal(err)
	}
	dbtest.Eventually(t, 5*time.Second, "B shows the provider's new name", func() bool {
		res := fresh("索引")
		return len(res.Items) == 1 && res.Items[0].ProviderName.Ja == "改名した研修機関"
	})
}
