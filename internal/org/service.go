package org

import (
	"time"

	"gorm.io/gorm"

	"takumi/internal/i18n"
	"takumi/internal/mail"
)

// Service carries out organisation use cases: creating organisations,
// inviting people, changing roles, granting the analyst role.
type Service struct {
	db      *gorm.DB
	mail    *mail.Queue
	catalog *i18n.Catalog
	baseURL string
	now     func() time.Time
}

// NewService returns the organisation service. baseURL is the absolute site
// URL used in invitation links.
func NewService(db *gorm.DB, q *mail.Queue, catalog *i18n.Catalog, baseURL string) *Service {
	return &Service{db: db, mail: q, catalog: catalog, baseURL: baseURL, now: time.Now}
}
