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
	// catalogue tells when organisations changed (UseCatalogueSignal);
	// nil: never listening.
	catalogue CatalogueSignal
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

// CatalogueSignal returns the catalogue change signal's generation and
// whether its listener is connected (internal/catalog/signal.go): every
// committed write of organisations (and the catalogue's other tables), on
// any instance, raises the generation while it listens.
type CatalogueSignal func() (gen uint64, listening bool)

// UseCatalogueSignal keys the dashboard's provider choices on sig's
// generation while it listens (a provider created or renamed is a choice
// at the next view); without it, or while it does not listen, they are
// read again at each learner-statistics refresh. Call it before serving.
func (s *Service) UseCatalogueSignal(sig CatalogueSignal) { s.catalogue = sig }

// K is the disclosure threshold.
func (s *Service) K() int { return s.k }
