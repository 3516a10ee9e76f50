// Package app wires Takumi together: configuration, database, job queue,
// sessions, services and the HTTP server. main.go and the end-to-end tests
// both start the platform through this one place.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"time"

	"github.com/alexedwards/scs/v2"
	"github.com/jackc/pgx/v5"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/rivertype"
	"gorm.io/gorm"

	"takumi/internal/account"
	"takumi/internal/apiclient"
	"takumi/internal/audit"
	"takumi/internal/bulkenrol"
	"takumi/internal/catalog"
	"takumi/internal/config"
	"takumi/internal/credential"
	"takumi/internal/database"
	"takumi/internal/i18n"
	"takumi/internal/jobs"
	"takumi/internal/learning"
	"takumi/internal/mail"
	"takumi/internal/metrics"
	"takumi/internal/org"
	"takumi/internal/partner"
	"takumi/internal/privacy"
	"takumi/internal/progress"
	"takumi/internal/reporting"
	"takumi/internal/sso"
	"takumi/internal/storage"
	"takumi/internal/webhook"
	"takumi/internal/xapi"
	"takumi/web"
)

// App is a running (or ready to run) Takumi.
type App struct {
	Config   config.Config
	DB       *database.DB
	Logger   *slog.Logger
	Server   *web.Server
	Sessions *scs.SessionManager
	courses  *catalog.Service
	// sessionCache keeps the session reads in memory (sessioncache.go);
	// nil when TAKUMI_SESSION_CACHE=off.
	sessionCache *sessionCache
	river        *river.Client[pgx.Tx]
	http         *http.Server

	recovery     *jobs.Recovery
	stopRecovery context.CancelFunc
}

