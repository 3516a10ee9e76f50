package dbtest

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// Pair is a private PostgreSQL primary and its streaming standby, each on a
// free port of 127.0.0.1: the primary made by initdb, the standby by
// pg_basebackup -R from it. They run as the postgres OS user when the test
// runs as root (PostgreSQL refuses to run as root). Both stop, and their
// directories are removed, when the test ends.
type Pair struct {
	t          testing.TB
	bin        string
	dir        string
	runAs      *user.User // nil: run as the current user
	PrimaryURL string     // database postgres on the primary
	StandbyURL string     // database postgres on the standby
	primary    node
	standby    node
}

type node struct {
	data, log string
	port      int
}

// PostgresBinDir is where initdb, pg_ctl and pg_basebackup are looked for:
// TAKUMI_PG_BINDIR, else PostgreSQL 15's Debian directory, else PATH.
func PostgresBinDir() string {
	if d := os.Getenv("TAKUMI_PG_BINDIR"); d != "" {
		return d
	}
	if _, err := os.Stat("/usr/lib/postgresql/15/bin/initdb"); err == nil {
		return "/usr/lib/postgresql/15/bin"
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p)
	}
	return ""
}

// NewPair starts a primary and a streaming standby for t. Without initdb it
// skips the test, except in CI (CI=true), where it fails.
func NewPair(t testing.TB) *Pair {
	t.Helper()
	bin := PostgresBinDir()
	if bin == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("dbtest: initdb not found (install postgresql-15 or set TAKUMI_PG_BINDIR); CI needs it for the replica tests")
		}
		t.Skip("dbtest: initdb not found (install postgresql-15 or set TAKUMI_PG_BINDIR): replica test skipped")
	}
	dir, err := os.MkdirTemp("", "takumi-pgpair-")
	if err != nil {
		t.Fatal(err)
	}
	p := &Pair{t: t, bin: bin, dir: dir}
	t.Cleanup(p.cleanup)
	if os.Geteuid() == 0 {
		u, err := user.Lookup("postgres")
		if err != nil {
			t.Fatalf("dbtest: running as root needs the postgres OS user: %v", err)
		}
		p.runAs = u
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
	}
	p.primary = node{data: filepath.Join(dir, "primary"), log: filepath.Join(dir, "primary.log"), port: FreePort(t)}
	p.standby = node{data: filepath.Join(dir, "standby"), log: filepath.Join(dir, "standby.log"), port: FreePort(t)}
	p.run("initdb", "-D", p.primary.data, "-U", "postgres", "--auth=trust", "--no-sync", "-E", "UTF8", "--locale=C")
	// Fast and private: loopback only, the socket in our directory, no
	// fsync (a test cluster is thrown away).
	conf := fmt.Sprintf("\nlisten_addresses = '127.0.0.1'\nunix_socket_directories = '%s'\nfsync = off\nwal_level = replica\nmax_wal_senders = 5\nhot_standby = on\nwal_receiver_status_interval = 1s\n", dir)
	f, err := os.OpenFile(filepath.Join(p.primary.data, "postgresql.conf"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.WriteString(conf)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	p.start(p.primary)
	p.run("pg_basebackup", "-h", "127.0.0.1", "-p", strconv.Itoa(p.primary.port), "-U", "postgres",
		"-D", p.standby.data, "-R", "-X", "stream", "--no-sync")
	p.start(p.standby)
	p.PrimaryURL = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", p.primary.port)
	p.StandbyURL = fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", p.standby.port)
	return p
}

// StopStandby stops the standby at once (pg_ctl stop -m immediate), as a
// crash would.
func (p *Pair) StopStandby() { p.run("pg_ctl", "-D", p.standby.data, "-m", "immediate", "-w", "stop") }

// StartStandby starts the standby again.
func (p *Pair) StartStandby() { p.start(p.standby) }

// PauseReplay pauses WAL replay on the standby (pg_wal_replay_pause), so
// its lag grows while the primary writes; ResumeReplay resumes it.
func (p *Pair) PauseReplay() { p.onStandby("SELECT pg_wal_replay_pause()") }

// ResumeReplay resumes WAL replay on the standby.
func (p *Pair) ResumeReplay() { p.onStandby("SELECT pg_wal_replay_resume()") }

func (p *Pair) onStandby(sql string) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := pgx.Connect(ctx, p.StandbyURL)
	if err != nil {
		p.t.Fatalf("dbtest: standby: %v", err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, sql); err != nil {
		p.t.Fatalf("dbtest: standby %s: %v", sql, err)
	}
}

func (p *Pair) start(n node) {
	p.t.Helper()
	p.run("pg_ctl", "-D", n.data, "-l", n.log, "-w", "-t", "60",
		"-o", fmt.Sprintf("-p %d -k %s", n.port, p.dir), "start")
}

// run runs a PostgreSQL program (as the postgres user when root).
func (p *Pair) run(prog string, args ...string) {
	p.t.Helper()
	path := filepath.Join(p.bin, prog)
	var cmd *exec.Cmd
	if p.runAs != nil {
		cmd = exec.Command("runuser", append([]string{"-u", "postgres", "--", path}, args...)...)
	} else {
		cmd = exec.Command(path, args...)
	}
	cmd.Dir = p.dir
	out, err := cmd.CombinedOutput()
	if err != nil {
		p.t.Fatalf("dbtest: %s %s: %v\n%s%s", prog, strings.Join(args, " "), err, out, p.logs())
	}
}

func (p *Pair) logs() string {
	var b strings.Builder
	for _, f := range []string{p.primary.log, p.standby.log} {
		if data, err := os.ReadFile(f); err == nil {
			fmt.Fprintf(&b, "--- %s\n%s", filepath.Base(f), data)
		}
	}
	return b.String()
}

// cleanup stops whatever still runs and removes the directory.
func (p *Pair) cleanup() {
	for _, n := range []node{p.standby, p.primary} {
		if n.data == "" {
			continue
		}
		if _, err := os.Stat(filepath.Join(n.data, "postmaster.pid")); err != nil {
			continue
		}
		path := filepath.Join(p.bin, "pg_ctl")
		args := []string{"-D", n.data, "-m", "immediate", "-w", "stop"}
		var cmd *exec.Cmd
		if p.runAs != nil {
			cmd = exec.Command("runuser", append([]string{"-u", "postgres", "--", path}, args...)...)
		} else {
			cmd = exec.Command(path, args...)
		}
		if out, err := cmd.CombinedOutput(); err != nil {
			p.t.Logf("dbtest: stop %s: %v %s", n.data, err, out)
		}
	}
	if p.t.Failed() {
		p.t.Logf("dbtest: server logs:\n%s", p.logs())
	}
	os.RemoveAll(p.dir)
}
