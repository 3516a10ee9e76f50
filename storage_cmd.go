package main

import (
	"context"
	"flag"
	"fmt"

	"takumi/internal/catalog"
	"takumi/internal/config"
	"takumi/internal/database"
	"takumi/internal/storage"
)

// runStorage is `takumi storage copy --to s3|azblob [--from dir|s3|azblob]`
// (issue 13, docs/storage.md): copies every uploaded file the database
// refers to from one backend to another under the same key. Files the
// destination already holds with the right size are skipped, so a run can
// be repeated (after switching TAKUMI_STORAGE, to catch the uploads made
// meanwhile) and a failed run resumed.
func runStorage(ctx context.Context, cfg config.Config, args []string, open func() (*database.DB, error)) error {
	if len(args) == 0 || args[0] != "copy" {
		return fmt.Errorf("usage: takumi storage copy --to s3|azblob [--from dir]")
	}
	fs := flag.NewFlagSet("storage copy", flag.ContinueOnError)
	to := fs.String("to", "", "destination backend: s3 or azblob (configured by TAKUMI_S3_* or TAKUMI_AZBLOB_*)")
	from := fs.String("from", "dir", "source backend: dir (TAKUMI_DATA_DIR/media), s3 or azblob")
	quiet := fs.Bool("quiet", false, "print only the summary")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *to == "" || *to == *from {
		return fmt.Errorf("storage copy: --to must name another backend than --from (%s): s3 or azblob", *from)
	}
	backend := func(name string) (storage.Backend, error) {
		s := cfg.MediaStorage()
		s.Backend = name
		b, err := storage.New(s)
		if err != nil {
			return nil, err
		}
		if err := b.Check(ctx); err != nil {
			return nil, err
		}
		return b, nil
	}
	src, err := backend(*from)
	if err != nil {
		return fmt.Errorf("storage copy: source: %w", err)
	}
	dst, err := backend(*to)
	if err != nil {
		return fmt.Errorf("storage copy: destination: %w", err)
	}
	db, err := open()
	if err != nil {
		return err
	}
	defer db.Close()
	items, err := catalog.StoredMedia(ctx, db.Gorm)
	if err != nil {
		return err
	}
	res, err := storage.Copy(ctx, src, dst, items, func(it storage.Item, what string) {
		if !*quiet {
			fmt.Printf("%-8s %s (%d bytes)\n", what, it.Key, it.Size)
		}
	})
	fmt.Printf("storage copy %s -> %s: %d files, %d copied (%d bytes), %d already there, %d missing from the source\n",
		src.Name(), dst.Name(), len(items), res.Copied, res.Bytes, res.Skipped, res.Missing)
	if err != nil {
		return fmt.Errorf("storage copy stopped early; run it again to resume: %w", err)
	}
	return nil
}
