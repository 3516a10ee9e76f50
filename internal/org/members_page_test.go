package org_test

import (
	"context"
	"fmt"
	"slices"
	"testing"

	"takumi/internal/dbtest"
	"takumi/internal/org"
)

// TestMemberPages: an organisation of 121 members (some with the same
// name) is shown 50 at a time in order of name, address and id; following
// NextAfter visits every member once, in that order; the count is of all
// members; one member alone, a malformed or unknown "after" give what they
// name; a member removed after their page was shown does not break the
// next page.
func TestMemberPages(t *testing.T) {
	t.Parallel()
	db := dbtest.New(t)
	ctx := context.Background()
	s := newService(t, db)
	platform := org.Actor{UserID: newUser(t, db, "platform-pages@example.jp", true)}
	emp, err := s.Create(ctx, platform, org.NewOrganisation{NameJa: "大きな雇用主", Kind: org.KindEmployer, PrefectureCode: "23"})
	if err != nil {
		t.Fatal(err)
	}
	other, err := s.Create(ctx, platform, org.NewOrganisation{NameJa: "他の雇用主", Kind: org.KindEmployer, PrefectureCode: "23"})
	if err != nil {
		t.Fatal(err)
	}
	hr := newUser(t, db, "hr-pages@example.jp", false)
	if err := db.Gorm.Exec(`INSERT INTO memberships (org_id, user_id, role) VALUES (?, ?, 'admin')`, emp.ID, hr).Error; err != nil {
		t.Fatal(err)
	}
	// 120 more: names repeat (every tenth is the same), so the address and
	// id break ties; and 30 people of another organisation in between.
	if err := db.Gorm.Exec(`WITH u AS (
			INSERT INTO users (email, password_hash, display_name, privacy_notice_version, consented_at)
			SELECT 'member' || i || '@example.jp', 'x', '社員 ' || (i % 12), 'v', now() FROM generate_series(1, 150) i
			RETURNING id, email)
		INSERT INTO memberships (org_id, user_id, role)
		SELECT CASE WHEN substring(email FROM '[0-9]+')::int <= 120 THEN ?::uuid ELSE ?::uuid END, id, 'member' FROM u`,
		emp.ID, other.ID).Error; err != nil {
		t.Fatal(err)
	}
	var want []string
	if err := db.Gorm.Raw(`SELECT m.user_id FROM memberships m JOIN users u ON u.id = m.user_id WHERE m.org_id = ?
		ORDER BY u.display_name, u.email, u.id`, emp.ID).Scan(&want).Error; err != nil {
		t.Fatal(err)
	}
	actor := org.Actor{UserID: hr}
	var got []string
	after, pages := "", 0
	for {
		r, err := s.ViewRoster(ctx, actor, emp.ID, org.MemberPage{After: after})
		if err != nil {
			t.Fatal(err)
		}
		pages++
		if r.MemberCount != 121 || r.After != after {
			t.Fatalf("page %d: count %d, after %q", pages, r.MemberCount, r.After)
		}
		if len(r.Members) > org.MemberPageSize || (r.NextAfter != "" && len(r.Members) != org.MemberPageSize) {
			t.Fatalf("page %d: %d members, next %q", pages, len(r.Members), r.NextAfter)
		}
		for _, m := range r.Members {
			got = append(got, m.UserID)
		}
		if r.NextAfter == "" {
			break
		}
		after = r.NextAfter
		if pages > 5 {
			t.Fatal("no last page")
		}
	}
	if pages != 3 || !slices.Equal(got, want) {
		t.Fatalf("%d pages; got %d members %v…, want %d %v…", pages, len(got), got[:3], len(want), want[:3])
	}

	r, err := s.ViewRoster(ctx, actor, emp.ID, org.MemberPage{UserID: want[70]})
	if err != nil || len(r.Members) != 1 || r.Members[0].UserID != want[70] {
		t.Fatalf("one member: %v %+v", err, r)
	}
	for _, bad := range []string{"not-a-uuid", "00000000-0000-0000-0000-000000000000"} {
		r, err = s.ViewRoster(ctx, actor, emp.ID, org.MemberPage{After: bad})
		if err != nil || len(r.Members) != 0 || r.MemberCount != 121 {
			t.Fatalf("after %q: %v, %d members", bad, err, len(r.Members))
		}
	}
	// The last member of page 1 leaves: page 2 starts where it did.
	if err := db.Gorm.Exec(`DELETE FROM memberships WHERE org_id = ? AND user_id = ?`, emp.ID, want[49]).Error; err != nil {
		t.Fatal(err)
	}
	r, err = s.ViewRoster(ctx, actor, emp.ID, org.MemberPage{After: want[49]})
	if err != nil || len(r.Members) == 0 || r.Members[0].UserID != want[50] {
		t.Fatalf("after a removed member: %v %s", err, fmt.Sprint(r.Members))
	}
	// The count is kept with every change (migration 00052): removed
	// above, moved between organisations, removed with their account.
	count := func(when string, want int) {
		t.Helper()
		r, err := s.ViewRoster(ctx, actor, emp.ID, org.MemberPage{})
		if err != nil || r.MemberCount != want {
			t.Fatalf("%s: %v, count %d, want %d", when, err, r.MemberCount, want)
		}
	}
	count("one removed", 120)
	if err := db.Gorm.Exec(`UPDATE memberships SET org_id = ? WHERE org_id = ? AND user_id IN (SELECT user_id FROM memberships WHERE org_id = ? AND role = 'member' LIMIT 7)`,
		other.ID, emp.ID, emp.ID).Error; err != nil {
		t.Fatal(err)
	}
	count("seven moved out", 113)
	if err := db.Gorm.Exec(`DELETE FROM users WHERE id IN (SELECT user_id FROM memberships WHERE org_id = ? AND role = 'member' LIMIT 3)`, emp.ID).Error; err != nil {
		t.Fatal(err)
	}
	count("three accounts removed", 110)
	var kept, recount int
	db.Gorm.Raw(`SELECT members FROM org_member_counts WHERE org_id = ?`, other.ID).Row().Scan(&kept)
	db.Gorm.Raw(`SELECT count(*) FROM memberships WHERE org_id = ?`, other.ID).Row().Scan(&recount)
	if kept != recount || kept != 37 {
		t.Fatalf("the other organisation: kept %d, recount %d, want 37", kept, recount)
	}
	if err := s.RecountMembers(ctx); err != nil {
		t.Fatal(err)
	}
	count("after RecountMembers", 110)
}