// New builds the app on an open, migrated database.
func New(cfg config.Config, db *database.DB, logger *slog.Logger) (*App, error) {
	messages, err := i18n.Load()
	if err != nil {
		return nil, err
	}

	// Every job kind has a timeout (its worker's Timeout); jobs.Recovery
	// rescues a job whose instance died, or that ignored its timeout, within
	// seconds of either (docs/operations.md, "Stuck work").
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	counters := metrics.NewCounters(reg)

	workers := river.NewWorkers()
	timeouts := jobs.Timeouts{}
	jobs.Add(workers, timeouts, river.Worker[mail.Message](&mail.Worker{
		SMTP: mail.SMTP{Host: cfg.SMTPHost, Port: cfg.SMTPPort, User: cfg.SMTPUser, Password: cfg.SMTPPassword, From: cfg.MailFrom},
		// SECURITY: production never keeps messages for the dev mailbox.
		KeepInDev: !cfg.Production(),
		DB:        db.Gorm,
		Logger:    logger,
		Sent:      counters.EmailsSent.Inc,
		Failed:    counters.EmailsFailed.Inc,
	}))
	bulkWorker := &bulkenrol.Worker{} // its service is set below, once built
	resetWorker := &account.ResetWorker{}
	jobs.Add(workers, timeouts, river.Worker[account.ResetRequestArgs](resetWorker))
	jobs.Add(workers, timeouts, river.Worker[bulkenrol.ImportArgs](bulkWorker))
	jobs.Add(workers, timeouts, river.Worker[progress.ApplyArgs](&progress.Worker{Engine: progress.NewEngine(db.Gorm, 5000)}))
	// The ministry dashboard's read models.
	jobs.Add(workers, timeouts, river.Worker[reporting.CourseStatsArgs](&reporting.CourseStatsWorker{DB: db.Gorm}))
	jobs.Add(workers, timeouts, river.Worker[reporting.LearnerStatsArgs](&reporting.LearnerStatsWorker{DB: db.Gorm}))
	// issue 17: forwarding xAPI statements to an organisation's external LRS
	// (its service is set below, once built)
	forwardWorker := &xapi.ForwardWorker{}
	jobs.Add(workers, timeouts, river.Worker[xapi.ForwardArgs](forwardWorker))
	// The audit log's hash chain is sealed in order, off the request path.
	jobs.Add(workers, timeouts, river.Worker[audit.SealArgs](&audit.SealWorker{DB: db.Gorm}))
	// Integration API webhooks (issue 19): its service is set below, once built.
	webhookWorker := &webhook.Worker{}
	jobs.Add(workers, timeouts, river.Worker[webhook.DeliverArgs](webhookWorker))

	reg.MustRegister(metrics.NewCollector(db.Pool, timeouts, logger))
	// River's own pool (database/pools.go), as takumi_db_pool_*{pool="jobs"}.
	reg.MustRegister(metrics.NewPoolCollector("jobs", db.JobsPool))
	observer := jobs.NewObserver(reg)
	if !cfg.Production() {
		// Tests hold a job so they can kill an instance mid-run (ops tests).
		observer.TestDelays = jobs.ParseTestDelays(os.Getenv("TAKUMI_TEST_JOB_DELAY"))
	}
	riverClient, err := river.NewClient(riverpgxv5.New(db.JobsPool), &river.Config{ // River's own pool (database/pools.go)
		Logger:     logger,
		Queues:     map[string]river.QueueConfig{river.QueueDefault: {MaxWorkers: 10}, "email": {MaxWorkers: 5}},
		Workers:    workers,
		Middleware: []rivertype.Middleware{observer},
		// The progress engine applies the learning-event log every few seconds.
		// The audit chain is sealed every few seconds (audit.SealInterval).
		PeriodicJobs: append([]*river.PeriodicJob{progress.PeriodicJob(), audit.SealPeriodicJob()}, reporting.PeriodicJobs()...),
		// Jobs carry email bodies with one-time links: keep finished ones briefly.
		CompletedJobRetentionPeriod: time.Hour,
		// River's own rescuer is the backstop behind jobs.Recovery: after the
		// longest timeout, never while a job may still be working.
		RescueStuckJobsAfter: timeouts.Longest() + jobs.Grace + time.Minute,
	})
	if err != nil {
		return nil, fmt.Errorf("river: %w", err)
	}
	// Insert-only client, so jobs can be queued inside gorm transactions and
	// commit (or roll back) with them.
	inserter, err := db.JobInserter(logger)
	if err != nil {
		return nil, err
	}

	// issue 17: the xAPI LRS, and the worker forwarding statements to an
	// organisation's external LRS (internal/xapi/forward.go)
	xapiService := &xapi.Service{DB: db.Gorm, HomePage: cfg.BaseURL, Jobs: inserter, Production: cfg.Production()}
	forwardWorker.S = xapiService

	sessions := scs.New()
	// Capacity (issue 13): an unchanged session is rewritten at most every
	// 5 minutes, not on every request; the codec writes the same data as
	// the same bytes, so touchStore can tell it is unchanged. Issue 20: the
	// session is read with the signed-in account in one statement
	// (sessionstore.go).
	sessions.Codec = sessionCodec{}
	store := NewSessionStore(db, sessions.Codec, web.SessionUserKey, 10*time.Minute)
	if cfg.SessionCache {
		// Issue 20: the session read from memory while the session signal
		// listens (sessioncache.go; StartWorkers starts the listener).
		store.cache = newSessionCache()
		reads := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "takumi_session_cache_reads_total",
			Help: "Session reads of signed-in requests, by whether memory answered (hit) or the database (miss)."}, []string{"result"})
		reg.MustRegister(reads)
		store.cache.hits, store.cache.misses = reads.WithLabelValues("hit"), reads.WithLabelValues("miss")
	}
	sessions.Store = newTouchStore(store, 5*time.Minute)
	sessions.Lifetime = 12 * time.Hour
	sessions.IdleTimeout = 2 * time.Hour
	sessions.Cookie.Name = web.SessionCookieName(cfg)
	sessions.Cookie.HttpOnly = true
	sessions.Cookie.Secure = cfg.SecureCookies()
	sessions.Cookie.SameSite = http.SameSiteLaxMode
	sessions.Cookie.Path = "/"
	sessions.HashTokenInStore = true

	// Media storage (issue 13): the configured backend, its failures counted.
	backend, err := OpenStorage(context.Background(), cfg, logger)
	if err != nil {
		return nil, err
	}
	files := storage.Instrument(backend, reg)
	users := account.NewStore(db.Gorm)
	queue := mail.NewQueue(inserter)
	accounts := account.NewService(db.Gorm, queue, messages, account.Settings{
		BaseURL:           cfg.BaseURL,
		LoginMaxFailures:  cfg.LoginMaxFailures,
		LoginLockDuration: cfg.LoginLockDuration,
		LoginIPLimit:      cfg.LoginIPLimit,
		LoginIPWindow:     cfg.LoginIPWindow,
	})
	resetWorker.Service = accounts
	orgs := org.NewService(db.Gorm, queue, messages, cfg.BaseURL)
	courses := catalog.NewService(db.Gorm, files)
	courses.SetUploadLimits(catalog.UploadLimits{Video: cfg.UploadMaxVideoBytes, Resource: cfg.UploadMaxResourceBytes})
	courses.SetScormMaxBytes(cfg.ScormMaxBytes) // SCORM packages (issue 16)
	lrn := learning.NewService(db.Gorm, courses, queue, messages, cfg.BaseURL)
	keys, err := credential.LoadKeys(credential.KeySource{File: cfg.SigningKeysFile, Seed: cfg.SigningKey,
		DataDir: cfg.DataDir, Development: !cfg.Production()}, time.Now())
	if err != nil {
		return nil, err
	}
	creds, err := credential.NewService(db.Gorm, keys, cfg.BaseURL, messages)
	if err != nil {
		return nil, err
	}
	creds.OnVerify(func(source string, v credential.Verdict) {
		counters.CredentialsVerified.WithLabelValues(source, string(v)).Inc()
	})
	// Integration API webhooks (issue 19): events are queued in the
	// transaction of the change.
	hooks := webhook.NewService(db.Gorm, inserter, cfg.Production())
	hooks.NotifyDisabled(queue, messages, cfg.BaseURL)
	webhookWorker.Service = hooks
	// A completion issues its credential in the same transaction, and tells
	// the organisation that made the enrolment (course.completed).
	lrn.OnCompletion(func(ctx context.Context, tx *gorm.DB, e learning.Enrolment, at time.Time) error {
		if err := creds.IssueForEnrolment(ctx, tx, e, at); err != nil {
			return err
		}
		return webhook.EmitCompletion(ctx, tx, hooks, e, at)
	})
	// The other events (issue 19), each queued in the transaction of the
	// change by the owning domain's hook.
	lrn.OnLessonCompletion(func(ctx context.Context, tx *gorm.DB, e learning.Enrolment, lessonID string, at time.Time) error {
		return webhook.EmitLessonCompletion(ctx, tx, hooks, e, lessonID, at)
	})
	creds.OnRevoke(func(ctx context.Context, tx *gorm.DB, c credential.Credential) error {
		r := webhook.Revoked{ID: c.ID, UserID: c.UserID, Reason: c.RevocationReason, At: *c.RevokedAt}
		for dst, v := range map[*string]*string{&r.ProviderID: c.ProviderID, &r.EnrolmentID: c.EnrolmentID, &r.CourseID: c.CourseID, &r.PathID: c.PathID} {
			if v != nil {
				*dst = *v
			}
		}
		return webhook.EmitRevocation(ctx, tx, hooks, r)
	})
	bulk, err := bulkenrol.NewService(db, lrn, messages, cfg.BaseURL)
	if err != nil {
		return nil, err
	}
	bulkWorker.Service = bulk
	bulk.OnFinished(func(ctx context.Context, tx *gorm.DB, imp bulkenrol.Import) error {
		b := webhook.BulkFinished{ImportID: imp.ID, OrgID: imp.OrgID, Status: imp.Status, Rows: imp.TotalRows, Enrolled: imp.Enrolled,
			Invited: imp.Invited, Unchanged: imp.Unchanged, At: time.Now()}
		if imp.FinishedAt != nil {
			b.At = *imp.FinishedAt
		}
		if imp.Error != nil {
			b.Error = *imp.Error
		}
		return webhook.EmitBulkFinished(ctx, tx, hooks, b)
	})
	orgs.OnAccept(bulk.ClaimPending) // pending bulk enrolments become enrolments on acceptance
	// Single sign-on per organisation (issue 18).
	ssoSvc := sso.NewService(db.Gorm, queue, messages, sso.Settings{BaseURL: cfg.BaseURL, AllowHTTPIssuer: !cfg.Production(),
		SAMLKeyFile: filepath.Join(cfg.DataDir, "saml-sp.pem")})
	accounts.SetPasswordPolicy(ssoSvc.PasswordPolicy)
	// Read replica (issue 13): catalogue search, /progress and its open
	// data, /ministry and the public credential pages read through
	// db.Reads() (the streaming replica while it is healthy, else the
	// primary); everything else, and every write, uses the primary.
	reports := reporting.NewService(db.Gorm, cfg.DisclosureK)
	reports.UseReads(db.Reads())
	reports.UseCatalogueSignal(courses.ChangeGeneration) // provider choices follow organisations' changes
	courses.UseReads(db.Reads())
	creds.UseReads(db.Reads())
	reg.MustRegister(database.ReplicaCollector(db))
	srv := web.New(web.Deps{
		Config:      cfg,
		DB:          db,
		Catalog:     messages,
		Sessions:    sessions,
		Mail:        queue,
		Metrics:     reg,
		Logger:      logger,
		Users:       users,
		Accounts:    accounts,
		Orgs:        orgs,
		Courses:     courses,
		Learning:    lrn,
		Bulk:        bulk,
		Privacy:     privacy.NewService(db.Gorm, lrn),
		Credentials: creds,
		Reporting:   reports,
		XAPI:        xapiService, // issue 17: the xAPI LRS (forwarding jobs through inserter)
		SSO:         ssoSvc,
		// Integration API (issue 19)
		APIClients:  apiclient.NewService(db.Gorm),
		APIEnroller: apiclient.NewEnroller(db.Gorm, users, lrn, hooks),
		Webhooks:    hooks,
		Partners:    partner.NewService(db.Gorm, cfg.Production()),
		DemoAccounts: func() []web.DemoAccount {
			return demoAccountsForHome(db)
		},
	})
	recovery := &jobs.Recovery{Pool: db.JobsPool, ClientID: riverClient.ID(), Timeouts: timeouts, Logger: logger,
		OnRescue: func(x jobs.Rescued) { counters.JobsRescued.WithLabelValues(x.Kind, x.Reason).Inc() }}
	return &App{Config: cfg, DB: db, Logger: logger, Server: srv, Sessions: sessions, courses: courses, sessionCache: store.cache, river: riverClient, recovery: recovery}, nil
}

