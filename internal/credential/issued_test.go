package credential_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"takumi/internal/apperr"
	"takumi/internal/credential"
)

func TestParseRef(t *testing.T) {
	const id = "1b4e28ba-2fa1-41d2-883f-0016d3cca427"
	for _, c := range []struct {
		name, in, want string
		ok             bool
	}{
		{"ID", id, id, true},
		{"UpperCase", "1B4E28BA-2FA1-41D2-883F-0016D3CCA427", id, true},
		{"URN", "urn:uuid:" + id, id, true},
		{"PageURL", " https://takumi.example.jp/credentials/" + id + "\n", id, true},
		{"JSONURL", "https://takumi.example.jp/credentials/" + id + "/credential.json", id, true},
		{"ErrEmpty", "", "", false},
		{"ErrNotAnID", "hello", "", false},
		{"ErrTwoIDs", id + " " + id, "", false},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, ok := credential.ParseRef(c.in)
			if got != c.want || ok != c.ok {
				t.Fatalf("ParseRef(%q) = %q, %v", c.in, got, ok)
			}
		})
	}
}

func TestListIssued(t *testing.T) {
	is := newIssuing(t)
	ctx := context.Background()
	courseID, lessons := is.course(t, "issued")
	user := is.learner(t, 7)
	is.complete(t, user, courseID, lessons)
	admin := credential.Actor{UserID: is.author, AdminOf: []string{is.provider}, IP: "192.0.2.1"}

	l, err := is.creds.ListIssued(ctx, admin, is.provider, credential.IssuedFilter{})
	if err != nil || l.Total != 1 || len(l.Rows) != 1 || l.Rows[0].HolderName != "受講者" || l.NextAfter != "" || l.PrevBefore != "" {
		t.Fatalf("list: %+v, %v", l, err)
	}
	if n := is.count(t, `SELECT count(*) FROM audit_events WHERE action = 'credential.issued_viewed' AND actor_id = ?`, is.author); n != 1 {
		t.Fatalf("%d audit rows for the view, want 1", n)
	}
	id := l.Rows[0].ID
	if l, _ := is.creds.ListIssued(ctx, admin, is.provider, credential.IssuedFilter{CredentialID: "urn:uuid:" + id}); len(l.Rows) != 1 {
		t.Fatalf("filtered by id: %d rows", len(l.Rows))
	}
	if l, _ := is.creds.ListIssued(ctx, admin, is.provider, credential.IssuedFilter{CredentialID: "nothing"}); len(l.Rows) != 0 {
		t.Fatalf("filtered by garbage: %d rows", len(l.Rows))
	}
	if got, err := is.creds.GetIssued(ctx, admin, id); err != nil || got.HolderName != "受講者" {
		t.Fatalf("GetIssued: %+v %v", got, err)
	}

	stranger := credential.Actor{UserID: user, AdminOf: []string{"00000000-0000-0000-0000-000000000000"}}
	if _, err := is.creds.ListIssued(ctx, stranger, is.provider, credential.IssuedFilter{}); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("list by a non-admin: %v, want not_found", err)
	}
	if _, err := is.creds.GetIssued(ctx, stranger, id); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("get by a non-admin: %v, want not_found", err)
	}
	platform := credential.Actor{UserID: user, IsPlatformAdmin: true}
	if _, err := is.creds.GetIssued(ctx, platform, id); err != nil {
		t.Fatalf("get by a platform admin: %v", err)
	}
	// An employer is no issuer, even to its own admin.
	var employer string
	is.db.Gorm.Raw(`INSERT INTO organisations (name_ja, kind) VALUES ('雇用主', 'employer') RETURNING id`).Row().Scan(&employer)
	if _, err := is.creds.ListIssued(ctx, credential.Actor{UserID: is.author, AdminOf: []string{employer}}, employer, credential.IssuedFilter{}); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("employer list: %v, want not_found", err)
	}
	if _, err := is.creds.ListIssued(ctx, admin, "not-a-uuid", credential.IssuedFilter{}); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("bad id: %v", err)
	}
}

