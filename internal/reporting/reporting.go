package reporting

import (
	"time"

	"gorm.io/gorm"
)

// Service reads the rollups.
type Service struct {
	db  *gorm.DB
	k   int
	now func() time.Time
	// public caches the national progress page's figures (public.go).
	public publicCache
	// ministry caches the dashboard's filter-independent figures (cache.go).
	ministry ministryCache
}

// NewService returns the reporting service with disclosure threshold k
// (DefaultK when k < 2).
func NewService(db *gorm.DB, k int) *Service {
	if k < 2 {
		k = DefaultK
	}
	return &Service{db: db, k: k, now: time.Now}
}

// K is the disclosure threshold.
func (s *Service) K() int { return s.k }
