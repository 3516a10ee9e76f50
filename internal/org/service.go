package org

import (
	"context"
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
	// acceptHooks run inside the transaction that accepts an invitation
	// (bulk enrolment turns pending enrolments into enrolments there).
	acceptHooks []AcceptHook
}

// AcceptHook runs inside the transaction in which userID accepts an
// invitation of orgID sent to email; an error rolls the acceptance back.
type AcceptHook func(ctx context.Context, tx *gorm.DB, orgID, userID, email string) error

// OnAccept adds a hook run when an invitation is accepted. Call it while
// wiring the app, before serving.
func (s *Service) OnAccept(h AcceptHook) { s.acceptHooks = append(s.acceptHooks, h) }

// NewService returns the organisation service. baseURL is the absolute site
// URL used in invitation links.
func NewService(db *gorm.DB, q *mail.Queue, catalog *i18n.Catalog, baseURL string) *Service {
	return &Service{db: db, mail: q, catalog: catalog, baseURL: baseURL, now: time.Now}
}
