// Command capacity measures how many learners can be online at once
// (issue 13; docs/capacity.md). One command:
//
//	go run ./scripts/capacity -n 2000
//
// starts a private PostgreSQL (initdb on a free port, as the postgres OS
// user when run as root) and `takumi serve` on a free port, loads the demo
// courses, creates N learners with signed-in sessions, and runs them: each
// opens My learning, enrols (once), opens a lesson, sends a heartbeat every
// 30 s as the player does, completes the lesson, goes on to the next, and
// answers the quiz when it comes to one. Learners start spread over -ramp;
// requests started after the ramp are measured for -duration. It reports
// p50/p99/max per request kind, errors, and the CPU the app, PostgreSQL and
// this load generator used (from /proc/<pid>/stat), with the load average.
//
// -search N:M tries N, then raises it by M while p99 < 200 ms with no errors.
// -profile FILE runs a heartbeat-only load against an in-process app instead
// and writes its CPU profile (go tool pprof -top FILE).
// -base URL and -database-url URL measure a server already running (its
// CPU is then not measured unless -app-pid is given).
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"os/user"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/pprof"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/alexedwards/scs/v2"

	"takumi/internal/account"
	"takumi/internal/app"
	"takumi/internal/config"
	"takumi/internal/database"
	"takumi/internal/dbtest"
	"takumi/web"
)

type options struct {
	n           int
	search      string
	ramp        time.Duration
	duration    time.Duration
	heartbeat   time.Duration
	beats       int
	base        string
	dbURL       string
	appPID      int
	profile     string
	profileMix  string
	syncCommit  string
	timeout     time.Duration
	keep        bool
	maxConns    int
	pgBin       string
	concurrency int
}

func main() {
	var o options
	flag.IntVar(&o.n, "n", 1000, "learners online at once")
	flag.StringVar(&o.search, "search", "", "N:STEP: start at N learners and raise by STEP while p99 < 200 ms and no errors")
	flag.DurationVar(&o.ramp, "ramp", 60*time.Second, "learners start spread over this time")
	flag.DurationVar(&o.duration, "duration", 120*time.Second, "measured time after the ramp")
	flag.DurationVar(&o.heartbeat, "heartbeat", 30*time.Second, "heartbeat interval (the player's is 30 s)")
	flag.IntVar(&o.beats, "beats", 5, "heartbeats per lesson before completing it (the demo lessons need 2 minutes)")
	flag.StringVar(&o.base, "base", "", "measure a running server at this URL instead of starting one")
	flag.StringVar(&o.dbURL, "database-url", "", "that server's database (with -base), to create learners and sessions")
	flag.IntVar(&o.appPID, "app-pid", 0, "that server's process id (with -base), for its CPU")
	flag.StringVar(&o.profile, "profile", "", "write a CPU profile of an in-process app under heartbeat load to this file")
	flag.StringVar(&o.profileMix, "profile-mix", "", "write a CPU profile of an in-process app under the whole learner mix (-n learners) to this file")
	flag.StringVar(&o.syncCommit, "synchronous-commit", "on", "the private PostgreSQL's synchronous_commit (on or off)")
	flag.DurationVar(&o.timeout, "timeout", 10*time.Second, "a request slower than this is an error")
	flag.BoolVar(&o.keep, "keep", false, "keep the private PostgreSQL's directory")
	flag.IntVar(&o.maxConns, "db-conns", 40, "the app's database pool size (pool_max_conns)")
	flag.StringVar(&o.pgBin, "pg-bin", "/usr/lib/postgresql/15/bin", "PostgreSQL's programs (initdb, pg_ctl)")
	flag.IntVar(&o.concurrency, "http-conns", 256, "HTTP connections to the app at most (a proxy in front does the same)")
	flag.Parse()
	slog.SetDefault(slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn})))
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "capacity:", err)
		os.Exit(1)
	}
}

