// Package doctor checks a deployment, for example after a restore from
// backup: the database answers and accepts writes, its schema is what this
// binary expects, the audit chain is intact, the keyring verifies the
// credentials stored in the database, the base URL gives the DID those
// credentials name, and every uploaded file the database refers to is in
// storage. `takumi doctor` prints each check and exits non-zero when one
// fails. It never changes anything: no migration, no generated key.
package doctor

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/pressly/goose/v3"

	"takumi/internal/audit"
	"takumi/internal/credential"
	"takumi/internal/database"
	"takumi/internal/i18n"
	"takumi/internal/storage"
	"takumi/migrations"
)

// Check is the outcome of one check.
type Check struct {
	Name   string
	OK     bool
	Detail string
}

// Options say what to check.
type Options struct {
	DB       *database.DB
	Keys     credential.KeySource
	BaseURL  string
	MediaDir string // where uploaded files live (TAKUMI_DATA_DIR/media)
	// Files, when set, is the configured media backend (issue 13: s3 or
	// azblob), checked instead of MediaDir.
	Files    storage.Backend
	Sample   int // credentials to verify (default 50: the newest and the oldest halves)
	Messages *i18n.Catalog
}

// Run runs every check in order. A check whose input is missing (no
// database) fails with that reason rather than being left out.
func Run(ctx context.Context, o Options) []Check {
	if o.Sample <= 0 {
		o.Sample = 50
	}
	var out []Check
	add := func(name string, err error, ok string) {
		c := Check{Name: name, OK: err == nil, Detail: ok}
		if err != nil {
			c.Detail = err.Error()
		}
		out = append(out, c)
	}
	dbErr := checkDatabase(ctx, o.DB)
	add("database reachable and writable", dbErr, "answers and accepts writes")
	if dbErr != nil && !database.IsReadOnly(dbErr) {
		for _, n := range []string{"migrations current", "audit chain intact", "keyring verifies stored credentials",
			"base URL matches the credentials' DID", "referenced media in storage"} {
			out = append(out, Check{Name: n, Detail: "not checked: the database does not answer"})
		}
		return out
	}
	detail, err := checkMigrations(ctx, o.DB)
	add("migrations current", err, detail)
	detail, err = checkAudit(ctx, o.DB)
	add("audit chain intact", err, detail)
	creds, err := sampleCredentials(ctx, o.DB, o.Sample)
	if err != nil {
		add("keyring verifies stored credentials", err, "")
		add("base URL matches the credentials' DID", err, "")
	} else {
		detail, err = checkKeyring(ctx, o, creds)
		add("keyring verifies stored credentials", err, detail)
		detail, err = checkDID(o.BaseURL, creds)
		add("base URL matches the credentials' DID", err, detail)
	}
	detail, err = checkMedia(ctx, o.DB, o.MediaDir, o.Files)
	add("referenced media in storage", err, detail)
	return out
}

// Failed reports whether any check failed.
func Failed(checks []Check) bool {
	for _, c := range checks {
		if !c.OK {
			return true
		}
	}
	return false
}

// Print writes one line per check: "ok" or "FAIL", its name and detail.
func Print(w io.Writer, checks []Check) {
	for _, c := range checks {
		mark := "ok  "
		if !c.OK {
			mark = "FAIL"
		}
		fmt.Fprintf(w, "%s  %-40s %s\n", mark, c.Name, c.Detail)
	}
}

