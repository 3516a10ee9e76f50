package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"takumi/internal/apiclient"
	"takumi/internal/config"
	"takumi/internal/database"
)

// demoAPIClientName is the demo employer's API client (issue 19).
const demoAPIClientName = "デモ人事システム"

// loadDemoAPIClient gives the demo employer an API client with every scope
// and prints its id and secret. Only the secret's hash is in the database,
// so the secret is kept beside the demo password in the data directory
// (development only: demo data is refused in production); when that file
// is gone, the client gets a new secret.
func loadDemoAPIClient(ctx context.Context, cfg config.Config, db *database.DB, out io.Writer) error {
	var orgID string
	if err := db.Gorm.WithContext(ctx).Raw(`SELECT id::text FROM organisations WHERE name_ja = ?`, demoOrgs[1].NameJa).Scan(&orgID).Error; err != nil {
		return err
	}
	if orgID == "" {
		return fmt.Errorf("demo employer %q missing", demoOrgs[1].NameJa)
	}
	path := filepath.Join(cfg.DataDir, "demo-api-client-secret")
	known, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	c, secret, err := apiclient.NewService(db.Gorm).EnsureDemoClient(ctx, orgID, demoAPIClientName, strings.TrimSpace(string(known)))
	if err != nil {
		return err
	}
	if secret != strings.TrimSpace(string(known)) {
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return err
		}
		if err := os.WriteFile(path, []byte(secret+"\n"), 0o600); err != nil {
			return err
		}
	}
	fmt.Fprintf(out, "Integration API client of %s (every scope):\n", demoOrgs[1].NameEn)
	fmt.Fprintf(out, "  client_id:     %s\n  client_secret: %s\n", c.ID, secret)
	fmt.Fprintf(out, "  curl -u %s:%s -d grant_type=client_credentials %s/api/v1/oauth/token\n", c.ID, secret, cfg.BaseURL)
	return nil
}
