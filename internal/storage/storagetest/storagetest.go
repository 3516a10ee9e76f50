// Package storagetest starts real object stores for tests, each on free
// loopback ports and stopped by t.Cleanup: SeaweedFS's S3 server (the weed
// binary, built from the Go module github.com/seaweedfs/seaweedfs at the
// version .ci/run pins) and Azurite (npm package azurite, pinned in
// testdata/package.json, installed with npm ci). In CI (CI=true) a missing
// server fails the test; elsewhere the test is skipped with the command that
// installs it.
package storagetest

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/storage/azblob/container"
	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"

	"takumi/internal/dbtest"
	"takumi/internal/storage"
)

// Azurite's fixed development account (documented by Microsoft; not a
// secret).
const (
	AzuriteAccount = "devstoreaccount1"
	AzuriteKey     = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
)

// S3 test credentials, written to the server's identity file.
const (
	S3AccessKey = "takumi-test-access"
	S3SecretKey = "takumi-test-secret-0123456789abcdefghij"
)

// missing fails the test in CI and skips it elsewhere.
func missing(t testing.TB, what, install string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatalf("%s is not installed (CI installs it in .ci/run: %s)", what, install)
	}
	t.Skipf("%s is not installed; to run this test: %s", what, install)
}

// startProcess runs cmd with its output in a log file, kills it at cleanup
// and shows the log's end when the test failed.
func startProcess(t testing.TB, name string, cmd *exec.Cmd) {
	t.Helper()
	logPath := filepath.Join(t.TempDir(), name+".log")
	f, err := os.Create(logPath)
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = f, f
	if err := cmd.Start(); err != nil {
		f.Close()
		t.Fatalf("start %s: %v", name, err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
		f.Close()
		if t.Failed() {
			b, _ := os.ReadFile(logPath)
			s := string(b)
			if len(s) > 3000 {
				s = s[len(s)-3000:]
			}
			t.Logf("%s log:\n%s", name, s)
		}
	})
}