// StartWorkers starts the background job workers, and the heartbeat and
// stuck-job rescue of jobs.Recovery. The first heartbeat is written before
// River takes any job, so no other instance takes this one for dead. It
// also starts the catalogue's change listener (one connection of its own:
// catalog.Service.ListenForChanges), without which the public catalogue
// reads the database on every request.
func (a *App) StartWorkers(ctx context.Context) error {
	bctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	if err := a.recovery.Beat(bctx); err != nil {
		a.Logger.Warn("job heartbeat", "error", err.Error())
	}
	cancel()
	if err := a.river.Start(ctx); err != nil {
		return err
	}
	// Not ctx: the heartbeat must go on while StopWorkers waits for jobs.
	rctx, stop := context.WithCancel(context.WithoutCancel(ctx))
	a.stopRecovery = stop
	go a.recovery.Run(rctx)
	a.courses.ListenForChanges(a.DB.Pool.Config().ConnConfig, a.Logger)
	if a.sessionCache != nil {
		a.sessionCache.listen(a.DB.Pool.Config().ConnConfig, a.Logger)
	}
	return nil
}

// StopWorkers stops taking jobs and waits (up to ctx's deadline) for the
// running ones to return. Serve cancels the workers' context first, so
// running jobs see a cancelled context: each returns (the engine's batch
// rolls back, a bulk import stops after its batch) and is retried by
// another instance.
func (a *App) StopWorkers(ctx context.Context) error {
	err := a.river.Stop(ctx)
	a.courses.StopListening()
	if a.sessionCache != nil {
		a.sessionCache.stop()
	}
	if a.stopRecovery != nil {
		a.stopRecovery()
		lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 2*time.Second)
		if lerr := a.recovery.Leave(lctx); lerr != nil {
			a.Logger.Warn("job heartbeat", "error", lerr.Error())
		}
		cancel()
	}
	return err
}

