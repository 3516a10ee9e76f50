package main

import (
	"bytes"
	"context"
	"errors"
	"regexp"
	"strings"
	"testing"

	"takumi/internal/config"
	"takumi/internal/database"
	"takumi/internal/dbtest"
	"takumi/internal/seed"
)

// seedAnalystRow is what the database holds of the bench analyst.
type seedAnalystRow struct {
	Users, Memberships, Analysts, Ministries, TOTPOn int64
	Secret                                           string
}

func seedAnalystState(t *testing.T, db *database.DB) seedAnalystRow {
	t.Helper()
	var r seedAnalystRow
	err := db.Gorm.Raw(`SELECT
		(SELECT count(*) FROM users WHERE email = @email) AS users,
		(SELECT count(*) FROM memberships m JOIN users u ON u.id = m.user_id WHERE u.email = @email) AS memberships,
		(SELECT count(*) FROM memberships m JOIN users u ON u.id = m.user_id JOIN organisations o ON o.id = m.org_id
		   WHERE u.email = @email AND m.analyst AND o.kind = 'ministry' AND o.name_ja = @org) AS analysts,
		(SELECT count(*) FROM organisations WHERE name_ja = @org) AS ministries,
		(SELECT count(*) FROM users WHERE email = @email AND totp_enabled_at IS NOT NULL) AS totp_on,
		coalesce((SELECT totp_secret FROM users WHERE email = @email), '') AS secret`,
		map[string]any{"email": seed.BenchAnalystEmail, "org": seed.BenchMinistryNameJa}).Scan(&r).Error
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestSeedAnalystCommand runs `takumi seed analyst` and `takumi seed
// analyst --drop` against a fresh database: the first makes one ministry
// and one analyst member with two-factor sign-in and prints its
// credentials, a second run keeps the rows and prints a new secret, the
// drop removes both; in production the command refuses before touching
// the database.
func TestSeedAnalystCommand(t *testing.T) {
	db := dbtest.New(t)
	url := dbtest.URL(t, db)
	cfg, err := config.Load()
	if err != nil {
		t.Fatal(err)
	}
	cfg.Env = config.EnvDevelopment
	cfg.DemoPassword = "bench-analyst-password"
	ctx := context.Background()
	kv := regexp.MustCompile(`(?m)^(email|password|totp_secret|organisation)=(.*)$`)
	create := func() map[string]string {
		t.Helper()
		var out bytes.Buffer
		if err := runSeedAnalyst(ctx, cfg, []string{"--database-url", url}, &out); err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, m := range kv.FindAllStringSubmatch(out.String(), -1) {
			got[m[1]] = m[2]
		}
		if got["email"] != seed.BenchAnalystEmail || got["password"] != cfg.DemoPassword || len(got["totp_secret"]) < 16 ||
			got["organisation"] != seed.BenchMinistryNameJa {
			t.Fatalf("printed %q", out.String())
		}
		return got
	}

	t.Run("Create", func(t *testing.T) {
		first := create()
		st := seedAnalystState(t, db)
		if st != (seedAnalystRow{Users: 1, Memberships: 1, Analysts: 1, Ministries: 1, TOTPOn: 1, Secret: first["totp_secret"]}) {
			t.Fatalf("after create: %+v", st)
		}
		second := create()
		if second["totp_secret"] == first["totp_secret"] {
			t.Error("a second run printed the same two-factor secret")
		}
		st = seedAnalystState(t, db)
		if st != (seedAnalystRow{Users: 1, Memberships: 1, Analysts: 1, Ministries: 1, TOTPOn: 1, Secret: second["totp_secret"]}) {
			t.Fatalf("after a second create: %+v", st)
		}
	})
	t.Run("Drop", func(t *testing.T) {
		var out bytes.Buffer
		if err := runSeedAnalyst(ctx, cfg, []string{"--drop", "--database-url", url}, &out); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(out.String(), "removed "+seed.BenchAnalystEmail) {
			t.Errorf("printed %q", out.String())
		}
		if st := seedAnalystState(t, db); st != (seedAnalystRow{}) {
			t.Fatalf("after drop: %+v", st)
		}
		out.Reset()
		if err := runSeedAnalyst(ctx, cfg, []string{"--drop", "--database-url", url}, &out); err != nil || !strings.Contains(out.String(), "nothing to remove") {
			t.Fatalf("a second drop: %v %q", err, out.String())
		}
	})
	t.Run("ErrProduction", func(t *testing.T) {
		prod := cfg
		prod.Env = config.EnvProduction
		for _, args := range [][]string{{"--database-url", url}, {"--drop", "--database-url", url}} {
			var out bytes.Buffer
			if err := runSeedAnalyst(ctx, prod, args, &out); !errors.Is(err, seed.ErrProduction) {
				t.Errorf("%v in production: %v, want seed.ErrProduction", args, err)
			}
			if out.Len() > 0 {
				t.Errorf("%v in production printed %q", args, out.String())
			}
		}
		if st := seedAnalystState(t, db); st != (seedAnalystRow{}) {
			t.Fatalf("production run wrote: %+v", st)
		}
		// The domain functions refuse too, whoever calls them.
		if _, err := seed.CreateBenchAnalyst(ctx, db.Gorm, config.EnvProduction, ""); !errors.Is(err, seed.ErrProduction) {
			t.Errorf("seed.CreateBenchAnalyst in production: %v", err)
		}
		if _, err := seed.DropBenchAnalyst(ctx, db.Gorm, config.EnvProduction); !errors.Is(err, seed.ErrProduction) {
			t.Errorf("seed.DropBenchAnalyst in production: %v", err)
		}
	})
}
