package multiinstance_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"takumi/internal/bulkenrol"
	"takumi/internal/catalog"
	"takumi/internal/database"
	"takumi/internal/dbtest"
	"takumi/internal/fixtures"
	"takumi/internal/i18n"
	"takumi/internal/learning"
	"takumi/internal/storage"
	"takumi/internal/storage/storagetest"
)

var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// takumiBinary builds the real takumi binary once.
func takumiBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "takumi-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binPath = filepath.Join(dir, "takumi")
		cmd := exec.Command("go", "build", "-o", binPath, "takumi")
		cmd.Dir = "../.."
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// serve runs `takumi serve` on a free port and waits for /readyz.
func serve(t *testing.T, name, baseURL string, env []string) *url.URL {
	t.Helper()
	addr := dbtest.FreeAddr(t)
	dir := t.TempDir()
	logPath := filepath.Join(dir, name+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(takumiBinary(t), "serve")
	cmd.Env = append(os.Environ(), "TAKUMI_ENV=development", "TAKUMI_ADDR="+addr, "TAKUMI_BASE_URL="+baseURL,
		"TAKUMI_DATA_DIR="+filepath.Join(dir, "data"), "TAKUMI_SMTP_HOST=", "TAKUMI_METRICS_ADDR=127.0.0.1:0",
		"TAKUMI_TRUSTED_PROXIES=127.0.0.1/32",
		// The SCORM content origin's development default is the app's
		// port + 1, which another process may hold: port 0 takes a free one.
		"TAKUMI_CONTENT_ADDR=127.0.0.1:0")
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cmd.Process.Signal(os.Interrupt)
		done := make(chan struct{})
		go func() { cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(20 * time.Second):
			cmd.Process.Kill()
			<-done
		}
		logFile.Close()
		if t.Failed() {
			b, _ := os.ReadFile(logPath)
			s := string(b)
			if len(s) > 4000 {
				s = s[len(s)-4000:]
			}
			t.Logf("%s log:\n%s", name, s)
		}
	})
	u, _ := url.Parse("http://" + addr)
	deadline := time.Now().Add(90 * time.Second)
	for {
		if res, err := http.Get(u.String() + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return u
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not become ready", name)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// balancer is the load balancer of the test: a reverse proxy whose target
// the test chooses before each step, counting what each instance served.
type balancer struct {
	targets map[string]*url.URL
	current atomic.Pointer[string]
	mu      sync.Mutex
	served  map[string]int
}

func (lb *balancer) via(name string) { lb.current.Store(&name) }

func (lb *balancer) handler() http.Handler {
	return &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) {
		name := *lb.current.Load()
		r.SetURL(lb.targets[name])
		r.Out.Host = r.In.Host // as nginx's proxy_set_header Host
		r.SetXForwarded()
		lb.mu.Lock()
		lb.served[name]++
		lb.mu.Unlock()
	}}
}

// client is a browser without JavaScript: cookies, no redirects followed.
type client struct {
	t    *testing.T
	base string
	c    *http.Client
}

