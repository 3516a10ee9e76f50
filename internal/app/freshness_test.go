package app_test

import (
	"context"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/google/uuid"
	"gorm.io/gorm"

	"takumi/internal/app"
	"takumi/internal/config"
	"takumi/internal/dbtest"
	"takumi/internal/learning"
)

// TestNewCredentialReachesNationalNumbers: with the app's workers running
// (the progress engine is a River periodic job), a credential issued now is
// counted in the national rollups within 10 seconds.
func TestNewCredentialReachesNationalNumbers(t *testing.T) {
	db := dbtest.New(t)
	cfg := config.Config{Env: config.EnvDevelopment, BaseURL: "http://127.0.0.1", DataDir: t.TempDir(),
		LoginMaxFailures: 5, LoginLockDuration: time.Minute, LoginIPLimit: 50, LoginIPWindow: time.Minute, DisclosureK: 10}
	a, err := app.New(cfg, db, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := a.StartWorkers(ctx); err != nil {
		t.Fatal(err)
	}
	defer func() {
		sctx, c := context.WithTimeout(context.Background(), 10*time.Second)
		defer c()
		_ = a.StopWorkers(sctx)
	}()
	g := db.Gorm
	var provider, course, user, programme string
	g.Raw(`INSERT INTO organisations (name_ja, kind) VALUES ('鮮度テスト機関', 'provider') RETURNING id`).Row().Scan(&provider)
	g.Raw(`INSERT INTO courses (provider_id, code, status, skill_area_code) VALUES (?, 'fresh', 'published', 'ai_data') RETURNING id`, provider).Row().Scan(&course)
	g.Raw(`INSERT INTO users (email, password_hash, display_name, prefecture_code, privacy_notice_version, consented_at)
		VALUES ('fresh@example.jp', 'x', '受講者', '13', '2026-11', now()) RETURNING id`).Row().Scan(&user)
	g.Raw(`INSERT INTO programmes (code, name_ja, name_en, target, starts_on, ends_on, flagship, skill_areas)
		VALUES ('fresh', 'テスト', 'Test', 100, '2026-01-01', '2030-12-31', true, '{ai_data}') RETURNING id`).Row().Scan(&programme)

	issued := time.Now()
	if err := g.Transaction(func(tx *gorm.DB) error {
		return learning.AppendEvent(ctx, tx, learning.Event{Type: learning.EventCredentialIssued, UserID: user, CourseID: course,
			Details: map[string]any{"credential_id": uuid.NewString()}})
	}); err != nil {
		t.Fatal(err)
	}
	for {
		var n int64
		g.Raw(`SELECT coalesce(sum(learners), 0) FROM progress_rollup WHERE programme_id = ? AND d1 = '' AND d2 = ''`, programme).Scan(&n)
		if n == 1 {
			t.Logf("counted %s after the credential was issued", time.Since(issued).Round(time.Millisecond))
			return
		}
		if time.Since(issued) > 10*time.Second {
			t.Fatal("the credential was not counted within 10 seconds")
		}
		time.Sleep(100 * time.Millisecond)
	}
}