// Handler is the HTTP handler of the platform.
func (a *App) Handler() http.Handler { return a.Server.Handler() }

// Serve listens on ln until ctx is cancelled, then shuts down gracefully:
// in-flight requests finish (up to 20 s), then the workers stop.
func (a *App) Serve(ctx context.Context, ln net.Listener) error {
	a.http = &http.Server{
		Handler:           a.Handler(),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
	}
	// SCORM content origin (issue 16): package files on their own
	// listener and origin, never the app's (docs/scorm.md). It listens
	// before anything serves, so a port 0 is known to every handler.
	var cln net.Listener
	if a.Config.ContentAddr != "" && a.Config.ContentOrigin() {
		var err error
		if cln, err = a.listenContent(); err != nil {
			return fmt.Errorf("content origin listener (TAKUMI_CONTENT_ADDR): %w", err)
		}
	}
	if err := a.StartWorkers(ctx); err != nil {
		if cln != nil {
			cln.Close()
		}
		return fmt.Errorf("start workers: %w", err)
	}
	errc := make(chan error, 3)
	go func() { errc <- a.http.Serve(ln) }()
	// SECURITY: the metrics get their own listener (loopback by default),
	// never the public address.
	var metrics *http.Server
	if a.Config.MetricsAddr != "" {
		mln, err := net.Listen("tcp", a.Config.MetricsAddr)
		if err != nil {
			_ = a.http.Close()
			_ = a.StopWorkers(context.Background())
			if cln != nil {
				cln.Close()
			}
			return fmt.Errorf("metrics listener (TAKUMI_METRICS_ADDR): %w", err)
		}
		a.Logger.Info("metrics listener", "addr", mln.Addr().String())
		metrics = &http.Server{Handler: a.Server.MetricsHandler(), ReadHeaderTimeout: 10 * time.Second}
		go func() { errc <- metrics.Serve(mln) }()
	}
	var content *http.Server
	if cln != nil {
		content = &http.Server{Handler: a.Server.ContentHandler(), ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 120 * time.Second}
		go func() { errc <- content.Serve(cln) }()
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	if content != nil {
		defer content.Close()
	}
	a.Logger.Info("shutting down: finishing in-flight requests")
	sctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	err := a.http.Shutdown(sctx)
	if metrics != nil {
		_ = metrics.Shutdown(sctx)
	}
	if werr := a.StopWorkers(sctx); werr != nil && !errors.Is(werr, context.Canceled) {
		err = errors.Join(err, werr)
	}
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// listenContent opens the content origin's listener on ContentAddr. With
// port 0 (TAKUMI_CONTENT_ADDR=127.0.0.1:0) the system picks a free port;
// a content base URL whose port is 0 (the development default derived
// from such an address when TAKUMI_CONTENT_BASE_URL is not set) then
// takes the port actually listened on, in the App's and the server's
// configuration alike. Call it before anything serves.
func (a *App) listenContent() (net.Listener, error) {
	cln, err := net.Listen("tcp", a.Config.ContentAddr)
	if err != nil {
		return nil, err
	}
	if u, err := url.Parse(a.Config.ContentBaseURL); err == nil && u.Port() == "0" {
		_, port, _ := net.SplitHostPort(cln.Addr().String())
		u.Host = net.JoinHostPort(u.Hostname(), port)
		a.Config.ContentBaseURL = u.String()
		a.Server.Config.ContentBaseURL = a.Config.ContentBaseURL
	}
	a.Logger.Info("content origin listener", "addr", cln.Addr().String(), "base_url", a.Config.ContentBaseURL)
	return cln, nil
}

// demoAccountsForHome lists demo accounts present in the database, for the
// development home page.
func demoAccountsForHome(db *database.DB) []web.DemoAccount {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	all := DemoAccountList()
	emails := make([]string, len(all))
	for i, d := range all {
		emails[i] = d.Email
	}
	var present []string
	// SELECT email FROM users WHERE email IN (...)
	if err := db.Gorm.WithContext(ctx).Table("users").Where("email IN ?", emails).Pluck("email", &present).Error; err != nil {
		return nil
	}
	have := make(map[string]bool, len(present))
	for _, e := range present {
		have[e] = true
	}
	var out []web.DemoAccount
	for _, d := range all {
		if have[d.Email] {
			out = append(out, web.DemoAccount{RoleKey: d.RoleKey, Email: d.Email})
		}
	}
	return out
}

func mustCatalogEN() func(string) string {
	c := i18n.MustLoad()
	l := c.For("en")
	return func(k string) string { return l.T(k) }
}

// SessionCacheListening reports whether the session signal listens, and
// so whether sessions may be served from this instance's memory
// (sessioncache.go); false when TAKUMI_SESSION_CACHE=off.
func (a *App) SessionCacheListening() bool {
	return a.sessionCache != nil && a.sessionCache.l.Listening()
}