func run(o options) error {
	// Ctrl-C ends the run; the private PostgreSQL and the server still stop.
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt)
	defer cancel()
	var cleanups []func()
	defer func() {
		for i := len(cleanups) - 1; i >= 0; i-- {
			cleanups[i]()
		}
	}()
	env := &environment{opts: o}
	if o.base == "" {
		pg, err := startPostgres(o)
		if err != nil {
			return err
		}
		cleanups = append(cleanups, pg.stop)
		env.pg = pg
		env.dbURL = pg.url("takumi") + "&pool_max_conns=" + strconv.Itoa(o.maxConns)
	} else {
		if o.dbURL == "" {
			return errors.New("-base needs -database-url")
		}
		env.dbURL = o.dbURL
		env.base = strings.TrimRight(o.base, "/")
		env.appPID = o.appPID
	}
	db, err := database.Open(ctx, env.dbURL)
	if err != nil {
		return err
	}
	defer db.Close()
	if err := database.Migrate(ctx, db); err != nil {
		return err
	}
	env.db = db
	quiet := slog.New(slog.NewTextHandler(io.Discard, nil))
	dataDir, err := os.MkdirTemp("", "takumi-capacity-data-")
	if err != nil {
		return err
	}
	cleanups = append(cleanups, func() { os.RemoveAll(dataDir) })
	cfg := config.Config{Env: config.EnvDevelopment, DatabaseURL: env.dbURL, BaseURL: "http://127.0.0.1", DataDir: dataDir,
		LoginMaxFailures: 5, LoginLockDuration: time.Minute, LoginIPLimit: 1 << 30, LoginIPWindow: time.Minute, DisclosureK: 10, DemoPassword: "capacity-demo-password"}
	if err := app.LoadDemo(ctx, cfg, db, io.Discard); err != nil {
		return fmt.Errorf("demo data: %w", err)
	}
	if env.course, err = pickCourse(ctx, db); err != nil {
		return err
	}
	if o.profile != "" {
		return profileHeartbeats(ctx, env, cfg, quiet)
	}
	if o.profileMix != "" {
		return profileMix(ctx, env, cfg, quiet)
	}
	if env.base == "" {
		stop, err := env.startServer(ctx)
		if err != nil {
			return err
		}
		cleanups = append(cleanups, stop)
	}
	fmt.Printf("machine: %d cores; course %s (%d lessons, %d quizzes); heartbeat %s, %d per lesson; ramp %s, measured %s\n",
		runtime.NumCPU(), env.course.code, len(env.course.lessons), env.course.quizzes(), o.heartbeat, o.beats, o.ramp, o.duration)
	if o.search == "" {
		_, err := env.round(ctx, o.n)
		return err
	}
	start, step, ok := strings.Cut(o.search, ":")
	n, err1 := strconv.Atoi(start)
	s, err2 := strconv.Atoi(step)
	if !ok || err1 != nil || err2 != nil || n < 1 || s < 1 {
		return errors.New("-search wants N:STEP")
	}
	best := 0
	for {
		res, err := env.round(ctx, n)
		if err != nil {
			return err
		}
		if !res.ok() {
			break
		}
		best = n
		n += s
	}
	fmt.Printf("RESULT largest N with p99 < 200 ms and no errors: %d\n", best)
	return nil
}

// environment is what a run needs: the database, the server, the course.
type environment struct {
	opts   options
	db     *database.DB
	dbURL  string
	base   string
	appPID int
	pg     *privatePG
	course course
	users  []learner // created so far
}

type lesson struct {
	ID   string `json:"id"`
	Kind string `json:"kind"`
}

type course struct {
	id, code string
	lessons  []lesson
}

func (c course) quizzes() int {
	n := 0
	for _, l := range c.lessons {
		if l.Kind == "quiz" {
			n++
		}
	}
	return n
}

// pickCourse takes the published demo course with the most lessons that has
// a quiz.
func pickCourse(ctx context.Context, db *database.DB) (course, error) {
	var rows []struct {
		ID, Code, Lessons string
	}
	err := db.Gorm.WithContext(ctx).Raw(`SELECT c.id, c.code,
		jsonb_path_query_array(r.content, '$.modules[*].lessons[*]')::text AS lessons
		FROM courses c JOIN course_revisions r ON r.course_id = c.id AND r.number = c.published_revision
		WHERE c.status = 'published' AND c.archived_at IS NULL ORDER BY c.code`).Scan(&rows).Error
	if err != nil {
		return course{}, err
	}
	var best course
	for _, r := range rows {
		c := course{id: r.ID, code: r.Code}
		if err := json.Unmarshal([]byte(r.Lessons), &c.lessons); err != nil {
			return course{}, fmt.Errorf("course %s content: %w", r.Code, err)
		}
		if c.quizzes() > 0 && len(c.lessons) > len(best.lessons) {
			best = c
		}
	}
	if best.id == "" {
		return course{}, errors.New("no published course with a quiz (demo data missing?)")
	}
	return best, nil
}

