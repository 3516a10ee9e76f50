package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"takumi/internal/config"
	"takumi/internal/storage"
)

// OpenStorage opens the media storage backend of cfg (issue 13,
// docs/storage.md) and checks its settings. Wrong credentials, a missing
// bucket or container: an error naming the setting, and the instance does
// not start. A store that cannot be reached: a warning, and the instance
// starts (the site works without media; uploads and playback answer 503
// until the store is back).
func OpenStorage(ctx context.Context, cfg config.Config, logger *slog.Logger) (storage.Backend, error) {
	b, err := storage.New(cfg.MediaStorage())
	if err != nil {
		return nil, fmt.Errorf("media storage: %w", err)
	}
	cctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := b.Check(cctx); err != nil {
		if errors.Is(err, storage.ErrUnavailable) {
			logger.Warn("media storage unreachable at start: uploads and playback fail until it is back",
				"backend", b.Name(), "error", err.Error())
			return b, nil
		}
		return nil, fmt.Errorf("media storage (%s): %w", b.Name(), err)
	}
	return b, nil
}
