// Command takumi is the whole platform in one binary:
//
//	takumi serve         run pending migrations, serve HTTP and run the job workers
//	takumi migrate       run pending migrations and exit
//	takumi demo          load demo data (idempotent) and print the demo accounts
//	takumi audit verify  check the audit log's hash chain; non-zero exit if broken
//	takumi admin grant EMAIL  make an existing account a platform admin
//	takumi seed [flags]  generate the scale data set (never in production; see docs/scale.md)
//	takumi seed analyst [--drop]  the national benchmark's ministry analyst (never in production)
//	takumi keys init     create the first keyring file (never overwrites one)
//	takumi keys rotate   add a new credential signing key; the old one stays published
//	takumi doctor        check a deployment (after a restore, say); non-zero exit on a failure
//	takumi healthcheck   exit 0 when the local server's /readyz answers 200 (container healthchecks)
//
// Configuration comes from the environment; see README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"syscall"
	"time"

	"takumi/internal/account"
	"takumi/internal/app"
	"takumi/internal/audit"
	"takumi/internal/config"
	"takumi/internal/credential"
	"takumi/internal/database"
	"takumi/internal/devidp"
	"takumi/internal/doctor"
	"takumi/internal/i18n"
	"takumi/internal/learning"
	"takumi/internal/progress"
	"takumi/internal/recount"
	"takumi/internal/seed"
)