// learner is one simulated person: an account and its session cookie.
type learner struct {
	userID, token string
	enrolment     string // set once enrolled
}

// ensureLearners creates learners (accounts without a password, and a
// signed-in session each, made by the app's own session manager) up to n.
func (env *environment) ensureLearners(ctx context.Context, n int) error {
	if len(env.users) >= n {
		return nil
	}
	from := len(env.users)
	var ids []string
	err := env.db.Gorm.WithContext(ctx).Raw(`INSERT INTO users (email, password_hash, display_name, prefecture_code, industry_code, segment,
			language, privacy_notice_version, consented_at, email_verified_at)
		SELECT 'capacity-' || g || '-' || substr(md5(random()::text), 1, 8) || '@load.takumi.localhost', 'x', '負荷 試験', '13', 'G', 'engineer', 'ja',
			?, now(), now()
		FROM generate_series(?::int, ?::int) g RETURNING id`, account.PrivacyNoticeVersion, from+1, n).Scan(&ids).Error
	if err != nil {
		return fmt.Errorf("create learners: %w", err)
	}
	sm := scs.New()
	// The app's own session store, so each row carries its user id and
	// the server reads the account with the session (issue 20).
	sm.Store = app.NewSessionStore(env.db, sm.Codec, web.SessionUserKey, 0)
	sm.Lifetime = 12 * time.Hour
	sm.IdleTimeout = 2 * time.Hour
	sm.HashTokenInStore = true
	for _, id := range ids {
		sctx, err := sm.Load(ctx, "")
		if err != nil {
			return err
		}
		sm.Put(sctx, "user_id", id)
		sm.Put(sctx, "session_version", 1) // users.session_version's default
		tok, _, err := sm.Commit(sctx)
		if err != nil {
			return fmt.Errorf("create session: %w", err)
		}
		env.users = append(env.users, learner{userID: id, token: tok})
	}
	return nil
}

