package reporting

import (
	"time"

	"gorm.io/gorm"
)

// Service reads the rollups.
type Service struct {
	db *gorm.DB // the primary: writes (audit, read-model refreshes)
	// reads is where the dashboard and the public figures are read: the
	// streaming replica when one is healthy (UseReads, docs/deployment.md).
	reads *gorm.DB
	k     int
	now   func() time.Time
	// public caches the national progress page's figures (public.go).
	public publicCache
	// ministry caches the dashboard's filter-independent figures (cache.go).
	ministry ministryCache
	// courseStats caches the national course and provider tables
	// (course_stats.go).
	courseStats courseStatsCache
	// references caches the dashboard's programmes and filter choices
	// (dashboard_state.go).
	references referenceCache
}

// NewService returns the reporting service with disclosure threshold k
// (DefaultK when k < 2).
func NewService(db *gorm.DB, k int) *Service {
	if k < 2 {
		k = DefaultK
	}
	return &Service{db: db, reads: db, k: k, now: time.Now}
}

// UseReads makes the service read its figures from reads (database.DB's
// Reads: the replica while it is healthy); writes stay on the primary.
func (s *Service) UseReads(reads *gorm.DB) { s.reads = reads }

// K is the disclosure threshold.
func (s *Service) K() int { return s.k }