func checkDatabase(ctx context.Context, db *database.DB) error {
	if db == nil {
		return errors.New("no database connection")
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := db.Writable(ctx); err != nil {
		if database.IsReadOnly(err) {
			return errors.New("the database is read-only (a standby not yet promoted, or default_transaction_read_only): promote it or point DATABASE_URL at the primary")
		}
		return fmt.Errorf("cannot reach the database: %w", err)
	}
	return nil
}

func checkMigrations(ctx context.Context, db *database.DB) (string, error) {
	p, err := goose.NewProvider(goose.DialectPostgres, db.SQL, migrations.FS)
	if err != nil {
		return "", err
	}
	current, target, err := p.GetVersions(ctx)
	if err != nil {
		return "", fmt.Errorf("read the schema version: %w", err)
	}
	pending, err := p.HasPending(ctx)
	if err != nil {
		return "", err
	}
	switch {
	case current > target:
		return "", fmt.Errorf("the database is at migration %d, newer than this binary's %d: run the release the backup was taken with, or a newer one", current, target)
	case pending:
		return "", fmt.Errorf("the database is at migration %d, this binary has up to %d: `takumi migrate` (or `takumi serve`) applies them", current, target)
	}
	return fmt.Sprintf("schema at migration %d", current), nil
}

func checkAudit(ctx context.Context, db *database.DB) (string, error) {
	res, err := audit.Verify(ctx, db.Gorm)
	if err != nil {
		return "", err
	}
	if res.BadID != 0 {
		return "", fmt.Errorf("broken at row %d: %s (%d rows verified before it)", res.BadID, res.Reason, res.Checked)
	}
	return fmt.Sprintf("%d rows, hash chain intact", res.Checked), nil
}

// sampleCredentials reads the newest and the oldest stored credentials
// (half each): the oldest were signed by the earliest keys, which a keyring
// restored from an old backup is most likely to miss.
func sampleCredentials(ctx context.Context, db *database.DB, n int) ([]credential.Credential, error) {
	var out []credential.Credential
	// (SELECT * FROM credentials ORDER BY issued_at DESC LIMIT n/2) UNION (... ASC ...)
	err := db.Gorm.WithContext(ctx).Raw(`(SELECT * FROM credentials ORDER BY issued_at DESC LIMIT ?)
		UNION (SELECT * FROM credentials ORDER BY issued_at LIMIT ?)`, (n+1)/2, n/2).Scan(&out).Error
	return out, err
}

// loadKeys reads the keyring as `takumi serve` would, except that it never
// generates one: a missing development keyring is a failure here.
func loadKeys(src credential.KeySource) (*credential.Keyring, error) {
	if src.File == "" && src.Seed == "" && src.Development {
		path, err := src.KeyringPath()
		if err != nil {
			return nil, err
		}
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("no keyring at %s (serve would generate a new one, and no stored credential would verify): restore the keyring file from the backup", path)
		}
	}
	return credential.LoadKeys(src, time.Now())
}

func checkKeyring(ctx context.Context, o Options, creds []credential.Credential) (string, error) {
	keys, err := loadKeys(o.Keys)
	if err != nil {
		return "", err
	}
	if len(creds) == 0 {
		return fmt.Sprintf("no credentials stored yet; active key %s", keys.Active().ID), nil
	}
	// Verify each credential against the DID it names, so a wrong base URL
	// (the next check) does not hide what the keyring can do.
	services := map[string]*credential.Service{}
	var problems []string
	missing := map[string]int{}
	for i := range creds {
		c := &creds[i]
		did := credential.PresentedIssuer([]byte(c.Document))
		svc, ok := services[did]
		if !ok {
			base, err := baseURLOfDID(did)
			if err == nil {
				svc, err = credential.NewService(o.DB.Gorm, keys, base, o.Messages)
			}
			if err != nil {
				return "", fmt.Errorf("credential %s: issuer %q: %w", c.ID, did, err)
			}
			services[did] = svc
		}
		r := svc.VerifyStored(ctx, c)
		keyMissing := false
		for _, ch := range r.Checks {
			// A key the keyring does not hold is not listed in the DID
			// document either: the issuer check says so and the signature
			// is not checked.
			if ch.Name == credential.CheckIssuer && !ch.OK && ch.Detail == "credential.detail.key_not_listed" {
				missing[c.KeyID]++
				keyMissing = true
			}
		}
		for _, ch := range r.Checks {
			if ch.Name != credential.CheckSignature || ch.OK || ch.Skipped {
				continue
			}
			switch ch.Detail {
			case "credential.detail.unknown_key":
				missing[c.KeyID]++
			case "credential.detail.signature_mismatch":
				problems = append(problems, fmt.Sprintf("credential %s: key %s in the keyring does not verify its signature (a different key under the same id?)", c.ID, c.KeyID))
			default:
				problems = append(problems, fmt.Sprintf("credential %s: %s", c.ID, ch.Detail))
			}
		}
		for _, ch := range r.Checks {
			if ch.Name == credential.CheckSignature && ch.Skipped && !keyMissing {
				problems = append(problems, fmt.Sprintf("credential %s: signature not checked (%s)", c.ID, firstFailure(r)))
			}
		}
	}
	if len(missing) > 0 {
		ids := make([]string, 0, len(missing))
		n := 0
		for id, k := range missing {
			ids = append(ids, id)
			n += k
		}
		sort.Strings(ids)
		problems = append([]string{fmt.Sprintf("%d of %d sampled credentials were signed by key(s) %s, which this keyring does not hold: wrong or outdated keyring file (restore the one from the backup)",
			n, len(creds), strings.Join(ids, ", "))}, problems...)
	}
	if len(problems) > 0 {
		return "", errors.New(strings.Join(problems, "; "))
	}
	return fmt.Sprintf("%d sampled credentials verify; active key %s", len(creds), keys.Active().ID), nil
}