// startServer builds and starts `takumi serve` on a free port.
func (env *environment) startServer(ctx context.Context) (func(), error) {
	dir, err := os.MkdirTemp("", "takumi-capacity-")
	if err != nil {
		return nil, err
	}
	bin := filepath.Join(dir, "takumi")
	build := exec.CommandContext(ctx, "go", "build", "-o", bin, ".")
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		return nil, fmt.Errorf("go build (run from the repository root): %w", err)
	}
	ports, err := dbtest.FreePorts(1)
	if err != nil {
		return nil, err
	}
	port := ports[0]
	logf, err := os.Create(filepath.Join(dir, "serve.log"))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, "serve")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+env.dbURL, "TAKUMI_ADDR=127.0.0.1:"+strconv.Itoa(port),
		"TAKUMI_METRICS_ADDR=127.0.0.1:0", "TAKUMI_ENV=development", "TAKUMI_BASE_URL=http://127.0.0.1:"+strconv.Itoa(port),
		"TAKUMI_DATA_DIR="+filepath.Join(dir, "data"), "TAKUMI_LOGIN_IP_LIMIT=1000000000",
		"TAKUMI_CONTENT_ADDR=127.0.0.1:0") // the SCORM content origin's default, port + 1, may be taken
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	stop := func() {
		_ = cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		logf.Close()
		os.RemoveAll(dir)
	}
	env.base = "http://127.0.0.1:" + strconv.Itoa(port)
	env.appPID = cmd.Process.Pid
	deadline := time.Now().Add(2 * time.Minute)
	for {
		res, err := http.Get(env.base + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == 200 {
				return stop, nil
			}
		}
		if time.Now().After(deadline) {
			stop()
			return nil, errors.New("takumi serve did not become ready")
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// --- one round of load ---

type sample struct {
	kind string
	at   time.Duration // started this long after the measurement began
	d    time.Duration
	err  string // "" when the answer was as expected
}

type recorder struct {
	mu       sync.Mutex
	measured []sample
	from     time.Time // requests started after this are measured
	errs     map[string]int
}

func (r *recorder) add(kind string, start time.Time, err string) {
	d := time.Since(start)
	if start.Before(r.from) {
		return
	}
	r.mu.Lock()
	r.measured = append(r.measured, sample{kind: kind, at: start.Sub(r.from), d: d, err: err})
	if err != "" {
		if r.errs == nil {
			r.errs = map[string]int{}
		}
		r.errs[kind+": "+err]++
	}
	r.mu.Unlock()
}

type result struct {
	n        int
	p50, p99 time.Duration
	requests int
	errors   int
}

func (r result) ok() bool { return r.errors == 0 && r.p99 < 200*time.Millisecond && r.requests > 0 }

func (env *environment) round(ctx context.Context, n int) (result, error) {
	o := env.opts
	if err := env.ensureLearners(ctx, n); err != nil {
		return result{}, err
	}
	transport := &http.Transport{MaxIdleConns: o.concurrency, MaxIdleConnsPerHost: o.concurrency, MaxConnsPerHost: o.concurrency,
		IdleConnTimeout: 90 * time.Second, DisableCompression: true}
	defer transport.CloseIdleConnections()
	if err := env.enrolAll(ctx, transport, n); err != nil {
		return result{}, err
	}
	rec := &recorder{from: time.Now().Add(o.ramp)}
	rctx, stop := context.WithTimeout(ctx, o.ramp+o.duration)
	defer stop()
	before := env.cpu()
	var measureStart cpuTimes
	var wg sync.WaitGroup
	go func() {
		select {
		case <-time.After(o.ramp):
			measureStart = env.cpu()
		case <-rctx.Done():
		}
	}()
	base, _ := url.Parse(env.base)
	for i := 0; i < n; i++ {
		wg.Add(1)
		go func(i int, l learner) {
			defer wg.Done()
			delay := time.Duration(int64(o.ramp) * int64(i) / int64(n))
			select {
			case <-time.After(delay):
			case <-rctx.Done():
				return
			}
			jar, _ := cookiejar.New(nil)
			jar.SetCookies(base, []*http.Cookie{{Name: "takumi_session", Value: l.token, Path: "/"}})
			c := &client{env: env, rec: rec, http: &http.Client{Transport: transport, Jar: jar, Timeout: o.timeout,
				CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}, base: base}
			c.live(rctx, l.enrolment, rand.New(rand.NewPCG(uint64(i), 7)))
		}(i, env.users[i])
	}
	wg.Wait()
	after := env.cpu()
	_ = before
	return env.report(n, rec, measureStart, after), nil
}

// enrolAll enrols the learners up to n that are not yet enrolled, through
// HTTP (My learning, then the enrol form) with 16 at a time, before the
// round: enrolling is once per learner, not part of being online. It
// prints the enrolment rate and latency.
func (env *environment) enrolAll(ctx context.Context, transport *http.Transport, n int) error {
	base, _ := url.Parse(env.base)
	rec := &recorder{}
	var next atomic.Int64
	next.Store(-1)
	var wg sync.WaitGroup
	start := time.Now()
	todo := 0
	for i := 0; i < n; i++ {
		if env.users[i].enrolment == "" {
			todo++
		}
	}
	if todo == 0 {
		return nil
	}
	for w := 0; w < 16; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1))
				if i >= n || ctx.Err() != nil {
					return
				}
				l := &env.users[i]
				if l.enrolment != "" {
					continue
				}
				jar, _ := cookiejar.New(nil)
				jar.SetCookies(base, []*http.Cookie{{Name: "takumi_session", Value: l.token, Path: "/"}})
				c := &client{env: env, rec: rec, base: base, http: &http.Client{Transport: transport, Jar: jar, Timeout: 60 * time.Second,
					CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
				if res, _ := c.do(ctx, "my_learning", "GET", "/learn", nil, 200); res == nil {
					continue
				}
				res, _ := c.do(ctx, "enrol", "POST", "/learn/enrol", url.Values{"course_id": {env.course.id}}, 303)
				if res == nil {
					continue
				}
				if m := reEnrolment.FindStringSubmatch(res.Header.Get("Location")); m != nil {
					l.enrolment = m[1]
				}
			}
		}()
	}
	wg.Wait()
	var ds []time.Duration
	for _, s := range rec.measured {
		if s.kind == "enrol" {
			ds = append(ds, s.d)
		}
	}
	slices.Sort(ds)
	took := time.Since(start)
	fmt.Printf("enrolled %d learners in %.0f s (%.0f/s, 16 at a time): enrol p50 %s p99 %s; errors %v\n",
		len(ds), took.Seconds(), float64(len(ds))/took.Seconds(), ms(pct(0.5, ds)), ms(pct(0.99, ds)), rec.errs)
	for i := 0; i < n; i++ {
		if env.users[i].enrolment == "" {
			return fmt.Errorf("learner %d could not enrol", i)
		}
	}
	return nil
}

