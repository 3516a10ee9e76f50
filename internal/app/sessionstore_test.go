package app

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"

	"takumi/internal/dbtest"
	"takumi/internal/fixtures"
	"takumi/internal/org"
	"takumi/web"
)

// TestTouchStore: on the real PostgreSQL session store, an unchanged
// session is not written again until its expiry moves by the slack; a
// change of data, a new token and a deleted session are written at once.
func TestTouchStore(t *testing.T) {
	db := dbtest.New(t)
	inner := NewSessionStore(db, scs.GobCodec{}, web.SessionUserKey, 0)
	s := newTouchStore(inner, 5*time.Minute)
	stored := func(token string) (time.Time, string) {
		t.Helper()
		var row struct {
			Expiry time.Time
			Data   []byte
		}
		if err := db.Gorm.Raw(`SELECT expiry, data FROM sessions WHERE token = ?`, token).Scan(&row).Error; err != nil {
			t.Fatal(err)
		}
		return row.Expiry, string(row.Data)
	}
	t0 := time.Now().Add(2 * time.Hour).UTC().Truncate(time.Microsecond)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(s.Commit("tok", []byte("a"), t0))
	if e, d := stored("tok"); !e.Equal(t0) || d != "a" {
		t.Fatalf("first commit: %s %q", e, d)
	}
	// The same data a minute later: not written.
	must(s.Commit("tok", []byte("a"), t0.Add(time.Minute)))
	if e, _ := stored("tok"); !e.Equal(t0) {
		t.Fatalf("unchanged session rewritten: expiry %s", e)
	}
	// Past the slack: written.
	must(s.Commit("tok", []byte("a"), t0.Add(6*time.Minute)))
	if e, _ := stored("tok"); !e.Equal(t0.Add(6 * time.Minute)) {
		t.Fatalf("expiry not pushed on after the slack: %s", e)
	}
	// Changed data: written at once.
	must(s.Commit("tok", []byte("b"), t0.Add(6*time.Minute+time.Second)))
	if _, d := stored("tok"); d != "b" {
		t.Fatalf("changed session not written: %q", d)
	}
	// Another token: written.
	must(s.Commit("tok2", []byte("b"), t0))
	if _, d := stored("tok2"); d != "b" {
		t.Fatal("new token not written")
	}
	// Deleted, then committed again with the same data: written.
	must(s.Delete("tok"))
	must(s.Commit("tok", []byte("b"), t0.Add(6*time.Minute+2*time.Second)))
	if _, d := stored("tok"); d != "b" {
		t.Fatal("session deleted then committed is missing")
	}
}

