package org_test

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"testing"

	"takumi/internal/apperr"
	"takumi/internal/dbtest"
	"takumi/internal/org"
)

func pngOf(t *testing.T, w, h int) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewGray(image.Rect(0, 0, w, h))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestSetLogo(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	s := newService(t, db)
	platform := org.Actor{UserID: newUser(t, db, "platform@example.jp", true)}
	adminID := newUser(t, db, "provider-admin@example.jp", false)
	admin := org.Actor{UserID: adminID}
	stranger := org.Actor{UserID: newUser(t, db, "stranger@example.jp", false)}
	prov, err := s.Create(ctx, platform, org.NewOrganisation{NameJa: "研修機関", Kind: org.KindProvider})
	if err != nil {
		t.Fatal(err)
	}
	emp, err := s.Create(ctx, platform, org.NewOrganisation{NameJa: "企業", Kind: org.KindEmployer})
	if err != nil {
		t.Fatal(err)
	}
	db.Gorm.Exec("INSERT INTO memberships (org_id, user_id, role) VALUES (?, ?, 'admin'), (?, ?, 'admin')", prov.ID, adminID, emp.ID, adminID)

	field := func(err error) string {
		e, _ := apperr.As(err)
		if e == nil {
			return ""
		}
		return e.Fields["logo"]
	}
	for name, c := range map[string]struct {
		data []byte
		want string
	}{
		"empty":     {nil, "org.logo_err_empty"},
		"svg":       {[]byte(`<svg xmlns="http://www.w3.org/2000/svg"/>`), "org.logo_err_type"},
		"truncated": {pngOf(t, 10, 10)[:40], "org.logo_err_type"},
		"too big":   {make([]byte, org.LogoMaxBytes+1), "org.logo_err_size"},
		"too tall":  {pngOf(t, 1, org.LogoMaxPixels+1), "org.logo_err_pixels"},
	} {
		if got := field(s.SetLogo(ctx, admin, prov.ID, c.data)); got != c.want {
			t.Errorf("%s: %q, want %q", name, got, c.want)
		}
	}
	if err := s.SetLogo(ctx, stranger, prov.ID, pngOf(t, 4, 4)); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("a stranger: %v, want not_found", err)
	}
	if err := s.SetLogo(ctx, admin, emp.ID, pngOf(t, 4, 4)); !apperr.Is(err, apperr.NotFound) {
		t.Fatalf("an employer's logo: %v, want not_found", err)
	}
	if got, _ := s.Logo(ctx, prov.ID); got != nil {
		t.Fatal("a refused logo was stored")
	}

	for _, a := range []org.Actor{admin, platform} {
		logo := pngOf(t, org.LogoMaxPixels, 2)
		if err := s.SetLogo(ctx, a, prov.ID, logo); err != nil {
			t.Fatal(err)
		}
		if got, _ := s.Logo(ctx, prov.ID); !bytes.Equal(got, logo) {
			t.Fatal("the stored logo differs")
		}
	}
	var n int
	db.Gorm.Raw("SELECT count(*) FROM audit_events WHERE action = 'org.logo_set' AND org_id = ?", prov.ID).Row().Scan(&n)
	if n != 2 {
		t.Fatalf("%d audit entries, want 2", n)
	}
}