// client is one learner's browser.
type client struct {
	env  *environment
	rec  *recorder
	http *http.Client
	base *url.URL
}

func (c *client) csrf() string {
	for _, k := range c.http.Jar.Cookies(c.base) {
		if k.Name == "takumi_csrf" {
			return k.Value
		}
	}
	return ""
}

// do sends one request and records it under kind; want lists the expected
// statuses. It returns the response (body read) or nil.
func (c *client) do(ctx context.Context, kind, method, path string, form url.Values, want ...int) (*http.Response, []byte) {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequestWithContext(ctx, method, c.base.String()+path, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	if method == http.MethodPost {
		req.Header.Set("X-CSRF-Token", c.csrf())
	}
	if kind == "heartbeat" {
		req.Header.Set("HX-Request", "true")
	}
	start := time.Now()
	res, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return nil, nil // the round ended
		}
		msg := err.Error()
		if errors.Is(err, context.DeadlineExceeded) || strings.Contains(msg, "Client.Timeout") {
			msg = "timeout"
		} else if len(msg) > 60 {
			msg = msg[len(msg)-60:]
		}
		c.rec.add(kind, start, msg)
		return nil, nil
	}
	b, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if ctx.Err() != nil && errors.Is(ctx.Err(), context.DeadlineExceeded) && len(b) == 0 {
		return nil, nil
	}
	if !slices.Contains(want, res.StatusCode) {
		c.rec.add(kind, start, "status "+strconv.Itoa(res.StatusCode))
		return nil, nil
	}
	c.rec.add(kind, start, "")
	return res, b
}

func (c *client) sleep(ctx context.Context, d time.Duration) bool {
	select {
	case <-time.After(d):
		return true
	case <-ctx.Done():
		return false
	}
}

var (
	reEnrolment = regexp.MustCompile(`^/learn/([0-9a-f-]{36})/`)
	reAnswer    = regexp.MustCompile(`name="(q_[^"]+)"(?: value="([^"]*)")?`)
)

// live is one learner's session, until ctx ends.
func (c *client) live(ctx context.Context, eid string, rnd *rand.Rand) {
	o := c.env.opts
	course := c.env.course
	if res, _ := c.do(ctx, "my_learning", "GET", "/learn", nil, 200); res == nil {
		return
	}
	// Learners online are at every point of a lesson, not all at its
	// start: the first lesson begins at a random place (lesson and
	// heartbeat), so the measured window sees the steady mix of page views,
	// heartbeats, completions and quizzes from its first minute.
	first := rnd.IntN(len(course.lessons))
	firstBeats := 1 + rnd.IntN(o.beats)
	for ctx.Err() == nil {
		for li, l := range course.lessons {
			if li < first {
				continue
			}
			beats := o.beats
			if first >= 0 && li == first {
				beats = firstBeats
			}
			if ctx.Err() != nil {
				return
			}
			if l.Kind == "quiz" {
				c.quiz(ctx, eid, l.ID)
				continue
			}
			path := "/learn/" + eid + "/lessons/" + l.ID
			if res, _ := c.do(ctx, "lesson", "GET", path, nil, 200); res == nil {
				continue
			}
			// The first heartbeat comes at a random point of the first
			// interval (learners are not in step), then every interval.
			wait := time.Duration(rnd.Int64N(int64(o.heartbeat))) + time.Second
			for b := 0; b < beats; b++ {
				if !c.sleep(ctx, wait) {
					return
				}
				wait = o.heartbeat
				c.do(ctx, "heartbeat", "POST", path+"/heartbeat", url.Values{}, 200)
			}
			c.do(ctx, "complete", "POST", path+"/complete", url.Values{}, 303)
		}
		first = -1
		if !c.sleep(ctx, o.heartbeat) {
			return
		}
		c.do(ctx, "my_learning", "GET", "/learn", nil, 200)
	}
}