// TestListIssuedPages: the provider's list pages by key, forwards and
// backwards, through the same rows in the same order as the full query
// (ties of issued_at included), and its kept count equals count(*) after
// every kind of change of credentials.
func TestListIssuedPages(t *testing.T) {
	is := newIssuing(t)
	// The rows below are unsigned placeholders (document '{}'), not what
	// the service issues: they go before newIssuing's check of every
	// stored credential against the OB 3.0 schema (cleanups run last
	// registered first).
	t.Cleanup(func() { is.db.Gorm.Exec(`DELETE FROM credentials WHERE key_id = 'k' AND document = '{}'`) })
	ctx := context.Background()
	courseID, _ := is.course(t, "pages")
	var other string
	is.db.Gorm.Raw(`INSERT INTO organisations (name_ja, kind) VALUES ('別の機関', 'provider') RETURNING id`).Row().Scan(&other)
	admin := credential.Actor{UserID: is.author, AdminOf: []string{is.provider}}
	exec := func(q string, args ...any) {
		t.Helper()
		if err := is.db.Gorm.Exec(q, args...).Error; err != nil {
			t.Fatal(err)
		}
	}
	// n credentials of the course, issued on seven days: many share an
	// issued_at, so the order falls back to the id.
	issue := func(from, n int, provider string) {
		t.Helper()
		exec(`WITH u AS (
				INSERT INTO users (email, password_hash, display_name, privacy_notice_version, consented_at)
				SELECT 'page' || g || '@example.jp', 'x', '受講者 ' || g, '2026-11', now() FROM generate_series(?::int, ?::int) g
				RETURNING id),
			e AS (INSERT INTO enrolments (user_id, course_id, status, completed_at) SELECT id, ?, 'completed', now() FROM u RETURNING id, user_id)
			INSERT INTO credentials (enrolment_id, user_id, course_id, provider_id, status_list_id, status_index, issued_at, valid_from, key_id, document)
			SELECT e.id, e.user_id, ?, ?, 'revocation-1', 1000 + ?::int + row_number() OVER (),
			       timestamptz '2026-01-01' + (row_number() OVER () % 7) * interval '1 day', now(), 'k', '{}'
			FROM e`, from, from+n-1, courseID, courseID, provider, from)
	}
	issue(0, 163, is.provider)
	want := func() []string {
		t.Helper()
		var ids []string
		if err := is.db.Gorm.Raw(`SELECT id FROM credentials WHERE provider_id = ? ORDER BY issued_at DESC, id DESC`, is.provider).Scan(&ids).Error; err != nil {
			t.Fatal(err)
		}
		return ids
	}
	list := func(f credential.IssuedFilter) *credential.IssuedList {
		t.Helper()
		l, err := is.creds.ListIssued(ctx, admin, is.provider, f)
		if err != nil {
			t.Fatal(err)
		}
		if n := is.count(t, `SELECT count(*) FROM credentials WHERE provider_id = ?`, is.provider); f.CredentialID == "" && l.Total != int64(n) {
			t.Fatalf("kept count %d, count(*) %d", l.Total, n)
		}
		return l
	}
	ids := func(l *credential.IssuedList) []string {
		var out []string
		for _, r := range l.Rows {
			out = append(out, r.ID)
		}
		return out
	}
	walk := func(when string) {
		t.Helper()
		all := want()
		// Forwards from the first page.
		var got []string
		l := list(credential.IssuedFilter{})
		if l.PrevBefore != "" {
			t.Fatalf("%s: the first page links to a previous one", when)
		}
		for pages := 1; ; pages++ {
			if len(l.Rows) > credential.IssuedPageSize || pages > 20 {
				t.Fatalf("%s: page %d has %d rows", when, pages, len(l.Rows))
			}
			got = append(got, ids(l)...)
			if l.NextAfter == "" {
				break
			}
			if len(l.Rows) != credential.IssuedPageSize {
				t.Fatalf("%s: page %d has %d rows and a next page", when, pages, len(l.Rows))
			}
			l = list(credential.IssuedFilter{After: l.NextAfter})
			if l.PrevBefore != l.Rows[0].ID {
				t.Fatalf("%s: page %d's previous link %q", when, pages+1, l.PrevBefore)
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(all) {
			t.Fatalf("%s: forwards %d rows, want %d in the full query's order", when, len(got), len(all))
		}
		// Backwards from the last page.
		var back []string
		for pages := 1; ; pages++ {
			back = append(slices.Clone(ids(l)), back...)
			if l.PrevBefore == "" || pages > 20 {
				break
			}
			l = list(credential.IssuedFilter{Before: l.PrevBefore})
			if len(l.Rows) != credential.IssuedPageSize || l.NextAfter != l.Rows[len(l.Rows)-1].ID {
				t.Fatalf("%s: a previous page with %d rows, next %q", when, len(l.Rows), l.NextAfter)
			}
		}
		if fmt.Sprint(back) != fmt.Sprint(all) {
			t.Fatalf("%s: backwards %d rows, want %d in the full query's order", when, len(back), len(all))
		}
	}
	walk("163 credentials")

	// A page before fewer than a page of newer credentials is the first page.
	all := want()
	if l := list(credential.IssuedFilter{Before: all[10]}); fmt.Sprint(ids(l)) != fmt.Sprint(all[:50]) || l.Filter.Before != "" || l.NextAfter != all[49] {
		t.Fatalf("before the 11th: %d rows, filter %+v", len(l.Rows), l.Filter)
	}
	// An unknown cursor, another provider's credential or garbage: the first page.
	issue(500, 3, other)
	var foreign string
	is.db.Gorm.Raw(`SELECT id FROM credentials WHERE provider_id = ? LIMIT 1`, other).Row().Scan(&foreign)
	for _, c := range []string{foreign, "00000000-0000-0000-0000-000000000000", "x'--"} {
		if l := list(credential.IssuedFilter{After: c}); fmt.Sprint(ids(l)) != fmt.Sprint(all[:50]) || l.Filter.After != "" {
			t.Fatalf("after %q: %d rows, filter %+v", c, len(l.Rows), l.Filter)
		}
	}
	// The last credential's next page is empty and links back.
	if l := list(credential.IssuedFilter{After: all[len(all)-1]}); len(l.Rows) != 0 || l.NextAfter != "" {
		t.Fatalf("after the last: %d rows", len(l.Rows))
	}
	// The filter by id still finds one credential (and counts it).
	if l := list(credential.IssuedFilter{CredentialID: "urn:uuid:" + all[70], After: all[3]}); len(l.Rows) != 1 || l.Total != 1 || l.NextAfter != "" {
		t.Fatalf("by id: %d rows, total %d", len(l.Rows), l.Total)
	}

	// The count follows every change: moved to another provider and back,
	// provider cleared, removed, revoked (still listed), issued again.
	exec(`UPDATE credentials SET provider_id = ? WHERE id IN (SELECT id FROM credentials WHERE provider_id = ? ORDER BY id LIMIT 7)`, other, is.provider)
	walk("7 moved away")
	exec(`UPDATE credentials SET provider_id = CASE WHEN provider_id = ? THEN ?::uuid ELSE ?::uuid END WHERE provider_id IN (?, ?)`,
		other, is.provider, other, is.provider, other)
	walk("providers swapped")
	exec(`UPDATE credentials SET provider_id = CASE WHEN provider_id = ? THEN ?::uuid ELSE ?::uuid END WHERE provider_id IN (?, ?)`,
		other, is.provider, other, is.provider, other)
	walk("providers swapped back")
	exec(`UPDATE credentials SET provider_id = NULL WHERE id IN (SELECT id FROM credentials WHERE provider_id = ? ORDER BY id LIMIT 4)`, is.provider)
	walk("4 without a provider")
	exec(`DELETE FROM credentials WHERE id IN (SELECT id FROM credentials WHERE provider_id = ? ORDER BY id DESC LIMIT 5)`, is.provider)
	walk("5 removed")
	exec(`UPDATE credentials SET revoked_at = now(), revocation_reason = 'test' WHERE provider_id = ?`, is.provider)
	walk("all revoked")
	issue(1000, 40, is.provider)
	walk("40 more")
	if n := is.count(t, `SELECT count(*) FROM credentials WHERE provider_id = ?`, is.provider); n < 101 {
		t.Fatalf("%d credentials: fewer than three pages", n)
	}

	// A recount from every row leaves the counts as they were.
	var before []string
	is.db.Gorm.Raw(`SELECT provider_id || ':' || credentials FROM provider_credential_counts WHERE credentials <> 0 ORDER BY 1`).Scan(&before)
	if err := credential.RecountIssued(ctx, is.db.Gorm); err != nil {
		t.Fatal(err)
	}
	var after []string
	is.db.Gorm.Raw(`SELECT provider_id || ':' || credentials FROM provider_credential_counts ORDER BY 1`).Scan(&after)
	if fmt.Sprint(before) != fmt.Sprint(after) || len(after) != 2 {
		t.Fatalf("counts %v, recount %v", before, after)
	}
}
