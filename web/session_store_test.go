package web_test

import (
	"net/http"
	"strings"
	"testing"

	"takumi/internal/fixtures"
)

// TestSessionReadsAccount: the session store reads the signed-in account
// with the session in one statement (issue 20, migration 00056), and the
// sign-in check still ends a session at its next request when the account
// is disabled or its password changed (session_version moved), whether
// the account came with the session or was read on its own for a row
// without a user id (written before the migration). The session's data,
// not the row's copy, says who is signed in.
func TestSessionReadsAccount(t *testing.T) {
	ta, counter := startCountedApp(t)
	// signedIn signs a new learner in and returns the browser and id.
	signedIn := func(t *testing.T, email, name string) (*browser, string) {
		t.Helper()
		id := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: email, Name: name})
		return ta.signedIn(t, email, ""), id
	}
	exec := func(t *testing.T, sql string, args ...any) {
		t.Helper()
		if err := ta.DB.Gorm.Exec(sql, args...).Error; err != nil {
			t.Fatal(err)
		}
		awaitSessionSignal(ta) // another connection's write, as another instance's
	}
	// account fetches /account and returns its status, the display name
	// shown, and whether the sign-in check read the account on its own.
	account := func(t *testing.T, b *browser) (int, string, bool) {
		t.Helper()
		counter.take()
		r := b.get("/account")
		fallback := false
		for _, s := range counter.take() {
			if strings.Contains(s, "FROM users u WHERE u.id") {
				fallback = true
			}
		}
		name := ""
		if r.StatusCode == http.StatusOK {
			name, _ = r.Doc(t).Find(`input[name="display_name"]`).Attr("value")
		}
		return r.StatusCode, name, fallback
	}
	ended := func(t *testing.T, b *browser, id string) {
		t.Helper()
		if status, _, _ := account(t, b); status != http.StatusSeeOther {
			t.Fatalf("next request: status %d, want a redirect to sign in", status)
		}
		var n int64
		if err := ta.DB.Gorm.Raw(`SELECT count(*) FROM sessions WHERE user_id = ?`, id).Row().Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n != 0 {
			t.Fatalf("%d session rows of the ended session's user remain", n)
		}
		if status, _, _ := account(t, b); status != http.StatusSeeOther {
			t.Fatalf("the request after: status %d, want a redirect to sign in", status)
		}
	}

	t.Run("OKOneStatement", func(t *testing.T) {
		b, id := signedIn(t, "session-one@example.jp", "一回 太郎")
		var n int64
		if err := ta.DB.Gorm.Raw(`SELECT count(*) FROM sessions WHERE user_id = ?`, id).Row().Scan(&n); err != nil || n != 1 {
			t.Fatalf("sessions with the user's id after sign-in: %d (%v), want 1", n, err)
		}
		status, name, fallback := account(t, b)
		if status != http.StatusOK || name != "一回 太郎" || fallback {
			t.Fatalf("/account: status %d, name %q, account read on its own %v", status, name, fallback)
		}
	})
	t.Run("OKRowWithoutUser", func(t *testing.T) {
		b, id := signedIn(t, "session-legacy@example.jp", "旧行 花子")
		exec(t, `UPDATE sessions SET user_id = NULL WHERE user_id = ?`, id)
		status, name, fallback := account(t, b)
		if status != http.StatusOK || name != "旧行 花子" || !fallback {
			t.Fatalf("/account on a row without user id: status %d, name %q, account read on its own %v", status, name, fallback)
		}
	})
	t.Run("ErrDisabled", func(t *testing.T) {
		b, id := signedIn(t, "session-disabled@example.jp", "停止 次郎")
		exec(t, `UPDATE users SET disabled_at = now() WHERE id = ?`, id)
		ended(t, b, id)
	})
	t.Run("ErrPasswordChanged", func(t *testing.T) {
		b, id := signedIn(t, "session-password@example.jp", "変更 三郎")
		exec(t, `UPDATE users SET session_version = session_version + 1 WHERE id = ?`, id)
		ended(t, b, id)
	})
	t.Run("ErrDisabledRowWithoutUser", func(t *testing.T) {
		b, id := signedIn(t, "session-legacy-disabled@example.jp", "旧行 停止")
		exec(t, `UPDATE sessions SET user_id = NULL WHERE user_id = ?`, id)
		exec(t, `UPDATE users SET disabled_at = now() WHERE id = ?`, id)
		if status, _, fallback := account(t, b); status != http.StatusSeeOther || !fallback {
			t.Fatalf("disabled, row without user id: status %d, account read on its own %v", status, fallback)
		}
	})
	t.Run("ErrPasswordChangedRowWithoutUser", func(t *testing.T) {
		b, id := signedIn(t, "session-legacy-password@example.jp", "旧行 変更")
		exec(t, `UPDATE sessions SET user_id = NULL WHERE user_id = ?`, id)
		exec(t, `UPDATE users SET session_version = session_version + 1 WHERE id = ?`, id)
		if status, _, _ := account(t, b); status != http.StatusSeeOther {
			t.Fatalf("password changed, row without user id: status %d", status)
		}
	})
	t.Run("ErrAccountGone", func(t *testing.T) {
		b, id := signedIn(t, "session-gone@example.jp", "削除 四郎")
		exec(t, `DELETE FROM users WHERE id = ?`, id)
		if status, _, fallback := account(t, b); status != http.StatusSeeOther || fallback {
			t.Fatalf("deleted account: status %d, account read on its own %v", status, fallback)
		}
	})
	// SECURITY: a row whose user id is not the session's (it cannot
	// happen through the store, which copies it from the data) does not
	// sign the browser in as that other person.
	t.Run("OKRowOfAnotherUserIgnored", func(t *testing.T) {
		b, id := signedIn(t, "session-mine@example.jp", "本人 五郎")
		other := fixtures.MustCreateUser(t, ta.DB, fixtures.User{Email: "session-other@example.jp", Name: "他人 六子"})
		exec(t, `UPDATE sessions SET user_id = ? WHERE user_id = ?`, other, id)
		status, name, fallback := account(t, b)
		if status != http.StatusOK || name != "本人 五郎" || !fallback {
			t.Fatalf("row of another user: status %d, name %q, account read on its own %v", status, name, fallback)
		}
	})
	t.Run("OKSignOutClears", func(t *testing.T) {
		b, id := signedIn(t, "session-out@example.jp", "退出 七郎")
		if r := b.post("/account", "/logout", nil); r.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign out: %d", r.StatusCode)
		}
		var n int64
		if err := ta.DB.Gorm.Raw(`SELECT count(*) FROM sessions WHERE user_id = ?`, id).Row().Scan(&n); err != nil || n != 0 {
			t.Fatalf("sessions with the user's id after sign-out: %d (%v), want 0", n, err)
		}
	})
}