// quiz opens the quiz, starts (or resumes) an attempt and submits the first
// choice of every question.
func (c *client) quiz(ctx context.Context, eid, lid string) {
	path := "/learn/" + eid + "/quiz/" + lid
	if res, _ := c.do(ctx, "quiz_open", "GET", path, nil, 200); res == nil {
		return
	}
	res, _ := c.do(ctx, "quiz_start", "POST", path+"/start", url.Values{}, 303, 409)
	if res == nil || res.StatusCode == 409 {
		return // no attempts left: the learner has passed or used them all
	}
	attempt := res.Header.Get("Location")
	_, page := c.do(ctx, "quiz_attempt", "GET", attempt, nil, 200)
	if page == nil {
		return
	}
	answers := url.Values{}
	for _, m := range reAnswer.FindAllSubmatch(page, -1) {
		name := string(m[1])
		if answers.Has(name) {
			continue
		}
		v := string(m[2])
		if v == "" {
			v = "1"
		}
		answers.Set(name, v)
	}
	if !c.sleep(ctx, 20*time.Second) { // reading the questions
		return
	}
	c.do(ctx, "quiz_submit", "POST", attempt, answers, 303, 200, 422)
}

// --- CPU ---

type cpuTimes struct {
	at                  time.Time
	app, postgres, self float64 // seconds of CPU
	load1               string
}

const clockTicks = 100 // USER_HZ on Linux

func procCPU(pid int) float64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+2:])
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseFloat(f[11], 64)
	st, _ := strconv.ParseFloat(f[12], 64)
	return (u + st) / clockTicks
}

// postgresCPU is the CPU of the private postmaster and its children
// (backends, WAL writer, checkpointer), or, with -base, of every process
// named postgres (the shared server: other work counts too).
func (env *environment) postgresCPU() float64 {
	root := 0
	if env.pg != nil {
		root = env.pg.pid()
	}
	ents, _ := os.ReadDir("/proc")
	total := 0.0
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile("/proc/" + e.Name() + "/stat")
		if err != nil {
			continue
		}
		s := string(b)
		i := strings.LastIndexByte(s, ')')
		if i < 0 || !strings.Contains(s[:i], "(postgres") {
			continue
		}
		f := strings.Fields(s[i+2:])
		ppid, _ := strconv.Atoi(f[1])
		if root != 0 && pid != root && ppid != root {
			continue
		}
		total += procCPU(pid)
	}
	return total
}

func (env *environment) cpu() cpuTimes {
	t := cpuTimes{at: time.Now(), postgres: env.postgresCPU(), self: procCPU(os.Getpid())}
	if env.appPID != 0 {
		t.app = procCPU(env.appPID)
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		t.load1 = strings.Fields(string(b))[0]
	}
	return t
}

func pct(p float64, ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	i := int(p * float64(len(ds)-1))
	return ds[i]
}

func (env *environment) report(n int, rec *recorder, a, b cpuTimes) result {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	kinds := map[string][]time.Duration{}
	var all []time.Duration
	errs := 0
	for _, s := range rec.measured {
		kinds[s.kind] = append(kinds[s.kind], s.d)
		all = append(all, s.d)
		if s.err != "" {
			errs++
		}
	}
	for _, ds := range kinds {
		slices.Sort(ds)
	}
	slices.Sort(all)
	wall := b.at.Sub(a.at).Seconds()
	res := result{n: n, p50: pct(0.5, all), p99: pct(0.99, all), requests: len(all), errors: errs}
	fmt.Printf("\n== N=%d learners online: %d requests in %.0f s (%.1f/s), %d errors; load average %s at start of measurement, %s at end\n",
		n, len(all), wall, float64(len(all))/wall, errs, a.load1, b.load1)
	names := make([]string, 0, len(kinds))
	for k := range kinds {
		names = append(names, k)
	}
	sort.Strings(names)
	fmt.Printf("%-14s %8s %8s %8s %8s\n", "request", "count", "p50", "p99", "max")
	for _, k := range names {
		ds := kinds[k]
		fmt.Printf("%-14s %8d %8s %8s %8s\n", k, len(ds), ms(pct(0.5, ds)), ms(pct(0.99, ds)), ms(ds[len(ds)-1]))
	}
	fmt.Printf("%-14s %8d %8s %8s %8s\n", "ALL", len(all), ms(res.p50), ms(res.p99), ms(pct(1, all)))
	if wall > 0 {
		app, pg, self := (b.app-a.app)/wall, (b.postgres-a.postgres)/wall, (b.self-a.self)/wall
		appStr := "not measured (give -app-pid)"
		if env.appPID != 0 {
			appStr = fmt.Sprintf("%.2f cores", app)
		}
		fmt.Printf("CPU: app %s, postgres %.2f cores, load generator %.2f cores (of %d)\n", appStr, pg, self, runtime.NumCPU())
		if env.appPID != 0 && app > 0 && pg > 0 {
			fmt.Printf("     learners online per app core %.0f, per postgres core %.0f\n", float64(n)/app, float64(n)/pg)
		}
	}
	// Over time: a tail that is one stall (a queue at the end of the ramp,
	// a pause) shows in one window, a steady one in all.
	const window = 20 * time.Second
	byWindow := map[int][]time.Duration{}
	for _, s := range rec.measured {
		byWindow[int(s.at/window)] = append(byWindow[int(s.at/window)], s.d)
	}
	var ws []string
	for i := 0; i <= int(time.Duration(wall*float64(time.Second))/window); i++ {
		ds := byWindow[i]
		if len(ds) == 0 {
			continue
		}
		slices.Sort(ds)
		ws = append(ws, fmt.Sprintf("%ds–: %d, p99 %s", i*int(window/time.Second), len(ds), ms(pct(0.99, ds))))
	}
	fmt.Println("by 20 s window (start: requests, p99): " + strings.Join(ws, "; "))
	var el []string
	for k, v := range rec.errs {
		el = append(el, fmt.Sprintf("  %s ×%d", k, v))
	}
	sort.Strings(el)
	if len(el) > 0 {
		fmt.Println("errors:\n" + strings.Join(el, "\n"))
	}
	verdict := "FAIL"
	if res.ok() {
		verdict = "PASS"
	}
	fmt.Printf("%s: p99 %s (limit 200 ms), %d errors\n", verdict, ms(res.p99), errs)
	return res
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond)) }

