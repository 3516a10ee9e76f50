package app

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"

	"takumi/internal/database"
	"takumi/internal/dbtest"
	"takumi/internal/fixtures"
	"takumi/internal/org"
	"takumi/web"
)

// cachedStore is a session store on db with its session cache listening.
func cachedStore(t *testing.T, db *database.DB) *SessionStore {
	t.Helper()
	s := NewSessionStore(db, scs.GobCodec{}, web.SessionUserKey, 0)
	s.cache = newSessionCache()
	s.cache.listen(db.Pool.Config().ConnConfig, nil)
	t.Cleanup(s.cache.stop)
	dbtest.Eventually(t, 5*time.Second, "the session listener listens", s.cache.l.Listening)
	return s
}

// findAccount is a request's read of token: its SessionAccount.
func findAccount(t *testing.T, s *SessionStore, token string) *org.SessionAccount {
	t.Helper()
	ctx := org.WithSessionAccount(context.Background())
	if _, found, err := s.FindCtx(ctx, token); err != nil || !found {
		t.Fatalf("find %s: found %v, %v", token, found, err)
	}
	return org.SessionAccountOf(ctx)
}

// sessionCacheFixture is a user in an organisation with a session row
// "tok" of a store whose cache listens.
func sessionCacheFixture(t *testing.T) (*database.DB, *SessionStore, string, string) {
	t.Helper()
	db := dbtest.New(t)
	userID := fixtures.MustCreateUser(t, db, fixtures.User{Email: "session-cache@example.jp", Name: "元の 名前"})
	orgID := fixtures.MustAddMember(t, db, "キャッシュ株式会社", org.KindEmployer, userID, org.RoleAdmin, false)
	s := cachedStore(t, db)
	data, err := scs.GobCodec{}.Encode(time.Now().Add(time.Hour), map[string]any{web.SessionUserKey: userID})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.CommitCtx(context.Background(), "tok", data, time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	return db, s, userID, orgID
}

// TestSessionCacheRules: between changes the session is served from
// memory; every notified change (user, membership, organisation, session
// row) is seen; while the listener does not listen, nothing is served
// from memory; what a request is handed is its own copy.
func TestSessionCacheRules(t *testing.T) {
	db, s, userID, orgID := sessionCacheFixture(t)
	name := func() string { return findAccount(t, s, "tok").User.DisplayName }
	if name() != "元の 名前" {
		t.Fatal("no account")
	}
	time.Sleep(100 * time.Millisecond) // the commit's own notification
	name()
	dbtest.ExecUnnotified(t, db, `UPDATE users SET display_name = '通知なし' WHERE id = ?`, userID)
	if got := name(); got != "元の 名前" {
		t.Fatalf("shows %q: read the database, not memory", got)
	}

	t.Run("Copies", func(t *testing.T) {
		sa := findAccount(t, s, "tok")
		sa.User.DisplayName = "変更"
		*sa.User.PrefectureCode = "99"
		sa.Memberships[0].Role = "changed"
		again := findAccount(t, s, "tok")
		if again.User.DisplayName != "元の 名前" || *again.User.PrefectureCode == "99" || again.Memberships[0].Role != org.RoleAdmin {
			t.Fatalf("a request's change reached the next one: %+v %+v", again.User, again.Memberships)
		}
	})
	t.Run("OrganisationRenamed", func(t *testing.T) {
		if err := db.Gorm.Exec(`UPDATE organisations SET name_ja = '改名株式会社' WHERE id = ?`, orgID).Error; err != nil {
			t.Fatal(err)
		}
		dbtest.Eventually(t, 5*time.Second, "the new name", func() bool { return findAccount(t, s, "tok").Memberships[0].NameJa == "改名株式会社" })
		if got := name(); got != "通知なし" { // the whole cache was dropped
			t.Fatalf("name %q", got)
		}
	})
	t.Run("MembershipRemoved", func(t *testing.T) {
		if err := db.Gorm.Exec(`DELETE FROM memberships WHERE user_id = ?`, userID).Error; err != nil {
			t.Fatal(err)
		}
		dbtest.Eventually(t, 5*time.Second, "no membership", func() bool { return len(findAccount(t, s, "tok").Memberships) == 0 })
	})
	t.Run("ListenerDown", func(t *testing.T) {
		name()
		s.cache.stop()
		dbtest.ExecUnnotified(t, db, `UPDATE users SET display_name = '断線中' WHERE id = ?`, userID)
		if got := name(); got != "断線中" {
			t.Fatalf("shows %q while the listener is stopped: served from memory", got)
		}
		s.cache.listen(db.Pool.Config().ConnConfig, nil)
		dbtest.Eventually(t, 5*time.Second, "listens again", s.cache.l.Listening)
		name()
		dbtest.ExecUnnotified(t, db, `UPDATE users SET display_name = '再開後' WHERE id = ?`, userID)
		if got := name(); got != "断線中" {
			t.Fatalf("shows %q after listening again: not served from memory", got)
		}
	})
	t.Run("TruncateDropsAll", func(t *testing.T) {
		// Memory still has 断線中 (the database 再開後, changed without a
		// notification); emptying memberships notifies "*".
		if err := db.Gorm.Exec(`TRUNCATE memberships`).Error; err != nil {
			t.Fatal(err)
		}
		dbtest.Eventually(t, 5*time.Second, "the database's name", func() bool { return name() == "再開後" })
	})
	t.Run("OwnDelete", func(t *testing.T) {
		if err := s.DeleteCtx(context.Background(), "tok"); err != nil {
			t.Fatal(err)
		}
		// At once, not after the notification.
		if _, found, err := s.FindCtx(org.WithSessionAccount(context.Background()), "tok"); err != nil || found {
			t.Fatalf("deleted session found %v, %v", found, err)
		}
	})
}

// TestSessionCacheRace: a change notified between a read's start and its
// store keeps the read's answer out of memory; each payload drops what it
// names; expired rows and old entries are not served.
func TestSessionCacheRace(t *testing.T) {
	db := dbtest.New(t)
	s := cachedStore(t, db)
	c := s.cache
	entry := func(user string) *sessionEntry {
		return &sessionEntry{data: []byte("d"), expiry: time.Now().Add(time.Hour), userID: user}
	}
	has := func(token string) bool { _, ok := c.get(token); return ok }

	for _, payload := range []string{"t:a", "u:u1", "*"} {
		seq := c.begin()
		c.notified(payload) // arrives while the read runs
		c.store("a", seq, entry("u1"))
		if has("a") {
			t.Fatalf("stored although %q arrived during the read", payload)
		}
	}
	seq := c.begin()
	c.forgetUser("u1") // this instance's own write during the read
	c.store("a", seq, entry("u1"))
	if has("a") {
		t.Fatal("stored although an own write happened during the read")
	}
	// Changes to other sessions and other people during the read (other
	// learners' heartbeats) do not keep its answer out; a change to the
	// same person still does, after others; more changes than the cache
	// remembers do, whatever they name.
	seq = c.begin()
	c.forgetUser("someone")
	c.notified("t:other")
	c.notified("u:u9")
	c.store("a", seq, entry("u1"))
	if !has("a") {
		t.Fatal("not stored although only other sessions changed during the read")
	}
	for _, own := range []string{"u:u1", "t:a"} {
		c.notified("t:a")
		seq = c.begin()
		c.forgetUser("someone")
		c.notified(own)
		c.forgetToken("other")
		c.store("a", seq, entry("u1"))
		if has("a") {
			t.Fatalf("stored although %q arrived among other changes during the read", own)
		}
	}
	seq = c.begin()
	for i := range changeLog {
		c.forgetUser(fmt.Sprint("someone", i))
	}
	c.store("a", seq, entry("u1"))
	if has("a") {
		t.Fatal("stored although more changes than the log holds came during the read")
	}
	seq = c.begin()
	for i := range changeLog - 1 {
		c.forgetUser(fmt.Sprint("someone", i))
	}
	c.store("a", seq, entry("u1"))
	if !has("a") {
		t.Fatal("not stored after changeLog-1 changes to others")
	}
	c.notified("t:a")

	fill := func() {
		for _, tu := range [][2]string{{"a", "u1"}, {"b", "u1"}, {"c", "u2"}} {
			c.store(tu[0], c.begin(), entry(tu[1]))
		}
	}
	fill()
	if !has("a") || !has("b") || !has("c") {
		t.Fatal("not stored")
	}
	c.notified("u:u1")
	if has("a") || has("b") || !has("c") {
		t.Fatal("u:u1 must drop u1's sessions only")
	}
	fill()
	c.notified("t:a")
	if has("a") || !has("b") || !has("c") {
		t.Fatal("t:a must drop session a only")
	}
	c.notified("*")
	if has("b") || has("c") {
		t.Fatal("* must drop everything")
	}

	// An expired row, an entry past the TTL.
	e := entry("u3")
	e.expiry = time.Now().Add(-time.Second)
	c.store("x", c.begin(), e)
	if has("x") {
		t.Fatal("expired session served")
	}
	c.store("y", c.begin(), entry("u3"))
	c.now = func() time.Time { return time.Now().Add(sessionCacheTTL) }
	defer func() { c.now = time.Now }()
	if has("y") {
		t.Fatal("entry past the TTL served")
	}
}

// TestSessionCacheForgetUser: the web layer's ForgetUser (through
// touchStore, as the app wires it) drops the person's kept sessions at
// once, without a notification: the next read sees a change no trigger
// told of.
func TestSessionCacheForgetUser(t *testing.T) {
	db, s, userID, _ := sessionCacheFixture(t)
	ts := newTouchStore(s, 5*time.Minute)
	name := func() string { return findAccount(t, s, "tok").User.DisplayName }
	name()
	time.Sleep(100 * time.Millisecond) // the commit's own notification
	name()
	dbtest.ExecUnnotified(t, db, `UPDATE users SET display_name = '自分の変更' WHERE id = ?`, userID)
	if got := name(); got != "元の 名前" {
		t.Fatalf("shows %q: not served from memory", got)
	}
	ts.ForgetUser(userID)
	if got := name(); got != "自分の変更" {
		t.Fatalf("shows %q after ForgetUser", got)
	}
}

// TestSessionCacheAwait: after AwaitSessionSignal, a change committed
// before it (here by another connection, as another instance's or an
// administrator's write) is in effect at once, without polling; without
// the listener it returns at once.
func TestSessionCacheAwait(t *testing.T) {
	db, s, userID, _ := sessionCacheFixture(t)
	ctx := context.Background()
	// Each notification is handled 50 ms late, as on a busy instance: a
	// read right after a write would find the old entry without the
	// barrier.
	s.cache.stop()
	s.cache.l.OnNotify = func(p string) { time.Sleep(50 * time.Millisecond); s.cache.notified(p) }
	s.cache.listen(db.Pool.Config().ConnConfig, nil)
	dbtest.Eventually(t, 5*time.Second, "the session listener listens again", s.cache.l.Listening)
	name := func() string { return findAccount(t, s, "tok").User.DisplayName }
	for i, want := range []string{"一回目", "二回目", "三回目"} {
		name() // kept in memory
		if err := db.Gorm.Exec(`UPDATE users SET display_name = ? WHERE id = ?`, want, userID).Error; err != nil {
			t.Fatal(err)
		}
		s.AwaitSessionSignal(ctx)
		if got := name(); got != want {
			t.Fatalf("round %d: %q right after the barrier, want %q", i+1, got, want)
		}
	}
	s.cache.stop()
	start := time.Now()
	s.AwaitSessionSignal(ctx)
	if d := time.Since(start); d > 100*time.Millisecond {
		t.Fatalf("without a listener the barrier took %v", d)
	}
}