// waitUntil polls ok every 100 ms up to limit.
func waitUntil(t testing.TB, limit time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %s", what, limit)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// SeaweedFS starts `weed server` with its S3 gateway and returns settings
// for a new, empty bucket on it.
func SeaweedFS(t testing.TB) storage.S3Settings {
	t.Helper()
	weed, err := exec.LookPath("weed")
	if err != nil {
		missing(t, "SeaweedFS (weed)", "see the \"== storage\" section of .ci/run")
	}
	dir := t.TempDir()
	ident := map[string]any{"identities": []map[string]any{{
		"name":        "takumi",
		"credentials": []map[string]string{{"accessKey": S3AccessKey, "secretKey": S3SecretKey}},
		"actions":     []string{"Admin", "Read", "List", "Tagging", "Write"},
	}}}
	b, _ := json.Marshal(ident)
	cfg := filepath.Join(dir, "s3.json")
	if err := os.WriteFile(cfg, b, 0o600); err != nil {
		t.Fatal(err)
	}
	p, err := dbtest.FreePorts(8)
	if err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	os.MkdirAll(data, 0o750)
	cmd := exec.Command(weed, "server", "-ip=127.0.0.1", "-ip.bind=127.0.0.1", "-dir="+data,
		"-master.port="+strconv.Itoa(p[0]), "-master.port.grpc="+strconv.Itoa(p[1]),
		"-volume.port="+strconv.Itoa(p[2]), "-volume.port.grpc="+strconv.Itoa(p[3]),
		"-filer", "-filer.port="+strconv.Itoa(p[4]), "-filer.port.grpc="+strconv.Itoa(p[5]),
		"-filer.localSocket="+filepath.Join(dir, "filer.sock"),
		"-s3", "-s3.port="+strconv.Itoa(p[6]), "-s3.port.grpc="+strconv.Itoa(p[7]),
		"-s3.localSocket="+filepath.Join(dir, "s3.sock"),
		"-s3.port.iceberg=0", "-s3.port.lance=0", "-s3.config="+cfg,
		"-master.telemetry=false", "-master.volumeSizeLimitMB=64", "-volume.max=16")
	// weed puts a socket per gRPC port in /tmp and leaves it when killed.
	t.Cleanup(func() {
		for _, svc := range []struct {
			name string
			port int
		}{{"master", p[1]}, {"volume", p[3]}, {"filer", p[5]}, {"s3", p[7]}} {
			os.Remove(fmt.Sprintf("/tmp/seaweedfs-%s-grpc-%d.sock", svc.name, svc.port))
		}
	})
	startProcess(t, "weed", cmd)
	s := storage.S3Settings{Endpoint: fmt.Sprintf("http://127.0.0.1:%d", p[6]), Region: "us-east-1",
		Bucket: "takumi-media", AccessKeyID: S3AccessKey, SecretAccessKey: S3SecretKey, PathStyle: true}
	c, err := minio.New(fmt.Sprintf("127.0.0.1:%d", p[6]), &minio.Options{
		Creds: credentials.NewStaticV4(S3AccessKey, S3SecretKey, ""), Region: s.Region, BucketLookup: minio.BucketLookupPath})
	if err != nil {
		t.Fatal(err)
	}
	var lastErr error
	waitUntil(t, 90*time.Second, "SeaweedFS creates a bucket", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		lastErr = c.MakeBucket(ctx, s.Bucket, minio.MakeBucketOptions{Region: s.Region})
		if lastErr != nil && minio.ToErrorResponse(lastErr).Code == "BucketAlreadyOwnedByYou" {
			lastErr = nil
		}
		return lastErr == nil
	})
	// The volume server may register a moment after the bucket exists:
	// wait until a write succeeds.
	waitUntil(t, 60*time.Second, "SeaweedFS accepts a write", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, err := c.PutObject(ctx, s.Bucket, "ready-check", strings.NewReader("ok"), 2, minio.PutObjectOptions{})
		return err == nil
	})
	c.RemoveObject(context.Background(), s.Bucket, "ready-check", minio.RemoveObjectOptions{})
	return s
}

// azuriteBin is the pinned Azurite's blob server, installed by npm ci in
// testdata.
func azuriteBin() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "testdata", "node_modules", ".bin", "azurite-blob")
}

// Azurite starts Azurite's blob service and returns settings for a new,
// empty container on it.
func Azurite(t testing.TB) storage.AzblobSettings {
	t.Helper()
	bin := azuriteBin()
	if _, err := os.Stat(bin); err != nil {
		missing(t, "Azurite", "cd internal/storage/storagetest/testdata && npm ci")
	}
	if _, err := exec.LookPath("node"); err != nil {
		missing(t, "node (for Azurite)", "apt-get install nodejs")
	}
	dir := t.TempDir()
	port := dbtest.FreePort(t)
	cmd := exec.Command(bin, "--blobHost", "127.0.0.1", "--blobPort", strconv.Itoa(port), "--location", dir,
		"--silent", "--skipApiVersionCheck", "--disableProductStyleUrl", "--disableTelemetry")
	startProcess(t, "azurite", cmd)
	s := storage.AzblobSettings{Account: AzuriteAccount, Key: AzuriteKey, Container: "takumi-media",
		Endpoint: fmt.Sprintf("http://127.0.0.1:%d/%s", port, AzuriteAccount)}
	cred, err := container.NewSharedKeyCredential(s.Account, s.Key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := container.NewClientWithSharedKeyCredential(s.Endpoint+"/"+s.Container, cred, nil)
	if err != nil {
		t.Fatal(err)
	}
	waitUntil(t, 60*time.Second, "Azurite creates a container", func() bool {
		if res, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/", port)); err == nil {
			res.Body.Close()
		} else {
			return false
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, err := c.Create(ctx, nil)
		return err == nil
	})
	return s
}
