package config

import (
	"strings"
	"testing"
)

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestLoad(t *testing.T) {
	t.Run("DevelopmentDefaults", func(t *testing.T) {
		c, err := load(env(nil))
		if err != nil {
			t.Fatal(err)
		}
		if c.Env != EnvDevelopment || c.Addr != ":8080" || c.BaseURL != "http://localhost:8080" || c.DatabaseURL != DefaultDatabaseURL {
			t.Fatalf("unexpected defaults: %+v", c)
		}
	})
	t.Run("ErrProductionWithoutSecrets", func(t *testing.T) {
		_, err := load(env(map[string]string{"TAKUMI_ENV": "production"}))
		if err == nil {
			t.Fatal("production started without SMTP, base URL or database URL")
		}
		for _, want := range []string{"TAKUMI_BASE_URL", "TAKUMI_SMTP_HOST", "DATABASE_URL", "TAKUMI_SIGNING_KEY"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("error %q does not name %s", err, want)
			}
		}
	})
	t.Run("ProductionComplete", func(t *testing.T) {
		_, err := load(env(map[string]string{
			"TAKUMI_ENV": "production", "TAKUMI_BASE_URL": "https://takumi.example.jp",
			"TAKUMI_SMTP_HOST": "smtp.example.jp", "TAKUMI_MAIL_FROM": "no-reply@takumi.example.jp",
			"DATABASE_URL": "postgres://db/takumi", "TAKUMI_SIGNING_KEYS_FILE": "/etc/takumi/signing-keys.json",
		}))
		if err != nil {
			t.Fatal(err)
		}
	})
	t.Run("MetricsLoopbackByDefault", func(t *testing.T) {
		c, err := load(env(nil))
		if err != nil {
			t.Fatal(err)
		}
		if c.MetricsAddr != "127.0.0.1:9090" || c.MetricsToken != "" {
			t.Fatalf("metrics: addr %q token %q, want loopback and no token", c.MetricsAddr, c.MetricsToken)
		}
		c, _ = load(env(map[string]string{"TAKUMI_METRICS_ADDR": "off"}))
		if c.MetricsAddr != "" {
			t.Fatalf("TAKUMI_METRICS_ADDR=off: addr %q", c.MetricsAddr)
		}
	})
	t.Run("ErrBadProxy", func(t *testing.T) {
		if _, err := load(env(map[string]string{"TAKUMI_TRUSTED_PROXIES": "nonsense"})); err == nil {
			t.Fatal("accepted a malformed CIDR")
		}
	})
}
