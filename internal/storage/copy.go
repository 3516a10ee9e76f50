package storage

import (
	"context"
	"errors"
	"fmt"
)

// Item is one stored blob to copy: its key and its size as recorded.
type Item struct {
	Key  string
	Size int64
}

// CopyResult counts what Copy did.
type CopyResult struct {
	Copied  int   // blobs written to the destination
	Skipped int   // blobs already there with the right size
	Missing int   // blobs absent from the source (nothing to copy)
	Bytes   int64 // bytes written
}

// Copy copies each item from src to dst under the same key. A blob that
// dst already holds with the recorded size is skipped, so running Copy
// again copies nothing twice, and a run that failed half-way resumes where
// it stopped (a blob whose copy failed is never complete at dst: see
// Backend.PutKey). It stops at the first failure of either store; items
// missing from src are counted and reported at the end. progress, when
// set, is called after each item with what happened ("copied", "skipped",
// "missing").
func Copy(ctx context.Context, src, dst Backend, items []Item, progress func(Item, string)) (CopyResult, error) {
	var res CopyResult
	report := func(it Item, what string) {
		if progress != nil {
			progress(it, what)
		}
	}
	for _, it := range items {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		size, err := dst.Stat(ctx, it.Key)
		if err == nil && size == it.Size {
			res.Skipped++
			report(it, "skipped")
			continue
		}
		if err != nil && !errors.Is(err, ErrNotFound) {
			return res, fmt.Errorf("destination (%s): %s: %w", dst.Name(), it.Key, err)
		}
		f, err := src.Open(ctx, it.Key)
		if errors.Is(err, ErrNotFound) {
			res.Missing++
			report(it, "missing")
			continue
		}
		if err != nil {
			return res, fmt.Errorf("source (%s): %s: %w", src.Name(), it.Key, err)
		}
		err = dst.PutKey(ctx, it.Key, f, it.Size)
		f.Close()
		if err != nil {
			return res, fmt.Errorf("destination (%s): %s: %w", dst.Name(), it.Key, err)
		}
		res.Copied++
		res.Bytes += it.Size
		report(it, "copied")
	}
	if res.Missing > 0 {
		return res, fmt.Errorf("%d of %d files are missing from the source (%s): restore them from the media backup and run the copy again", res.Missing, len(items), src.Name())
	}
	return res, nil
}