func main() {
	logger := slog.New(slog.NewJSONHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	slog.SetDefault(logger)
	if err := run(os.Args[1:], logger); err != nil {
		logger.Error("takumi", "error", err.Error())
		os.Exit(1)
	}
}

const usage = `usage: takumi <command>

commands:
  serve         run pending migrations, serve HTTP and run the job workers
  migrate       run pending migrations and exit
  demo          load demo data (idempotent) and print the demo accounts
  audit verify  check the audit log's hash chain
  admin grant EMAIL
                make an existing account a platform admin (the first admin)
  seed [--learners N] [--enrolments-per-learner M] [--events N] [--database-url URL]
                generate the scale data set (never in production; docs/scale.md)
  seed analyst [--drop] [--database-url URL]
                make the national benchmark's ministry analyst and its
                ministry (scripts/national-bench.sh) and print its email,
                password (TAKUMI_DEMO_PASSWORD, or a random one) and
                two-factor secret; --drop removes them (never in production)
  reconcile     apply any pending learning events, then recompute every
                programme achievement and rollup from the base tables; exits
                non-zero, listing each difference, if any exist
  recount [analytics|roster|members|credentials|registrations ...]
                recompute the counters and read models that triggers keep
                (all, or those named) from the rows they count, each in its
                transaction with its tables locked against writes: after a
                bulk load with triggers off, or to repair a drifted counter
  keys init     create the first keyring file (TAKUMI_SIGNING_KEYS_FILE), mode
                0600; refuses when the file exists
  keys rotate   add a new credential signing key to the keyring file and retire
                the active one (it stays published so its credentials verify)
  doctor        check a deployment without changing it: database writable,
                migrations current, audit chain, keyring against stored
                credentials, base URL against their DID, media files present;
                exits non-zero when a check fails
  healthcheck [URL]
                exit 0 when URL (default http://127.0.0.1:PORT/readyz of
                TAKUMI_ADDR) answers 200 within 3 s
  dev-idp       development only: a small OpenID Provider at TAKUMI_DEV_IDP_ADDR
                (default 127.0.0.1:9998) that the demo employer signs in with
                (docs/sso.md); refused in production
  storage copy --to s3|azblob [--from dir]
                copy every uploaded file to another media backend (idempotent,
                resumable: re-running copies nothing twice; docs/storage.md)
`

func run(args []string, logger *slog.Logger) error {
	if len(args) == 0 {
		fmt.Fprint(os.Stderr, usage)
		return errors.New("no command given")
	}
	cfg, err := config.Load()
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	// openTimeout bounds connecting and migrating; `takumi migrate` allows
	// more, for a migration that fills a read model from a large database
	// (e.g. 00048, the roster, ~1 min for 100,000 learners on a busy machine).
	openTimeout := 30 * time.Second
	open := func() (*database.DB, error) { return openMigrated(ctx, cfg.DatabaseURL, openTimeout) }

	switch args[0] {
	case "serve":
		start := time.Now()
		setServeGC(os.Getenv("GOGC"), logger)
		db, err := open()
		if err != nil {
			return err
		}
		defer db.Close()
		// Read replica (issue 13): optional streaming standby for the
		// read-mostly pages (docs/deployment.md).
		if cfg.ReplicaURL != "" {
			if err := db.AttachReplica(ctx, cfg.ReplicaURL, cfg.ReplicaMaxLag, logger); err != nil {
				return err
			}
			st := db.ReplicaState()
			logger.Info("read replica attached", "healthy", st.Healthy, "reason", st.Reason, "max_lag", cfg.ReplicaMaxLag.String())
		}
		a, err := app.New(cfg, db, logger)
		if err != nil {
			return err
		}
		if err := learning.EnsurePartitions(ctx, db.Gorm); err != nil {
			return fmt.Errorf("learning-event partitions: %w", err)
		}
		ln, err := net.Listen("tcp", cfg.Addr)
		if err != nil {
			return err
		}
		logger.Info("takumi ready", "addr", ln.Addr().String(), "base_url", cfg.BaseURL, "env", cfg.Env,
			"startup_ms", time.Since(start).Milliseconds())
		return a.Serve(ctx, ln)
	case "migrate":
		openTimeout = 30 * time.Minute
		db, err := open()
		if err != nil {
			return err
		}
		db.Close()
		logger.Info("migrations applied")
		return nil
	case "demo":
		db, err := open()
		if err != nil {
			return err
		}
		defer db.Close()
		return app.LoadDemo(ctx, cfg, db, os.Stdout)
	case "audit":
		if len(args) < 2 || args[1] != "verify" {
			return errors.New("usage: takumi audit verify")
		}
		db, err := open()
		if err != nil {
			return err
		}
		defer db.Close()
		res, err := audit.Verify(ctx, db.Gorm)
		if err != nil {
			return err
		}
		if res.BadID != 0 {
			fmt.Printf("audit log BROKEN at row %d: %s (%d rows verified before it)\n", res.BadID, res.Reason, res.Checked)
			return errors.New("audit chain broken")
		}
		fmt.Printf("audit log OK: %d rows, hash chain intact", res.Checked)
		if res.Unsealed > 0 {
			fmt.Printf("; %d newest rows not sealed yet (their transactions were still open)", res.Unsealed)
		}
		fmt.Println()
		return nil
	case "admin":
		if len(args) != 3 || args[1] != "grant" {
			return errors.New("usage: takumi admin grant EMAIL")
		}
		db, err := open()
		if err != nil {
			return err
		}
		defer db.Close()
		u, err := account.GrantPlatformAdmin(ctx, db.Gorm, args[2])
		if err != nil {
			return fmt.Errorf("grant platform admin to %s: %w", args[2], err)
		}
		fmt.Printf("%s is a platform admin; two-factor set-up is required at the next sign-in\n", u.Email)
		return nil
	case "seed":
		return runSeed(ctx, cfg, args[1:])
	case "reconcile":
		db, err := open()
		if err != nil {
			return err
		}
		defer db.Close()
		return runReconcile(ctx, db)
	case "recount":
		db, err := open()
		if err != nil {
			return err
		}
		defer db.Close()
		return runRecount(ctx, db, args[1:])
	case "keys":
		return runKeys(cfg, args[1:])
	case "doctor":
		return runDoctor(ctx, cfg)
	case "healthcheck":
		return runHealthcheck(cfg, args[1:])
	case "dev-idp": // single sign-on, try it locally (issue 18): internal/devidp
		if cfg.Production() {
			return errors.New("dev-idp is a development tool and does not run in production")
		}
		password, err := app.DemoPassword(cfg)
		if err != nil {
			return err
		}
		return devidp.Run(ctx, devidp.Options{Addr: devidp.AddrFromEnv(), BaseURL: cfg.BaseURL, DataDir: cfg.DataDir,
			Password: password}, os.Stdout)
	case "storage": // media storage (issue 13): storage_cmd.go
		return runStorage(ctx, cfg, args[1:], open)
	default:
		fmt.Fprint(os.Stderr, usage)
		return fmt.Errorf("unknown command %q", args[0])
	}
}

// runKeys is `takumi keys rotate`: a new active signing key in the keyring
// file (TAKUMI_SIGNING_KEYS_FILE, or the development data directory's
// generated one); the previous key is retired but kept in the DID document.
// Restart the server afterwards so that it signs with the new key.
func runKeys(cfg config.Config, args []string) error {
	if len(args) != 1 || (args[0] != "rotate" && args[0] != "init") {
		return errors.New("usage: takumi keys init|rotate")
	}
	src := credential.KeySource{File: cfg.SigningKeysFile, Seed: cfg.SigningKey, DataDir: cfg.DataDir, Development: !cfg.Production()}
	path, err := src.KeyringPath()
	if err != nil {
		return err
	}
	if args[0] == "init" {
		k, err := credential.InitKeyring(path, time.Now())
		if err != nil {
			return err
		}
		fmt.Printf("created keyring %s (mode 0600) with signing key %s. Back it up now: without it, no credential issued with it can be verified after a restore.\n", path, k.ID)
		return nil
	}
	if src.File == "" {
		// Development: make sure the generated keyring exists first.
		if _, err := credential.LoadKeys(src, time.Now()); err != nil {
			return err
		}
	}
	k, err := credential.Rotate(path, time.Now())
	if err != nil {
		return err
	}
	fmt.Printf("new signing key %s in %s; the previous key is retired and stays published. Restart takumi to sign with it.\n", k.ID, path)
	return nil
}

// runSeed is `takumi seed`: the scale data set of DESIGN.md ("Scale").
func runSeed(ctx context.Context, cfg config.Config, args []string) error {
	if len(args) > 0 && args[0] == "analyst" {
		return runSeedAnalyst(ctx, cfg, args[1:], os.Stdout)
	}
	fs := flag.NewFlagSet("seed", flag.ContinueOnError)
	o := seed.Options{Env: cfg.Env, Password: cfg.DemoPassword, Log: os.Stdout}
	fs.IntVar(&o.Learners, "learners", seed.DefaultLearners, "learner accounts to create")
	fs.IntVar(&o.EnrolmentsPerLearner, "enrolments-per-learner", seed.DefaultEnrolmentsPerLearner, "enrolments per learner on average (total is exact)")
	fs.Int64Var(&o.Events, "events", 0, "learning events to write (the reference set has 50000000)")
	fs.Float64Var(&o.ProgressShare, "progress-share", seed.DefaultProgressShare, "share of enrolments with lesson-by-lesson progress rows")
	fs.IntVar(&o.Workers, "workers", 2, "parallel COPY streams")
	dbURL := fs.String("database-url", cfg.DatabaseURL, "database to fill (created and migrated when missing)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	// SECURITY: generated accounts share one known password; never in production.
	if cfg.Production() {
		return seed.ErrProduction
	}
	db, err := openMigrated(ctx, *dbURL, 30*time.Second)
	if err != nil {
		return err
	}
	defer db.Close()
	res, err := seed.Run(ctx, db, o)
	if err != nil {
		return err
	}
	if res.Skipped {
		return nil
	}
	fmt.Printf("seeded in %s: %d learners, %d enrolments, %d lesson progress rows, %d learning events; %d courses used (%d created)\n",
		res.Elapsed.Round(time.Second), res.Learners, res.Enrolments, res.LessonProgress, res.Events, res.CoursesUsed, res.CoursesCreated)
	for _, st := range res.Steps {
		fmt.Printf("  %-42s %10d rows %10s\n", st.Name, st.Rows, st.Elapsed.Round(time.Millisecond))
	}
	fmt.Printf("bench learner %s (id %s); every seed account's password: %s\n", seed.BenchLearnerEmail, res.BenchLearnerID, res.Password)
	sizes, total, err := seed.Sizes(ctx, db)
	if err != nil {
		return err
	}
	for _, s := range sizes {
		fmt.Printf("  %-18s %12d rows %10.1f MB\n", s.Table, s.Rows, float64(s.Bytes)/1e6)
	}
	fmt.Printf("  database size %.1f MB\n", float64(total)/1e6)
	return nil
}

// serveGCPercent is the garbage collector's target for `takumi serve`
// when GOGC is not set: a new cycle when the heap has grown by 400 % of
// what the last cycle kept, instead of Go's 100 %. Requests allocate much
// and keep little (a page's rows and its HTML), so at 100 % the collector
// ran every few milliseconds under load: 13 % of My learning's CPU at
// 1,000,000 learners. Measured (docs/performance.md, "The garbage
// collector's target"): My learning's app CPU 0.78 → 0.65 ms, +12–15 %
// req/s; the heap's peak grows with the target (up to five times what is
// live instead of two). GOGC (or GOMEMLIMIT with GOGC=off) overrides it.
const serveGCPercent = 400

// setServeGC sets the collector's target for serve unless the operator
// set GOGC.
func setServeGC(gogc string, log *slog.Logger) {
	if gogc != "" {
		log.Info("garbage collector target from GOGC", "gogc", gogc)
		return
	}
	debug.SetGCPercent(serveGCPercent)
}

// openMigrated opens the database at url (created when missing) and
// migrates it, within timeout: what every command that uses the database
// starts with.
func openMigrated(ctx context.Context, url string, timeout time.Duration) (*database.DB, error) {
	octx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	db, err := database.Open(octx, url)
	if err != nil {
		return nil, err
	}
	if err := database.Migrate(octx, db); err != nil {
		db.Close()
		return nil, err
	}
	return db, nil
}

// runSeedAnalyst is `takumi seed analyst [--drop]`: the national
// benchmark's ministry analyst (seed.CreateBenchAnalyst), its credentials
// printed as KEY=value lines for scripts/national-bench.sh.
func runSeedAnalyst(ctx context.Context, cfg config.Config, args []string, out io.Writer) error {
	fs := flag.NewFlagSet("seed analyst", flag.ContinueOnError)
	drop := fs.Bool("drop", false, "remove the analyst, and its ministry once it has no members")
	dbURL := fs.String("database-url", cfg.DatabaseURL, "the database (a `takumi seed` one)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return errors.New("usage: takumi seed analyst [--drop] [--database-url URL]")
	}
	// SECURITY: an analyst whose password and two-factor secret are printed;
	// never in production.
	if cfg.Production() {
		return seed.ErrProduction
	}
	db, err := openMigrated(ctx, *dbURL, 30*time.Second)
	if err != nil {
		return err
	}
	defer db.Close()
	if *drop {
		removed, err := seed.DropBenchAnalyst(ctx, db.Gorm, cfg.Env)
		if err != nil {
			return err
		}
		if removed {
			fmt.Fprintf(out, "removed %s (and its ministry, when no member was left)\n", seed.BenchAnalystEmail)
		} else {
			fmt.Fprintf(out, "no %s: nothing to remove\n", seed.BenchAnalystEmail)
		}
		return nil
	}
	a, err := seed.CreateBenchAnalyst(ctx, db.Gorm, cfg.Env, cfg.DemoPassword)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "email=%s\npassword=%s\ntotp_secret=%s\norganisation=%s\n", a.Email, a.Password, a.TOTPSecret, seed.BenchMinistryNameJa)
	return nil
}

// runReconcile is `takumi reconcile`: the engine catches up, then every
// rollup is recomputed from the base tables and compared.
func runReconcile(ctx context.Context, db *database.DB) error {
	start := time.Now()
	applied, err := progress.NewEngine(db.Gorm, 5000).CatchUp(ctx)
	if err != nil {
		return fmt.Errorf("progress engine: %w", err)
	}
	res, err := progress.Reconcile(ctx, db.Gorm)
	if err != nil {
		return err
	}
	fmt.Printf("applied %d pending events; checked %d events and %d programme achievements in %s\n",
		applied, res.Events, res.Achievements, time.Since(start).Round(time.Millisecond))
	if len(res.Differences) > 0 {
		for _, d := range res.Differences {
			fmt.Println(d)
		}
		return fmt.Errorf("reconcile: %d differences", len(res.Differences))
	}
	fmt.Println("reconcile OK: no differences")
	return nil
}

// runRecount is `takumi recount`: the kept counters recomputed by their
// owners (internal/recount), each printed with the time it took.
func runRecount(ctx context.Context, db *database.DB, keys []string) error {
	start := time.Now()
	err := recount.All(ctx, db.Gorm, keys, func(d recount.Done) {
		fmt.Printf("recounted %-28s %10s  (%s)\n", d.Counter.Name, d.Elapsed.Round(time.Millisecond), d.Counter.Tables)
	})
	if err != nil {
		return err
	}
	fmt.Printf("recount done in %s\n", time.Since(start).Round(time.Millisecond))
	return nil
}

// runDoctor is `takumi doctor`: it opens the database without migrating it
// and prints the checks of internal/doctor.
func runDoctor(ctx context.Context, cfg config.Config) error {
	messages, err := i18n.Load()
	if err != nil {
		return err
	}
	octx, cancel := context.WithTimeout(ctx, 10*time.Second)
	db, err := database.Open(octx, cfg.DatabaseURL)
	cancel()
	if err != nil {
		fmt.Printf("FAIL  %-40s %s\n", "database reachable and writable", err)
		return errors.New("doctor: the database does not answer")
	}
	defer db.Close()
	files, err := app.OpenStorage(ctx, cfg, slog.Default())
	if err != nil {
		fmt.Printf("FAIL  %-40s %s\n", "media storage settings", err)
		return errors.New("doctor: the media storage settings are wrong")
	}
	checks := doctor.Run(ctx, doctor.Options{
		DB:       db,
		Keys:     credential.KeySource{File: cfg.SigningKeysFile, Seed: cfg.SigningKey, DataDir: cfg.DataDir, Development: !cfg.Production()},
		BaseURL:  cfg.BaseURL,
		MediaDir: filepath.Join(cfg.DataDir, "media"),
		Files:    files,
		Messages: messages,
	})
	doctor.Print(os.Stdout, checks)
	if doctor.Failed(checks) {
		return errors.New("doctor: a check failed")
	}
	return nil
}

// runHealthcheck is `takumi healthcheck`: the container image has no curl,
// so its healthcheck asks the binary to fetch /readyz.
func runHealthcheck(cfg config.Config, args []string) error {
	target := ""
	if len(args) > 0 {
		target = args[0]
	} else {
		_, port, err := net.SplitHostPort(cfg.Addr)
		if err != nil {
			return fmt.Errorf("TAKUMI_ADDR: %w", err)
		}
		target = "http://127.0.0.1:" + port + "/readyz"
	}
	client := &http.Client{Timeout: 3 * time.Second}
	res, err := client.Get(target)
	if err != nil {
		return err
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("%s answered %d", target, res.StatusCode)
	}
	return nil
}