// --- heartbeat profile ---

// profileHeartbeats runs the app in this process and sends heartbeats from
// -n learners as fast as 64 workers can, for -duration, writing the CPU
// profile of the whole process (the app's handler and the client show
// apart: go tool pprof -top -focus=handlePlayerHeartbeat FILE).
func profileHeartbeats(ctx context.Context, env *environment, cfg config.Config, logger *slog.Logger) error {
	a, err := app.New(cfg, env.db, logger)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	sctx, stopServe := context.WithCancel(ctx)
	go a.Serve(sctx, ln)
	defer stopServe()
	env.base = "http://" + ln.Addr().String()
	n := min(env.opts.n, 2000)
	if err := env.ensureLearners(ctx, n); err != nil {
		return err
	}
	base, _ := url.Parse(env.base)
	transport := &http.Transport{MaxIdleConnsPerHost: 64}
	rec := &recorder{}
	type open struct {
		c    *client
		path string
	}
	var ready []open
	for i := 0; i < n; i++ {
		jar, _ := cookiejar.New(nil)
		jar.SetCookies(base, []*http.Cookie{{Name: "takumi_session", Value: env.users[i].token, Path: "/"}})
		c := &client{env: env, rec: rec, base: base, http: &http.Client{Transport: transport, Jar: jar,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
		c.do(ctx, "my_learning", "GET", "/learn", nil, 200)
		res, _ := c.do(ctx, "enrol", "POST", "/learn/enrol", url.Values{"course_id": {env.course.id}}, 303)
		if res == nil {
			continue
		}
		loc := res.Header.Get("Location")
		if !strings.Contains(loc, "/lessons/") {
			continue
		}
		c.do(ctx, "lesson", "GET", loc, nil, 200)
		ready = append(ready, open{c, loc})
	}
	if len(ready) == 0 {
		return fmt.Errorf("no learner could open a lesson: %v", rec.errs)
	}
	f, err := os.Create(env.opts.profile)
	if err != nil {
		return err
	}
	defer f.Close()
	rec = &recorder{}
	for _, r := range ready {
		r.c.rec = rec
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		return err
	}
	a0 := procCPU(os.Getpid())
	pg0 := env.postgresCPU()
	start := time.Now()
	var next atomic.Int64
	var wg sync.WaitGroup
	dctx, cancel := context.WithTimeout(ctx, env.opts.duration)
	defer cancel()
	for w := 0; w < 64; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for dctx.Err() == nil {
				r := ready[int(next.Add(1))%len(ready)]
				r.c.do(dctx, "heartbeat", "POST", r.path+"/heartbeat", url.Values{}, 200)
			}
		}()
	}
	wg.Wait()
	pprof.StopCPUProfile()
	wall := time.Since(start).Seconds()
	var ds []time.Duration
	for _, s := range rec.measured {
		ds = append(ds, s.d)
	}
	slices.Sort(ds)
	proc, pg := procCPU(os.Getpid())-a0, env.postgresCPU()-pg0
	fmt.Printf("heartbeats: %d in %.0f s = %.0f/s with 64 concurrent; p50 %s p99 %s; errors %d\n", len(ds), wall, float64(len(ds))/wall,
		ms(pct(0.5, ds)), ms(pct(0.99, ds)), len(rec.errs))
	fmt.Printf("CPU per heartbeat: app+client process %.2f ms, postgres %.2f ms\n", proc*1000/float64(max(len(ds), 1)), pg*1000/float64(max(len(ds), 1)))
	fmt.Printf("profile: %s (go tool pprof -top -focus=handlePlayerHeartbeat %s)\n", env.opts.profile, env.opts.profile)
	return nil
}