func firstFailure(r *credential.Report) string {
	for _, ch := range r.Checks {
		if !ch.OK && !ch.Skipped {
			return ch.Name + ": " + ch.Detail
		}
	}
	return "unknown"
}

func checkDID(baseURL string, creds []credential.Credential) (string, error) {
	want, err := credential.DIDWeb(baseURL)
	if err != nil {
		return "", fmt.Errorf("TAKUMI_BASE_URL: %w", err)
	}
	others := map[string]int{}
	for _, c := range creds {
		if did := credential.PresentedIssuer([]byte(c.Document)); did != want {
			others[did]++
		}
	}
	if len(others) > 0 {
		var list []string
		for did, n := range others {
			list = append(list, fmt.Sprintf("%s (%d)", did, n))
		}
		sort.Strings(list)
		return "", fmt.Errorf("TAKUMI_BASE_URL %s gives %s, but sampled credentials name %s: set TAKUMI_BASE_URL to the original address, or they show as issued by someone else",
			baseURL, want, strings.Join(list, ", "))
	}
	return fmt.Sprintf("%s, as in the %d sampled credentials", want, len(creds)), nil
}

func checkMedia(ctx context.Context, db *database.DB, dir string, backend storage.Backend) (string, error) {
	var rows []struct {
		StorageKey string
		SizeBytes  int64
	}
	// SELECT storage_key, size_bytes FROM media
	if err := db.Gorm.WithContext(ctx).Raw(`SELECT storage_key, size_bytes FROM media ORDER BY created_at`).Scan(&rows).Error; err != nil {
		return "", err
	}
	if len(rows) == 0 {
		return "no uploaded media referenced", nil
	}
	var files storage.Storage = backend
	if backend == nil {
		d, err := storage.NewDir(dir)
		if err != nil {
			return "", err
		}
		files = d
	} else if backend.Name() != "dir" {
		dir = backend.Name() + " storage"
	}
	var missing, wrong []string
	for _, m := range rows {
		f, err := files.Open(ctx, m.StorageKey)
		if err != nil {
			missing = append(missing, m.StorageKey)
			continue
		}
		size, err := f.Seek(0, io.SeekEnd)
		f.Close()
		if err != nil || size != m.SizeBytes {
			wrong = append(wrong, m.StorageKey)
		}
	}
	if len(missing)+len(wrong) > 0 {
		return "", fmt.Errorf("%d of %d files missing from %s%s%s: restore the media backup", len(missing)+len(wrong), len(rows), dir,
			listSome(" (missing: ", missing), listSome(" (wrong size: ", wrong))
	}
	return fmt.Sprintf("all %d files present in %s", len(rows), dir), nil
}

func listSome(prefix string, keys []string) string {
	if len(keys) == 0 {
		return ""
	}
	if len(keys) > 5 {
		return prefix + strings.Join(keys[:5], ", ") + ", …)"
	}
	return prefix + strings.Join(keys, ", ") + ")"
}
