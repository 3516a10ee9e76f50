package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"testing"
	"time"

	"takumi/internal/dbtest"
	"takumi/internal/fixtures"
)

// sessionListening waits until ta's session signal listens (its sessions
// may then be served from memory).
func sessionListening(t *testing.T, ta *testApp) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !ta.App.SessionCacheListening() {
		if time.Now().After(deadline) {
			t.Fatal("the session listener does not listen within 5 s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// awaitSessionSignal returns once ta's instance has handled every session
// notification committed before the call (the barrier an administrator's
// writing request waits on; internal/app/sessioncache.go): a test's write
// through another connection is then in effect for the next request.
func awaitSessionSignal(ta *testApp) {
	if a, ok := ta.App.Sessions.Store.(interface{ AwaitSessionSignal(context.Context) }); ok {
		a.AwaitSessionSignal(context.Background())
	}
}

// signedOut reports whether b's GET of /account on its instance is sent
// to the sign-in form.
func signedOut(b *browser) bool {
	r := b.get("/account")
	return r.StatusCode == http.StatusSeeOther && r.Header.Get("Location") == "/login?next=%2Faccount"
}

// accountName is the display name /account shows to b.
func accountName(t *testing.T, b *browser) string {
	t.Helper()
	r := b.get("/account")
	if r.StatusCode != http.StatusOK {
		t.Fatalf("GET /account: status %d", r.StatusCode)
	}
	v, _ := r.Doc(t).Find("#f-display_name").Attr("value")
	return v
}

// TestSessionCacheAcrossInstances runs two instances on one database:
// instance A keeps its signed-in sessions in memory (issue 20,
// internal/app/sessioncache.go), and every change that ends a session or
// takes a role away, made on instance B or by plain SQL, reaches A's next
// requests within two seconds through the session signal.
func TestSessionCacheAcrossInstances(t *testing.T) {
	db := dbtest.New(t)
	a, b := startAppOn(t, db), startAppOn(t, db)
	sessionListening(t, a)
	sessionListening(t, b)
	exec := func(sql string, args ...any) {
		t.Helper()
		if err := db.Gorm.Exec(sql, args...).Error; err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	learner := func(email string) (*browser, string) {
		t.Helper()
		br, id := a.signedInLearner(t, email)
		if accountName(t, br) != "受講 太郎" { // fills A's memory
			t.Fatal("A does not show the learner's name")
		}
		return br, id
	}

	t.Run("ServedFromMemory", func(t *testing.T) {
		br, id := learner("cache-memory@example.jp")
		accountName(t, br)
		// A change no notification tells of: A still shows what it kept.
		dbtest.ExecUnnotified(t, db, `UPDATE users SET display_name = '通知なし' WHERE id = ?`, id)
		time.Sleep(100 * time.Millisecond)
		if got := accountName(t, br); got != "受講 太郎" {
			t.Fatalf("A shows %q: read the database, not its memory", got)
		}
		if m := a.scrapeMetrics(t).Body; !regexp.MustCompile(`takumi_session_cache_reads_total\{result="hit"\} [1-9]`).MatchString(m) {
			t.Fatal("no session cache hit counted in /metrics")
		}
		// Any notified change of the user (here their name) drops it.
		exec(`UPDATE users SET display_name = '通知あり' WHERE id = ?`, id)
		dbtest.Eventually(t, 2*time.Second, "A shows the new name", func() bool { return accountName(t, br) == "通知あり" })
	})
	t.Run("Disabled", func(t *testing.T) {
		br, id := learner("cache-disabled@example.jp")
		exec(`UPDATE users SET disabled_at = now() WHERE id = ?`, id)
		dbtest.Eventually(t, 2*time.Second, "A ends the disabled account's session", func() bool { return signedOut(br) })
	})
	t.Run("SessionVersion", func(t *testing.T) {
		br, id := learner("cache-version@example.jp")
		exec(`UPDATE users SET session_version = session_version + 1 WHERE id = ?`, id)
		dbtest.Eventually(t, 2*time.Second, "A ends the session of an older session_version", func() bool { return signedOut(br) })
	})
	t.Run("SessionDeleted", func(t *testing.T) {
		br, id := learner("cache-deleted@example.jp")
		exec(`DELETE FROM sessions WHERE user_id = ?`, id)
		dbtest.Eventually(t, 2*time.Second, "A no longer knows the deleted session", func() bool { return signedOut(br) })
	})
	t.Run("SignOutOnB", func(t *testing.T) {
		br, _ := learner("cache-signout@example.jp")
		// The same cookies on instance B (a load balancer's next choice).
		onB := &browser{t: t, base: b.URL, c: br.c}
		if r := onB.post("/account", "/logout", url.Values{}); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign-out on B: status %d", r.StatusCode)
		}
		dbtest.Eventually(t, 2*time.Second, "A knows of the sign-out on B", func() bool { return signedOut(br) })
	})
	orgAdmin := func(email string) (*browser, string, string) {
		t.Helper()
		br, id := learner(email)
		orgID := fixtures.MustAddMember(t, db, "キャッシュ研修機関 "+email, "provider", id, "admin", false)
		dbtest.Eventually(t, 2*time.Second, "A knows of the new membership", func() bool { return br.get("/org").StatusCode == http.StatusSeeOther })
		return br, id, orgID
	}
	t.Run("MembershipRemoved", func(t *testing.T) {
		br, id, orgID := orgAdmin("cache-member@example.jp")
		exec(`DELETE FROM memberships WHERE org_id = ? AND user_id = ?`, orgID, id)
		dbtest.Eventually(t, 2*time.Second, "A no longer lets the removed admin in", func() bool { return br.get("/org").StatusCode == http.StatusForbidden })
	})
	t.Run("RoleChanged", func(t *testing.T) {
		br, id, orgID := orgAdmin("cache-role@example.jp")
		exec(`UPDATE memberships SET role = 'member' WHERE org_id = ? AND user_id = ?`, orgID, id)
		dbtest.Eventually(t, 2*time.Second, "A no longer lets the former admin in", func() bool { return br.get("/org").StatusCode == http.StatusForbidden })
	})
}

// TestSessionCacheOwnWrite: a signed-in person's change to their own
// profile on an instance shows on their very next request there.
func TestSessionCacheOwnWrite(t *testing.T) {
	ta := startApp(t)
	sessionListening(t, ta)
	br, _ := ta.signedInLearner(t, "cache-own@example.jp")
	for range 2 {
		if accountName(t, br) != "受講 太郎" {
			t.Fatal("no name")
		}
	}
	renameSeenNext(t, br, "自分で 変更")
}

// renameSeenNext saves name as b's display name and checks that b's very
// next request shows it.
func renameSeenNext(t *testing.T, b *browser, name string) {
	t.Helper()
	v := accountProfileValues()
	v.Set("display_name", name)
	if r := b.post("/account", "/account", v); r.StatusCode != http.StatusSeeOther {
		t.Fatalf("save profile: status %d", r.StatusCode)
	}
	if got := accountName(t, b); got != name {
		t.Fatalf("the next request shows %q, not the saved name", got)
	}
}

// sessionReads is ta's session-cache reads so far: answered from memory
// (hits) and from the database (misses).
func sessionReads(t *testing.T, ta *testApp) (hits, misses int) {
	t.Helper()
	body := ta.scrapeMetrics(t).Body
	for _, r := range []struct {
		result string
		n      *int
	}{{"hit", &hits}, {"miss", &misses}} {
		m := regexp.MustCompile(`takumi_session_cache_reads_total\{result="` + r.result + `"\} (\d+)`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("/metrics has no session-cache %ss", r.result)
		}
		*r.n, _ = strconv.Atoi(m[1])
	}
	return hits, misses
}

// TestSessionCacheKeptByHeartbeat: the player's heartbeat, the most
// frequent write of a learner online, keeps the learner's session in
// memory, so neither the next heartbeat nor the next page reads it from
// the database; a change to the account still drops it (issue 20,
// writesNoAccount in web/middleware.go).
func TestSessionCacheKeptByHeartbeat(t *testing.T) {
	ta := startApp(t)
	sessionListening(t, ta)
	pc := playerPublish(t, ta, "cache-heartbeat", "心拍の講座", 2, false)
	b, _ := ta.signedInLearner(t, "cache-heartbeat@example.jp")
	_, lesson := playerEnrol(t, ta, b, pc)
	// The enrolment's own writes settle first (a read overlapping a change
	// of the learner is not kept): until a page is read from memory.
	_, misses0 := sessionReads(t, ta)
	dbtest.Eventually(t, 5*time.Second, "a page served with the session from memory", func() bool {
		if r := b.get(lesson); r.StatusCode != http.StatusOK {
			t.Fatalf("lesson: status %d", r.StatusCode)
		}
		_, m := sessionReads(t, ta)
		settled := m == misses0
		misses0 = m
		return settled
	})
	hits0, misses0 := sessionReads(t, ta)
	for range 3 {
		if r := b.post(lesson, lesson+"/heartbeat", nil); r.StatusCode != http.StatusOK {
			t.Fatalf("heartbeat: status %d", r.StatusCode)
		}
	}
	if r := b.get(lesson); r.StatusCode != http.StatusOK {
		t.Fatalf("lesson after the heartbeats: status %d", r.StatusCode)
	}
	hits1, misses1 := sessionReads(t, ta)
	// Each post first GETs its form page for the CSRF token: 7 requests.
	if misses1 != misses0 || hits1 != hits0+7 {
		t.Fatalf("three heartbeats and the pages around them: %d reads from memory, %d from the database; want 7 and 0", hits1-hits0, misses1-misses0)
	}
	renameSeenNext(t, b, "心拍 変更")
	if _, misses2 := sessionReads(t, ta); misses2 <= misses1 {
		t.Fatal("the page after a profile change did not read the session from the database")
	}
}