// profileMix runs the whole learner mix against an in-process app and
// writes the CPU profile of the process (app and load generator; the
// generator's share is small: see a normal run's CPU line).
func profileMix(ctx context.Context, env *environment, cfg config.Config, logger *slog.Logger) error {
	a, err := app.New(cfg, env.db, logger)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	sctx, stopServe := context.WithCancel(ctx)
	defer stopServe()
	go a.Serve(sctx, ln)
	env.base = "http://" + ln.Addr().String()
	f, err := os.Create(env.opts.profileMix)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := pprof.StartCPUProfile(f); err != nil {
		return err
	}
	_, err = env.round(ctx, env.opts.n)
	pprof.StopCPUProfile()
	fmt.Printf("profile: %s (go tool pprof -top -cum %s)\n", env.opts.profileMix, env.opts.profileMix)
	return err
}

// --- private PostgreSQL ---

type privatePG struct {
	bin, dir string
	port     int
	runAs    bool
	keep     bool
}

func (p *privatePG) url(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", p.port, db)
}

func (p *privatePG) pid() int {
	b, err := os.ReadFile(filepath.Join(p.dir, "data", "postmaster.pid"))
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.SplitN(string(b), "\n", 2)[0])
	return pid
}

func (p *privatePG) cmd(prog string, args ...string) error {
	path := filepath.Join(p.bin, prog)
	var c *exec.Cmd
	if p.runAs {
		c = exec.Command("runuser", append([]string{"-u", "postgres", "--", path}, args...)...)
	} else {
		c = exec.Command(path, args...)
	}
	c.Dir = p.dir
	out, err := c.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s: %v\n%s", prog, err, out)
	}
	return nil
}

func (p *privatePG) stop() {
	if err := p.cmd("pg_ctl", "-D", filepath.Join(p.dir, "data"), "-m", "fast", "-w", "stop"); err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	if !p.keep {
		os.RemoveAll(p.dir)
	}
}

// startPostgres starts a private PostgreSQL 15 for the run: its CPU is the
// database's alone, even on a machine where another server runs.
func startPostgres(o options) (*privatePG, error) {
	if _, err := os.Stat(filepath.Join(o.pgBin, "initdb")); err != nil {
		return nil, fmt.Errorf("initdb not found in %s (-pg-bin)", o.pgBin)
	}
	dir, err := os.MkdirTemp("", "takumi-capacity-pg-")
	if err != nil {
		return nil, err
	}
	p := &privatePG{bin: o.pgBin, dir: dir, keep: o.keep}
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			return nil, errors.New("run as root needs the postgres OS user")
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			return nil, err
		}
		p.runAs = true
	}
	ports, err := dbtest.FreePorts(1)
	if err != nil {
		return nil, err
	}
	p.port = ports[0]
	data := filepath.Join(dir, "data")
	if err := p.cmd("initdb", "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C"); err != nil {
		return nil, err
	}
	// Settings of a small dedicated database server (docs/capacity.md).
	conf := fmt.Sprintf(`
listen_addresses = '127.0.0.1'
port = %d
unix_socket_directories = '%s'
max_connections = 200
shared_buffers = 512MB
effective_cache_size = 2GB
work_mem = 8MB
synchronous_commit = %s
`, p.port, dir, o.syncCommit)
	if err := appendFile(filepath.Join(data, "postgresql.conf"), conf); err != nil {
		return nil, err
	}
	if err := p.cmd("pg_ctl", "-D", data, "-l", filepath.Join(dir, "server.log"), "-w", "start"); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return p, nil
}

func appendFile(path, s string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, err = f.WriteString(s)
	return errors.Join(err, f.Close())
}
