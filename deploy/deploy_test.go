// Package deploy_test checks the deployment files that no container engine
// runs in CI (.ci/run validates docker-compose.yml with `docker compose
// config`; promtool tests the alert rules): what a plain `docker compose up`
// needs to start and keep running.
package deploy_test

import (
	"os"
	"regexp"
	"strings"
	"testing"
)

func read(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// service returns the block of one compose service (its indented lines).
func service(t *testing.T, compose, name string) string {
	t.Helper()
	m := regexp.MustCompile(`(?ms)^  ` + name + `:\n((?:    .*\n|\s*\n)+)`).FindStringSubmatch(compose)
	if m == nil {
		t.Fatalf("docker-compose.yml has no service %s", name)
	}
	return m[1]
}

func TestCompose(t *testing.T) {
	compose := read(t, "../docker-compose.yml")
	docker := read(t, "../Dockerfile")
	db, app := service(t, compose, "db"), service(t, compose, "app")

	t.Run("PinnedImages", func(t *testing.T) {
		images := regexp.MustCompile(`(?m)^\s*(?:image:|FROM)\s+(\S+)`).FindAllStringSubmatch(compose+docker, -1)
		for _, m := range images {
			img := m[1]
			if img == "takumi:local" {
				continue
			}
			// A release with a minor version (postgres:15.13-bookworm) or a digest.
			if !strings.Contains(img, "@sha256:") && !regexp.MustCompile(`:\d+\.\d+`).MatchString(img) {
				t.Errorf("image %s is not pinned to a release", img)
			}
		}
	})
	t.Run("Healthchecks", func(t *testing.T) {
		if !strings.Contains(db, "pg_isready") {
			t.Error("db has no pg_isready healthcheck")
		}
		if !strings.Contains(app, "healthcheck:") || !strings.Contains(app, `"takumi", "healthcheck"`) {
			t.Error("app has no healthcheck on /readyz (takumi healthcheck)")
		}
		if !strings.Contains(docker, "HEALTHCHECK") {
			t.Error("the image has no HEALTHCHECK")
		}
	})
	t.Run("RestartPolicies", func(t *testing.T) {
		for name, s := range map[string]string{"db": db, "app": app} {
			if !regexp.MustCompile(`(?m)^    restart: (unless-stopped|always|on-failure)`).MatchString(s) {
				t.Errorf("%s has no restart policy", name)
			}
		}
	})
	t.Run("DataVolumeWritable", func(t *testing.T) {
		// A new named volume takes the owner of the image's directory: the
		// image must create the data directory for its non-root user.
		if !strings.Contains(app, "appdata:/var/lib/takumi/data") {
			t.Fatal("app does not mount its data volume at /var/lib/takumi/data")
		}
		if !regexp.MustCompile(`install -d -o takumi -g takumi[^\n]* /var/lib/takumi/data`).MatchString(docker) {
			t.Error("the Dockerfile does not create /var/lib/takumi/data owned by the takumi user")
		}
		if !strings.Contains(docker, "USER takumi") {
			t.Error("the image does not run as the takumi user")
		}
	})
}

// TestComposeScale checks the scale profile (issue 13, docs/deployment.md):
// its services exist and are in the profile, both instances use the
// replica and the S3 media store, and nginx sends to both.
func TestComposeScale(t *testing.T) {
	compose := read(t, "../docker-compose.yml")
	for _, name := range []string{"primary", "replica", "seaweedfs", "seaweedfs-init", "takumi1", "takumi2", "nginx"} {
		if s := block(t, compose, name); !strings.Contains(s, `profiles: ["scale"]`) {
			t.Errorf("%s is not in the scale profile", name)
		}
	}
	for _, name := range []string{"db", "app"} {
		if strings.Contains(block(t, compose, name), "profiles:") {
			t.Errorf("%s has a profile: plain `docker compose up` must start it", name)
		}
	}
	env := block(t, compose, "takumi1")
	for _, want := range []string{"DATABASE_URL: postgres://postgres:takumi-dev-only@primary:", "DATABASE_REPLICA_URL: postgres://postgres:takumi-dev-only@replica:",
		"TAKUMI_STORAGE: s3", "TAKUMI_S3_ENDPOINT: http://seaweedfs:8333", "TAKUMI_S3_BUCKET:", "TAKUMI_S3_REGION:",
		"TAKUMI_S3_ACCESS_KEY_ID:", "TAKUMI_S3_SECRET_ACCESS_KEY:", "TAKUMI_S3_PATH_STYLE:", "TAKUMI_SIGNING_KEY:", "TAKUMI_TRUSTED_PROXIES:"} {
		if !strings.Contains(env, want) {
			t.Errorf("takumi1 lacks %s", want)
		}
	}
	if !strings.Contains(block(t, compose, "takumi2"), "environment: *takumi-scale-env") {
		t.Error("takumi2 does not share takumi1's settings")
	}
	replica := block(t, compose, "replica")
	script := read(t, "postgres/replica-entrypoint.sh")
	if !strings.Contains(replica, "replica-entrypoint.sh") || !strings.Contains(script, "pg_basebackup") || !strings.Contains(script, " -R ") {
		t.Error("the replica is not made by pg_basebackup -R")
	}
	if !strings.Contains(read(t, "postgres/primary-init.sh"), "host replication replicator") {
		t.Error("the primary does not let the replicator replicate")
	}
	conf := read(t, "nginx/takumi.conf")
	for _, want := range []string{"server takumi1:8080", "server takumi2:8080", "X-Forwarded-For", "client_max_body_size"} {
		if !strings.Contains(conf, want) {
			t.Errorf("nginx config lacks %s", want)
		}
	}
}

// block returns the lines of one compose service, up to the next service.
func block(t *testing.T, compose, name string) string {
	t.Helper()
	m := regexp.MustCompile(`(?m)^  ` + regexp.QuoteMeta(name) + `:\n((?:(?:    .*)?\n)+)`).FindStringSubmatch(compose)
	if m == nil {
		t.Fatalf("docker-compose.yml has no service %s", name)
	}
	return m[1]
}
