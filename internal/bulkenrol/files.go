package bulkenrol

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"takumi/internal/apperr"
	"unicode/utf8"

	"gorm.io/gorm"
)

// DryRun checks a CSV file for orgID without changing anything: every row
// is validated and every problem reported with its line, and the report
// says what the real run would do. The file is kept (keyed by its SHA-256,
// for a day) so that the real run uses exactly the file that was checked.
// Errors: not_found (not an admin of the organisation), invalid (field
// "file": bulk.err_too_large, bulk.err_encoding, bulk.err_empty,
// bulk.err_no_rows, bulk.err_too_many_rows).
func (b *Service) DryRun(ctx context.Context, actor Actor, orgID, filename string, data []byte) (*Report, error) {
	if err := requireBulkAdmin(ctx, b.db, actor.UserID, orgID); err != nil {
		return nil, err
	}
	rep, err := b.check(ctx, orgID, data)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(data)
	rep.SHA256 = hex.EncodeToString(sum[:])
	rep.Filename = cleanFilename(filename)
	err = b.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// Old files that no import is waiting for are removed.
		if err := tx.Exec(`DELETE FROM enrolment_import_files f WHERE created_at < ? AND NOT EXISTS (
			SELECT 1 FROM enrolment_imports i WHERE i.org_id = f.org_id AND i.sha256 = f.sha256 AND i.status IN ('queued', 'running'))`,
			b.now().Add(-bulkFileTTL)).Error; err != nil {
			return err
		}
		return tx.Exec(`INSERT INTO enrolment_import_files (org_id, sha256, filename, content, total_rows, error_count)
			VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (org_id, sha256) DO UPDATE SET filename = EXCLUDED.filename, total_rows = EXCLUDED.total_rows,
				error_count = EXCLUDED.error_count, created_at = now()`,
			orgID, sum[:], rep.Filename, data, rep.Rows, len(rep.Errors)).Error
	})
	if err != nil {
		return nil, apperr.Coded(err)
	}
	return rep, nil
}

// check runs the checks in a transaction that is rolled back: the staging
// tables vanish with it and nothing is written.
func (b *Service) check(ctx context.Context, orgID string, data []byte) (*Report, error) {
	tx, err := b.pool.Begin(ctx)
	if err != nil {
		return nil, apperr.Coded(err)
	}
	defer tx.Rollback(context.WithoutCancel(ctx))
	rep, _, err := b.checkFile(ctx, tx, orgID, data)
	if err != nil {
		return nil, apperr.Coded(err)
	}
	return rep, nil
}

// StoredReport checks again a file kept by an earlier dry run (for the
// download of every error). Errors: not_found (unknown file, or not an
// admin of the organisation).
func (b *Service) StoredReport(ctx context.Context, actor Actor, orgID, shaHex string) (*Report, error) {
	if err := requireBulkAdmin(ctx, b.db, actor.UserID, orgID); err != nil {
		return nil, err
	}
	f, err := b.storedFile(ctx, b.db, orgID, shaHex)
	if err != nil {
		return nil, err
	}
	rep, err := b.check(ctx, orgID, f.Content)
	if err != nil {
		return nil, err
	}
	rep.SHA256, rep.Filename = shaHex, f.Filename
	return rep, nil
}

type storedFile struct {
	Filename   string
	Content    []byte
	TotalRows  int
	ErrorCount int
}

func (b *Service) storedFile(ctx context.Context, db *gorm.DB, orgID, shaHex string) (*storedFile, error) {
	sum, err := hex.DecodeString(shaHex)
	if err != nil || len(sum) != sha256.Size {
		return nil, apperr.New(apperr.NotFound, "bulk.err_file_gone")
	}
	var f storedFile
	err = db.WithContext(ctx).Raw(`SELECT filename, content, total_rows, error_count FROM enrolment_import_files
		WHERE org_id = ? AND sha256 = ?`, orgID, sum).Scan(&f).Error
	if err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	if f.Content == nil {
		return nil, apperr.New(apperr.NotFound, "bulk.err_file_gone")
	}
	return &f, nil
}

func cleanFilename(name string) string {
	name = strings.TrimSpace(name)
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	if utf8.RuneCountInString(name) > 200 {
		name = string([]rune(name)[:200])
	}
	if name == "" {
		name = "enrolments.csv"
	}
	return name
}