func newClient(t *testing.T, base string) *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: t, base: base, c: &http.Client{Jar: jar, Timeout: 30 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (c *client) do(req *http.Request) (*http.Response, string) {
	c.t.Helper()
	res, err := c.c.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

func (c *client) get(path string) (*http.Response, string) {
	c.t.Helper()
	req, _ := http.NewRequest(http.MethodGet, c.base+path, nil)
	return c.do(req)
}

func (c *client) csrf(path string) string {
	c.t.Helper()
	res, body := c.get(path)
	d, err := goquery.NewDocumentFromReader(strings.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	tok, ok := d.Find(`input[name="_csrf"]`).First().Attr("value")
	if !ok {
		c.t.Fatalf("no CSRF token on %s (%d)", path, res.StatusCode)
	}
	return tok
}

func (c *client) post(formPage, path string, v url.Values) (*http.Response, string) {
	c.t.Helper()
	v.Set("_csrf", c.csrf(formPage))
	req, _ := http.NewRequest(http.MethodPost, c.base+path, strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

// TestTwoInstancesBehindABalancer (issue 13, part 3): two `takumi serve`
// processes on one database and one S3 store (SeaweedFS), behind a reverse
// proxy. A session begun on one instance goes on on the other; a file
// uploaded through one plays through the other; a bulk enrolment job and
// its emails run once; every learning event counts once (reconcile finds
// no difference).
func TestTwoInstancesBehindABalancer(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	s3 := storagetest.SeaweedFS(t)
	db := dbtest.New(t)
	ctx := context.Background()

	// The proxy's address is the site's base URL for both instances.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	base := "http://" + ln.Addr().String()
	env := []string{"DATABASE_URL=" + dbtest.URL(t, db), "TAKUMI_STORAGE=s3", "TAKUMI_S3_ENDPOINT=" + s3.Endpoint,
		"TAKUMI_S3_REGION=" + s3.Region, "TAKUMI_S3_BUCKET=" + s3.Bucket, "TAKUMI_S3_ACCESS_KEY_ID=" + s3.AccessKeyID,
		"TAKUMI_S3_SECRET_ACCESS_KEY=" + s3.SecretAccessKey, "TAKUMI_S3_PATH_STYLE=true"}
	lb := &balancer{targets: map[string]*url.URL{}, served: map[string]int{}}
	lb.targets["a"] = serve(t, "a", base, env)
	lb.targets["b"] = serve(t, "b", base, env)
	lb.via("a")
	proxy := httptest.NewUnstartedServer(lb.handler())
	proxy.Listener.Close()
	proxy.Listener = ln
	proxy.Start()
	t.Cleanup(proxy.Close)

	// The world: a provider with an instructor and two courses, an
	// employer with an admin, a learner.
	author := fixtures.MustCreateUser(t, db, fixtures.User{Email: "mi-author@example.jp", Name: "講師 一"})
	provider := fixtures.MustAddMember(t, db, "複数台研修機関", "provider", author, "instructor", false)
	admin := fixtures.MustCreateUser(t, db, fixtures.User{Email: "mi-admin@example.jp", Name: "管理 一"})
	employer := fixtures.MustAddMember(t, db, "複数台株式会社", "employer", admin, "admin", false)
	fixtures.MustCreateUser(t, db, fixtures.User{Email: "mi-learner@example.jp", Name: "受講 一"})
	files, err := storage.NewS3(s3)
	if err != nil {
		t.Fatal(err)
	}
	cs := catalog.NewService(db.Gorm, files)
	a := catalog.Actor{UserID: author}
	mkCourse := func(code string, lesson catalog.Lesson, publish bool) string {
		c, err := cs.CreateCourse(ctx, a, catalog.NewCourse{ProviderID: provider, Code: code, Content: catalog.Content{
			TitleJa: "複数台 " + code, SummaryJa: "概要", SkillArea: "digital_literacy", Level: catalog.LevelIntroductory,
			EstimatedHours: 1, Language: "ja", DeliveryMode: catalog.DeliverySelfPaced}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := cs.EditDraft(ctx, a, c.ID, 0, func(ct *catalog.Content) error {
			ct.Modules = []catalog.Module{{ID: catalog.NewID(), TitleJa: "第1章", Lessons: []catalog.Lesson{lesson}}}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if publish {
			if _, err := cs.Publish(ctx, a, c.ID); err != nil {
				t.Fatal(err)
			}
		}
		return c.ID
	}
	selfPaced := mkCourse("mi-self", catalog.Lesson{ID: catalog.NewID(), Kind: catalog.LessonReading, TitleJa: "一", Required: true, BodyMd: "本文"}, true)
	videoLesson := catalog.NewID()
	videoCourse := mkCourse("mi-video", catalog.Lesson{ID: videoLesson, Kind: catalog.LessonVideo, TitleJa: "動画", Required: true}, false)

	t.Run("SessionMovesBetweenInstances", func(t *testing.T) {
		c := newClient(t, proxy.URL)
		lb.via("a")
		if res, body := c.post("/login", "/login", url.Values{"email": {"mi-learner@example.jp"}, "password": {fixtures.Password}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("sign in through a: %d %.300s", res.StatusCode, body)
		}
		lb.via("b")
		if res, _ := c.get("/learn"); res.StatusCode != http.StatusOK {
			t.Fatalf("my learning through b: %d", res.StatusCode)
		}
		// A form whose token came from b, posted through a.
		tok := c.csrf("/learn")
		lb.via("a")
		req, _ := http.NewRequest(http.MethodPost, c.base+"/learn/enrol",
			strings.NewReader(url.Values{"_csrf": {tok}, "course_id": {selfPaced}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if res, body := c.do(req); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("enrol through a with b's form: %d %.300s", res.StatusCode, body)
		}
		lb.via("b")
		if _, body := c.get("/learn"); !strings.Contains(body, "複数台 mi-self") {
			t.Fatal("the enrolment made through a is not on my learning through b")
		}
	})

	t.Run("MediaUploadedThroughOnePlaysThroughTheOther", func(t *testing.T) {
		c := newClient(t, proxy.URL)
		lb.via("b")
		if res, _ := c.post("/login", "/login", url.Values{"email": {"mi-author@example.jp"}, "password": {fixtures.Password}}); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("author sign-in: %d", res.StatusCode)
		}
		page := "/studio/courses/" + videoCourse + "/lessons/" + videoLesson + "/media"
		video := []byte("\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom\x00\x00\x00\x08free" + strings.Repeat("\x00\x01", 50000))
		lb.via("a")
		var body bytes.Buffer
		w := multipart.NewWriter(&body)
		w.WriteField("_csrf", c.csrf(page))
		fw, _ := w.CreateFormFile("file", "講義.mp4")
		fw.Write(video)
		w.Close()
		req, _ := http.NewRequest(http.MethodPost, c.base+page, &body)
		req.Header.Set("Content-Type", w.FormDataContentType())
		start := time.Now()
		if res, b := c.do(req); res.StatusCode != http.StatusSeeOther {
			t.Fatalf("upload through a: %d %.400s", res.StatusCode, b)
		}
		upload := time.Since(start)
		var mediaID string
		db.Gorm.Raw(`SELECT id FROM media WHERE course_id = ?`, videoCourse).Row().Scan(&mediaID)
		lb.via("b")
		start = time.Now()
		res, got := c.get("/media/" + mediaID)
		play := time.Since(start)
		if res.StatusCode != http.StatusOK || got != string(video) || res.Header.Get("Content-Type") != "video/mp4" ||
			res.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("playback through b: %d, %d bytes, %q", res.StatusCode, len(got), res.Header.Get("Content-Type"))
		}
		req, _ = http.NewRequest(http.MethodGet, c.base+"/media/"+mediaID, nil)
		req.Header.Set("Range", "bytes=4-7")
		if res, part := c.do(req); res.StatusCode != http.StatusPartialContent || part != "ftyp" {
			t.Fatalf("range through b: %d %q", res.StatusCode, part)
		}
		t.Logf("%d KB video: upload through a %v, playback through b %v (via the proxy, SeaweedFS S3)",
			len(video)/1000, upload.Round(time.Millisecond), play.Round(time.Millisecond))
	})

	t.Run("BulkJobAndEmailsRunOnce", func(t *testing.T) {
		lb.via("a")
		msgs := i18n.MustLoad()
		lrn := learning.NewService(db.Gorm, cs, nil, msgs, base)
		bulk, err := bulkenrol.NewService(db, lrn, msgs, base)
		if err != nil {
			t.Fatal(err)
		}
		csv := "email,name,prefecture,industry,segment,course,cohort\n" +
			"mi-learner@example.jp,受講 一,13,G,engineer,mi-self,\n"
		const newPeople = 12
		for i := range newPeople {
			csv += fmt.Sprintf("mi-new%02d@example.jp,新人%d,27,E,developer,mi-self,\n", i, i)
		}
		ba := bulkenrol.Actor{UserID: admin}
		rep, err := bulk.DryRun(ctx, ba, employer, "mi.csv", []byte(csv))
		if err != nil || !rep.OK() {
			t.Fatalf("dry run: %+v %v", rep, err)
		}
		imp, err := bulk.StartImport(ctx, ba, employer, rep.SHA256)
		if err != nil {
			t.Fatal(err)
		}
		// Either instance's workers take the job; the other must not.
		dbtest.Eventually(t, 60*time.Second, "the import finishes", func() bool {
			i, err := bulk.Import(ctx, ba, employer, imp.ID)
			return err == nil && i.Status == bulkenrol.ImportDone
		})
		dbtest.Eventually(t, 60*time.Second, "every queued email is delivered", func() bool {
			return scalar[int64](t, db, `SELECT count(*) FROM river_job WHERE kind = 'send_email' AND state <> 'completed'`) == 0
		})
		if n := scalar[int64](t, db, `SELECT count(*) FROM river_job WHERE kind = 'bulk_enrol'`); n != 1 {
			t.Fatalf("%d bulk jobs", n)
		}
		if n := scalar[int64](t, db, `SELECT max(attempt) FROM river_job WHERE kind = 'bulk_enrol'`); n != 1 {
			t.Fatalf("the bulk job ran %d times", n)
		}
		var dup int64
		db.Gorm.Raw(`SELECT count(*) FROM (SELECT to_addr, subject FROM dev_mail GROUP BY 1, 2 HAVING count(*) > 1) d`).Row().Scan(&dup)
		if dup != 0 {
			t.Fatalf("%d messages delivered more than once", dup)
		}
		invited := scalar[int64](t, db, `SELECT count(DISTINCT to_addr) FROM dev_mail WHERE to_addr LIKE 'mi-new%'`)
		if invited != newPeople {
			t.Fatalf("%d of %d invitations delivered", invited, newPeople)
		}
		if d, j := scalar[int64](t, db, `SELECT count(*) FROM mail_deliveries`), scalar[int64](t, db, `SELECT count(*) FROM river_job WHERE kind = 'send_email'`); d != j {
			t.Fatalf("%d deliveries for %d email jobs", d, j)
		}
		var ranOn []string
		db.Gorm.Raw(`SELECT DISTINCT attempted_by[1] FROM river_job WHERE kind IN ('send_email', 'bulk_enrol')`).Scan(&ranOn)
		t.Logf("bulk job and %d emails ran on %d instance(s)", scalar[int64](t, db, `SELECT count(*) FROM dev_mail`), len(ranOn))
	})

	t.Run("EachLearningEventOnce", func(t *testing.T) {
		dbtest.Eventually(t, 90*time.Second, "the progress engine applies every event", func() bool {
			return scalar[bool](t, db, `SELECT NOT EXISTS (SELECT 1 FROM learning_events e, progress_engine_state s
				WHERE (e.xact_id, e.id) > (s.cursor_xact, s.cursor_id))`)
		})
		cmd := exec.Command(takumiBinary(t), "reconcile")
		cmd.Env = append(os.Environ(), env...)
		cmd.Env = append(cmd.Env, "TAKUMI_ENV=development", "TAKUMI_METRICS_ADDR=off", "TAKUMI_DATA_DIR="+t.TempDir())
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("reconcile: %v\n%s", err, out)
		}
		t.Logf("reconcile: %s", strings.TrimSpace(lastLine(string(out))))
	})

	lb.mu.Lock()
	defer lb.mu.Unlock()
	if lb.served["a"] == 0 || lb.served["b"] == 0 {
		t.Fatalf("requests served: %v", lb.served)
	}
}

func lastLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.LastIndex(s, "\n"); i >= 0 {
		return s[i+1:]
	}
	return s
}

func scalar[T any](t *testing.T, db *database.DB, sql string, args ...any) T {
	t.Helper()
	var v T
	if err := db.Pool.QueryRow(context.Background(), sql, args...).Scan(&v); err != nil {
		t.Fatal(err)
	}
	return v
}
