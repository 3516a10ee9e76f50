package bulkenrol

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"takumi/internal/apperr"
	"takumi/internal/audit"
	"time"

	"github.com/riverqueue/river"
	"gorm.io/gorm"
)

// ImportArgs is the River job that runs one import.
type ImportArgs struct {
	ImportID string `json:"import_id"`
}

// Kind is River's job kind for ImportArgs.
func (ImportArgs) Kind() string { return "bulk_enrol" }

// InsertOpts: a few attempts; the job resumes where it stopped.
func (ImportArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 3} }

// Worker runs bulk enrolment imports.
type Worker struct {
	river.WorkerDefaults[ImportArgs]
	Service *Service
}

// Work runs the import; on its last failed attempt the import is marked
// failed so the page stops waiting.
func (w *Worker) Work(ctx context.Context, job *river.Job[ImportArgs]) error {
	err := w.Service.RunImport(ctx, job.Args.ImportID)
	if err != nil && job.Attempt >= job.MaxAttempts {
		w.Service.failImport(context.WithoutCancel(ctx), job.Args.ImportID, "bulk.err_job_failed")
	}
	return err
}

// Timeout allows a large file the time it needs (River's default is a minute).
func (w *Worker) Timeout(*river.Job[ImportArgs]) time.Duration { return 30 * time.Minute }

// StartImport queues the real run of a file that passed its dry run, in
// one transaction with the enrolment_imports row and an audit entry.
// Starting the same file while its import is still queued or running
// returns that import. Errors: not_found (not an admin, or no such file:
// "bulk.err_file_gone"), conflict ("bulk.err_has_errors").
func (b *Service) StartImport(ctx context.Context, actor Actor, orgID, shaHex string) (*Import, error) {
	var imp Import
	err := b.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := requireBulkAdmin(ctx, tx, actor.UserID, orgID); err != nil {
			return err
		}
		// Serialise starts per organisation, so a double click starts one import.
		if err := tx.Exec(`SELECT pg_advisory_xact_lock(hashtext('bulk-import:' || ?))`, orgID).Error; err != nil {
			return err
		}
		f, err := b.storedFile(ctx, tx, orgID, shaHex)
		if err != nil {
			return err
		}
		if f.ErrorCount > 0 {
			return apperr.New(apperr.Conflict, "bulk.err_has_errors")
		}
		sum, _ := hex.DecodeString(shaHex)
		var running []Import
		if err := tx.Where("org_id = ? AND sha256 = ? AND status IN ?", orgID, sum, []string{ImportQueued, ImportRunning}).
			Limit(1).Find(&running).Error; err != nil {
			return err
		}
		if len(running) > 0 {
			imp = running[0]
			return nil
		}
		imp = Import{OrgID: orgID, CreatedBy: &actor.UserID, Filename: f.Filename, Sha256: sum, Status: ImportQueued, TotalRows: f.TotalRows}
		if err := tx.Raw(`INSERT INTO enrolment_imports (org_id, created_by, filename, sha256, status, total_rows)
			VALUES (?, ?, ?, ?, 'queued', ?) RETURNING id, created_at`,
			orgID, actor.UserID, f.Filename, sum, f.TotalRows).Row().Scan(&imp.ID, &imp.CreatedAt); err != nil {
			return err
		}
		if _, err := b.jobs.InsertTx(ctx, tx, ImportArgs{ImportID: imp.ID}, nil); err != nil {
			return fmt.Errorf("queue bulk import: %w", err)
		}
		return audit.Record(ctx, tx, audit.Entry{ActorID: actor.UserID, Action: "learning.bulk_import_started",
			TargetType: "enrolment_import", TargetID: imp.ID, OrgID: orgID, IP: actor.IP,
			Details: map[string]any{"filename": f.Filename, "rows": f.TotalRows, "sha256": shaHex}})
	})
	if err != nil {
		return nil, apperr.Coded(err)
	}
	return &imp, nil
}

// Import returns one import of the organisation. SECURITY: another
// organisation's import is not_found. Errors: not_found.
func (b *Service) Import(ctx context.Context, actor Actor, orgID, importID string) (*Import, error) {
	if err := requireBulkAdmin(ctx, b.db, actor.UserID, orgID); err != nil {
		return nil, err
	}
	if !validID(importID) {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	var imp Import
	err := b.db.WithContext(ctx).Where("id = ? AND org_id = ?", importID, orgID).Take(&imp).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, apperr.New(apperr.NotFound, "error.not_found")
	}
	if err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	return &imp, nil
}

// Imports lists the organisation's latest imports, newest first. Errors:
// not_found (not an admin of the organisation).
func (b *Service) Imports(ctx context.Context, actor Actor, orgID string, limit int) ([]Import, error) {
	if err := requireBulkAdmin(ctx, b.db, actor.UserID, orgID); err != nil {
		return nil, err
	}
	var out []Import
	if err := b.db.WithContext(ctx).Where("org_id = ?", orgID).Order("created_at DESC").Limit(limit).Find(&out).Error; err != nil {
		return nil, apperr.Wrap(apperr.Internal, "error.internal", err)
	}
	return out, nil
}

