package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"

	"gorm.io/gorm"

	"takumi/internal/config"
	"takumi/internal/xapi"
)

// The demo LRS client (issue 17): read and write on the demo employer's
// learning record store, so xAPI software can be tried against /xapi/.

const demoLRSKey = "lrs_demo_employer"

// demoLRSSecret derives the demo client's secret from the demo password, so
// every run of `takumi demo` prints the same one without storing it.
func demoLRSSecret(password string) string {
	sum := sha256.Sum256([]byte("takumi demo LRS client\x00" + password))
	return hex.EncodeToString(sum[:16])
}

func ensureDemoLRSClient(ctx context.Context, tx *gorm.DB, employerID, password string) error {
	return xapi.EnsureClient(ctx, tx, employerID, "Demo LRS client", demoLRSKey, demoLRSSecret(password), xapi.V200)
}

func printDemoLRSClient(out io.Writer, cfg config.Config, password string) {
	fmt.Fprintf(out, "xAPI LRS (the demo employer's): endpoint %s/xapi/  key %s  secret %s\n",
		cfg.BaseURL, demoLRSKey, demoLRSSecret(password))
}