// TestSessionStore: each row keeps the signed-in user's id of its data
// (through sign-in's renewed token, a pending second factor and sign-out),
// and a Find with an org.SessionAccount in its context reads the account
// and memberships with the session in the same statement.
func TestSessionStore(t *testing.T) {
	db := dbtest.New(t)
	userID := fixtures.MustCreateUser(t, db, fixtures.User{Email: "session-store@example.jp"})
	orgID := fixtures.MustAddMember(t, db, "セッション株式会社", org.KindEmployer, userID, org.RoleAdmin, false)
	store := NewSessionStore(db, scs.GobCodec{}, web.SessionUserKey, 0)
	sm := scs.New()
	sm.Store = newTouchStore(store, 5*time.Minute)
	sm.HashTokenInStore = true
	ctx := context.Background()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	// hashed is a token as stored (HashTokenInStore).
	hashed := func(token string) string {
		h := sha256.Sum256([]byte(token))
		return base64.RawURLEncoding.EncodeToString(h[:])
	}
	// rowUser is the stored row's user_id ("" for NULL), by the token the
	// browser holds.
	rowUser := func(token string) string {
		t.Helper()
		var id *string
		must(db.Gorm.Raw(`SELECT user_id::text FROM sessions WHERE token = ?`, hashed(token)).Row().Scan(&id))
		if id == nil {
			return ""
		}
		return *id
	}
	// load is a request's Load with an empty SessionAccount, as web's
	// middleware makes it.
	load := func(token string) (context.Context, *org.SessionAccount) {
		t.Helper()
		rctx := org.WithSessionAccount(ctx)
		sctx, err := sm.Load(rctx, token)
		must(err)
		return sctx, org.SessionAccountOf(rctx)
	}

	// A visitor's session: no user.
	sctx, _ := load("")
	sm.Put(sctx, "language", "en")
	visitor, _, err := sm.Commit(sctx)
	must(err)
	if got := rowUser(visitor); got != "" {
		t.Fatalf("visitor's row has user %q", got)
	}
	sctx, sa := load(visitor)
	if !sa.Read || sa.UserID != "" || sa.User != nil || sm.GetString(sctx, "language") != "en" {
		t.Fatalf("visitor: %+v, language %q", sa, sm.GetString(sctx, "language"))
	}

	// A pending second factor: still no user.
	must(sm.RenewToken(sctx))
	sm.Put(sctx, "pending_user", userID)
	pending, _, err := sm.Commit(sctx)
	must(err)
	if got := rowUser(pending); got != "" {
		t.Fatalf("pending sign-in's row has user %q", got)
	}

	// Signed in: a new token whose row carries the user.
	sctx, _ = load(pending)
	must(sm.RenewToken(sctx))
	sm.Remove(sctx, "pending_user")
	sm.Put(sctx, web.SessionUserKey, userID)
	signed, _, err := sm.Commit(sctx)
	must(err)
	if got := rowUser(signed); got != userID {
		t.Fatalf("signed-in row's user %q, want %s", got, userID)
	}
	var n int64
	must(db.Gorm.Raw(`SELECT count(*) FROM sessions WHERE token = ?`, hashed(pending)).Row().Scan(&n))
	if n != 0 {
		t.Fatal("the pre-sign-in row is still there")
	}
	sctx, sa = load(signed)
	if !sa.Read || sa.UserID != userID || sa.User == nil || sa.User.ID != userID || sa.User.Email != "session-store@example.jp" ||
		len(sa.Memberships) != 1 || sa.Memberships[0].OrgID != orgID || sa.Memberships[0].Role != org.RoleAdmin {
		t.Fatalf("signed in: %+v", sa)
	}
	if sm.GetString(sctx, web.SessionUserKey) != userID {
		t.Fatal("session data lost")
	}
	// A request whose client went away still reads its session (as
	// pgxstore did): no session store error for it.
	gone, cancel := context.WithCancel(org.WithSessionAccount(ctx))
	cancel()
	if _, found, err := store.FindCtx(gone, hashed(signed)); err != nil || !found || org.SessionAccountOf(gone).User == nil {
		t.Fatalf("find for a cancelled request: found %v, %v", found, err)
	}
	// Without a SessionAccount in the context, only the session is read.
	plain, err := sm.Load(ctx, signed)
	must(err)
	if sm.GetString(plain, web.SessionUserKey) != userID {
		t.Fatal("plain find lost the data")
	}

	// A row whose user no longer exists: read, with no account.
	must(db.Gorm.Exec(`UPDATE sessions SET user_id = gen_random_uuid() WHERE token = ?`, hashed(signed)).Error)
	if _, sa = load(signed); !sa.Read || sa.UserID == "" || sa.UserID == userID || sa.User != nil {
		t.Fatalf("unknown user: %+v", sa)
	}

	// Signed out (the user id removed, then the session destroyed).
	sctx, _ = load(signed)
	sm.Remove(sctx, web.SessionUserKey)
	out, _, err := sm.Commit(sctx)
	must(err)
	if got := rowUser(out); got != "" {
		t.Fatalf("signed-out row has user %q", got)
	}
	must(sm.Destroy(sctx))
	must(db.Gorm.Raw(`SELECT count(*) FROM sessions`).Row().Scan(&n))
	if n != 0 { // the visitor's row went when its token was renewed
		t.Fatalf("%d rows left after sign-out", n)
	}
}