func (b *Service) failImport(ctx context.Context, importID, key string) {
	_ = b.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		res := tx.Exec(`UPDATE enrolment_imports SET status = 'failed', error = ?, finished_at = now()
			WHERE id = ? AND status IN ('queued', 'running')`, key, importID)
		if res.Error != nil || res.RowsAffected == 0 || b.onFinished == nil {
			return res.Error
		}
		var failed Import
		if err := tx.Where("id = ?", importID).Take(&failed).Error; err != nil {
			return err
		}
		return b.onFinished(ctx, tx, failed)
	})
}

// FinishedHook runs inside the transaction that ends an import, done or
// failed (the integration API's bulk.finished webhook, issue 19).
type FinishedHook func(ctx context.Context, tx *gorm.DB, imp Import) error

// OnFinished sets the hook run when an import ends.
func (b *Service) OnFinished(h FinishedHook) { b.onFinished = h }

// RunImport carries out an import (the job's body). It checks the file
// again (courses or cohorts may have changed since the dry run: any problem
// fails the import before anything is written), then applies it in
// batches of bulkBatchRows rows, one short transaction each, recording
// progress in the same transaction; a retried job resumes after the last
// committed batch, so each row is applied once.
func (b *Service) RunImport(ctx context.Context, importID string) error {
	if !validID(importID) {
		return nil
	}
	var imp Import
	if err := b.db.WithContext(ctx).Where("id = ?", importID).Take(&imp).Error; err != nil {
		if errors.Is(err, gorm.ErrRecordNotFound) {
			return nil
		}
		return err
	}
	if imp.Finished() {
		return nil
	}
	var f storedFile
	if err := b.db.WithContext(ctx).Raw(`SELECT filename, content, total_rows, error_count FROM enrolment_import_files WHERE org_id = ? AND sha256 = ?`,
		imp.OrgID, imp.Sha256).Scan(&f).Error; err != nil {
		return err
	}
	if f.Content == nil {
		b.failImport(ctx, importID, "bulk.err_file_gone")
		return nil
	}
	conn, err := b.pool.Acquire(ctx)
	if err != nil {
		return err
	}
	defer func() {
		if _, err := conn.Exec(context.WithoutCancel(ctx), `DROP TABLE IF EXISTS pg_temp.bulk_rows, pg_temp.bulk_courses, pg_temp.bulk_errors`); err != nil {
			conn.Conn().Close(context.WithoutCancel(ctx)) // never hand back a session with leftovers
		}
		conn.Release()
	}()
	rep, rows, err := b.checkFile(ctx, conn, imp.OrgID, f.Content)
	if err != nil {
		if apperr.Is(err, apperr.Invalid) {
			b.failImport(ctx, importID, "bulk.err_revalidation")
			return nil
		}
		return err
	}
	if !rep.OK() {
		b.failImport(ctx, importID, "bulk.err_revalidation")
		return nil
	}
	if _, err := conn.Exec(ctx, `UPDATE enrolment_imports SET status = 'running', total_rows = $2 WHERE id = $1`, importID, len(rows)); err != nil {
		return err
	}
	o, err := b.orgForMail(ctx, imp)
	if err != nil {
		return err
	}
	for start := imp.Processed; start < len(rows); start += bulkBatchRows {
		end := min(start+bulkBatchRows, len(rows))
		if err := b.applyBatch(ctx, conn, imp, o, start, end); err != nil {
			return err
		}
	}
	now := b.now()
	if err := b.db.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := tx.Exec(`UPDATE enrolment_imports SET status = 'done', finished_at = ?, processed = total_rows WHERE id = ?`, now, importID).Error; err != nil {
			return err
		}
		// The file holds personal data: it goes once it has been applied.
		if err := tx.Exec(`DELETE FROM enrolment_import_files WHERE org_id = ? AND sha256 = ?`, imp.OrgID, imp.Sha256).Error; err != nil {
			return err
		}
		var done Import
		if err := tx.Where("id = ?", importID).Take(&done).Error; err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, audit.Entry{ActorID: deref(imp.CreatedBy), Action: "learning.bulk_import_done",
			TargetType: "enrolment_import", TargetID: importID, OrgID: imp.OrgID,
			Details: map[string]any{"rows": done.TotalRows, "enrolled": done.Enrolled, "invited": done.Invited, "unchanged": done.Unchanged}}); err != nil {
			return err
		}
		if b.onFinished == nil {
			return nil
		}
		return b.onFinished(ctx, tx, done)
	}); err != nil {
		return err
	}
	return nil
}
