package jobs_test

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"takumi/internal/database"
	"takumi/internal/dbtest"
	"takumi/internal/learning"
)

// The binary is built once for every test of the package.
var (
	buildOnce sync.Once
	binPath   string
	buildErr  error
)

// takumiBinary builds the real takumi binary into a temporary directory.
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
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// instance is one `takumi serve` subprocess.
type instance struct {
	cmd  *exec.Cmd
	url  string
	logs string
}

// startInstance runs `takumi serve` on a free port against databaseURL with
// extra environment, and waits until /readyz answers 200.
func startInstance(t *testing.T, name, databaseURL string, env ...string) *instance {
	t.Helper()
	addr := dbtest.FreeAddr(t)
	dir := t.TempDir()
	logPath := filepath.Join(dir, name+".log")
	logFile, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { logFile.Close() })
	cmd := exec.Command(takumiBinary(t), "serve")
	cmd.Env = append(os.Environ(), "DATABASE_URL="+databaseURL, "TAKUMI_ENV=development", "TAKUMI_ADDR="+addr,
		"TAKUMI_BASE_URL=http://"+addr, "TAKUMI_DATA_DIR="+filepath.Join(dir, "data"), "TAKUMI_SMTP_HOST=",
		// Several instances run at once: each its own metrics port.
		// The SCORM content origin's development default is the app's
		// port + 1, which another process may hold: port 0 takes a free one.
		"TAKUMI_METRICS_ADDR=127.0.0.1:0", "TAKUMI_CONTENT_ADDR=127.0.0.1:0")
	cmd.Env = append(cmd.Env, env...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	in := &instance{cmd: cmd, url: "http://" + addr, logs: logPath}
	t.Cleanup(func() {
		in.cmd.Process.Kill()
		in.cmd.Wait()
		if t.Failed() {
			b, _ := os.ReadFile(logPath)
			t.Logf("%s log:\n%s", name, tail(string(b), 4000))
		}
	})
	deadline := time.Now().Add(90 * time.Second)
	for {
		res, err := http.Get(in.url + "/readyz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return in
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not become ready", name)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// kill9 kills the instance with SIGKILL: no shutdown code runs.
func (in *instance) kill9(t *testing.T) {
	t.Helper()
	if err := in.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	in.cmd.Wait()
}

func tail(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
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

// TestEngineRecoversAfterKill9: the instance running the progress engine is
// killed with -9 mid-run; a second instance applies new learning events
// within 60 s (River alone would leave the dead run "running", blocking the
// engine's next run, for an hour).
func TestEngineRecoversAfterKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	t.Parallel() // each test waits on its own instances and database
	db := dbtest.New(t)
	url := dbtest.URL(t, db)
	a := startInstance(t, "a", url, "TAKUMI_TEST_JOB_DELAY=progress_apply=10m")
	dbtest.Eventually(t, 30*time.Second, "instance a takes an engine run", func() bool {
		return scalar[int](t, db, `SELECT count(*) FROM river_job WHERE kind = 'progress_apply' AND state = 'running'`) > 0
	})

	// A learner enrols while the engine run hangs.
	g := db.Gorm
	var provider, course, user string
	g.Raw(`INSERT INTO organisations (name_ja, kind) VALUES ('復旧テスト機関', 'provider') RETURNING id`).Row().Scan(&provider)
	g.Raw(`INSERT INTO courses (provider_id, code, status, skill_area_code) VALUES (?, 'recovery', 'published', 'ai_data') RETURNING id`, provider).Row().Scan(&course)
	g.Raw(`INSERT INTO users (email, password_hash, display_name, prefecture_code, industry_code, segment, privacy_notice_version, consented_at)
		VALUES ('recovery@example.jp', 'x', '受講者', '13', 'E', 'engineer', '2026-11', now()) RETURNING id`).Row().Scan(&user)
	if err := learning.AppendEvent(context.Background(), g, learning.Event{Type: "enrolled", UserID: user, CourseID: course}); err != nil {
		t.Fatal(err)
	}
	applied := func() bool {
		return scalar[bool](t, db, `SELECT EXISTS (SELECT 1 FROM learning_events e, progress_engine_state s
			WHERE e.user_id = $1 AND (e.xact_id, e.id) <= (s.cursor_xact, s.cursor_id))`, user)
	}
	time.Sleep(3 * time.Second)
	if applied() {
		t.Fatal("the event was applied while the only engine run was held: the test hook did not hold it")
	}

	a.kill9(t)
	killed := time.Now()
	startInstance(t, "b", url)
	dbtest.Eventually(t, 60*time.Second, "the surviving instance applies the new event", applied)
	took := time.Since(killed)
	t.Logf("engine: new events applied %.1f s after kill -9 of the instance running it", took.Seconds())
	if why := scalar[string](t, db, `SELECT coalesce(max(metadata->>'takumi:rescued'), '') FROM river_job WHERE kind = 'progress_apply'`); why != "instance_gone" {
		t.Errorf("the dead run was not rescued as instance_gone (%q)", why)
	}
}

// TestEmailsRecoverAfterKill9: the instance sending email is killed with -9
// while its messages are in flight; a second instance delivers every queued
// message.
func TestEmailsRecoverAfterKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the binary")
	}
	t.Parallel() // each test waits on its own instances and database
	db := dbtest.New(t)
	url := dbtest.URL(t, db)
	a := startInstance(t, "a", url, "TAKUMI_TEST_JOB_DELAY=send_email=10m")
	const n = 8
	for i := range n {
		if _, err := db.Pool.Exec(context.Background(), `INSERT INTO river_job (kind, args, queue, max_attempts, priority, state, scheduled_at)
			VALUES ('send_email', $1, 'email', 8, 1, 'available', now())`,
			fmt.Sprintf(`{"to":"r%d@example.jp","subject":"recovery","body":"hello"}`, i)); err != nil {
			t.Fatal(err)
		}
	}
	dbtest.Eventually(t, 30*time.Second, "instance a takes the messages", func() bool {
		return scalar[int](t, db, `SELECT count(*) FROM river_job WHERE kind = 'send_email' AND state = 'running'`) > 0
	})
	a.kill9(t)
	killed := time.Now()
	startInstance(t, "b", url)
	dbtest.Eventually(t, 120*time.Second, "every queued message is delivered", func() bool {
		return scalar[int](t, db, `SELECT count(DISTINCT to_addr) FROM dev_mail WHERE subject = 'recovery'`) == n
	})
	t.Logf("email: all %d queued messages delivered %.1f s after kill -9 of the instance sending them", n, time.Since(killed).Seconds())
	if dup := scalar[int](t, db, `SELECT count(*) - count(DISTINCT to_addr) FROM dev_mail WHERE subject = 'recovery'`); dup != 0 {
		t.Errorf("%d messages delivered twice", dup)
	}
}
