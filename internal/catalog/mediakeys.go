package catalog

import (
	"context"

	"gorm.io/gorm"

	"takumi/internal/storage"
)

// StoredMedia lists the storage key and recorded size of every uploaded
// file, oldest first (for takumi storage copy, issue 13).
func StoredMedia(ctx context.Context, db *gorm.DB) ([]storage.Item, error) {
	var items []storage.Item
	err := db.WithContext(ctx).Raw(`SELECT storage_key AS key, size_bytes AS size FROM media ORDER BY created_at, id`).Scan(&items).Error
	return items, err
}
