// Package config reads Takumi's settings from the environment. It is the only
// place that reads environment variables; everything else receives a Config.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"takumi/internal/storage"
)

// Environments Takumi knows.
const (
	EnvDevelopment = "development"
	EnvProduction  = "production"
)

// Config holds every setting of the running platform.
type Config struct {
	Env         string // development or production
	DatabaseURL string
	Addr        string
	// MetricsAddr (TAKUMI_METRICS_ADDR, default 127.0.0.1:9090; "off" for
	// none) is the separate listen address that serves /metrics.
	// MetricsToken (TAKUMI_METRICS_TOKEN) additionally serves /metrics on
	// the main address to requests bearing it. SECURITY: the metrics name
	// routes, job kinds and volumes; they are never public.
	MetricsAddr  string
	MetricsToken string
	BaseURL      string // absolute URL people reach the site at, no trailing slash
	DataDir      string

	SMTPHost     string
	SMTPPort     int
	SMTPUser     string
	SMTPPassword string
	MailFrom     string

	// TrustedProxies are the CIDR ranges whose X-Forwarded-For header is
	// believed. SECURITY: empty means the TCP peer address is the client IP, so
	// nobody can dodge the per-IP login limit by sending a forged header.
	TrustedProxies []*net.IPNet

	// DemoPassword is the shared password of demo accounts (demo command only).
	DemoPassword string

	// LoginMaxFailures failed sign-ins lock an account for LoginLockDuration.
	LoginMaxFailures  int
	LoginLockDuration time.Duration
	// LoginIPLimit sign-in attempts per LoginIPWindow from one IP address.
	LoginIPLimit  int
	LoginIPWindow time.Duration

	// UploadMaxVideoBytes and UploadMaxResourceBytes are the largest video
	// and downloadable-resource uploads (TAKUMI_UPLOAD_MAX_VIDEO_MB,
	// TAKUMI_UPLOAD_MAX_RESOURCE_MB; 500 and 50 MiB by default).
	UploadMaxVideoBytes    int64
	UploadMaxResourceBytes int64

	// SigningKeysFile (TAKUMI_SIGNING_KEYS_FILE) is the JSON keyring of the
	// Ed25519 keys that sign credentials; SigningKey (TAKUMI_SIGNING_KEY) is
	// instead one base64 Ed25519 seed. Production needs one of them; in
	// development, with neither, a keyring is generated in DataDir.
	SigningKeysFile string
	SigningKey      string

	// OperatorName (TAKUMI_OPERATOR_NAME, default "Takumi"), OperatorLocation
	// (TAKUMI_OPERATOR_LOCATION) and OperatorContact (TAKUMI_OPERATOR_CONTACT,
	// an email address or an https URL) are who runs this platform and signs
	// its credentials, published on /credentials/issuer for issuer
	// registries (docs/credentials.md).
	OperatorName     string
	OperatorLocation string
	OperatorContact  string

	// DisclosureK (TAKUMI_DISCLOSURE_K, default 10) is the disclosure
	// threshold of national statistics: counts from 1 to K-1 are hidden.
	DisclosureK int

	// Storage (issue 13, media storage): where uploaded media are kept,
	// TAKUMI_STORAGE=dir|s3|azblob and its settings (storage.go here,
	// docs/storage.md).
	Storage storage.Settings
	// SCORM (issue 16, docs/scorm.md). ContentAddr (TAKUMI_CONTENT_ADDR) is
	// where the same binary serves SCORM package files, and ContentBaseURL
	// (TAKUMI_CONTENT_BASE_URL) the address people's browsers reach it
	// at: a different origin from BaseURL, so a package's scripts never
	// run with the learner's session. Development defaults: the app's port
	// + 1, on the other loopback name than BaseURL's (localhost ↔
	// 127.0.0.1), so the two are different sites. Production serves SCORM
	// only when both are set. ScormMaxBytes (TAKUMI_SCORM_MAX_MB, default
	// 600) is the largest package accepted.
	ContentAddr    string
	ContentBaseURL string
	ScormMaxBytes  int64
	// Read replica (issue 13). ReplicaURL (DATABASE_REPLICA_URL, optional)
	// is a streaming standby of DatabaseURL that serves the read-mostly
	// public pages; ReplicaMaxLag (TAKUMI_REPLICA_MAX_LAG, default 5s) is
	// how far behind it may be before those reads go to the primary
	// (docs/deployment.md).
	ReplicaURL    string
	ReplicaMaxLag time.Duration
	// Admission (issue 13, docs/capacity.md): MaxRequests
	// (TAKUMI_MAX_REQUESTS, default 64; 0 turns it off) is how many
	// requests one instance works on at once; a request beyond waits up to
	// RequestQueueWait (TAKUMI_REQUEST_QUEUE_WAIT, default 5s) for its turn
	// and is then answered 503 with Retry-After. The player's heartbeat
	// waits a quarter of that (the next heartbeat adds the time between, up
	// to 120 s).
	MaxRequests      int
	RequestQueueWait time.Duration
	// SessionCache (TAKUMI_SESSION_CACHE, "on" by default, "off") keeps
	// each signed-in request's session and account read in the instance's
	// memory while the session signal listens (issue 20,
	// internal/app/sessioncache.go, docs/deployment.md).
	SessionCache bool
}

// DefaultDatabaseURL is the local PostgreSQL the README's quick start uses.
const DefaultDatabaseURL = "postgres://postgres@127.0.0.1:5432/takumi?sslmode=disable"

// Load reads the environment. It returns an error when a value is malformed
// or, in production, when a required secret or setting is missing.
func Load() (Config, error) {
	return load(os.Getenv)
}

func load(getenv func(string) string) (Config, error) {
	get := func(key, def string) string {
		if v := strings.TrimSpace(getenv(key)); v != "" {
			return v
		}
		return def
	}
	c := Config{
		Env:               get("TAKUMI_ENV", EnvDevelopment),
		DatabaseURL:       get("DATABASE_URL", DefaultDatabaseURL),
		Addr:              get("TAKUMI_ADDR", ":8080"),
		MetricsAddr:       get("TAKUMI_METRICS_ADDR", "127.0.0.1:9090"),
		MetricsToken:      get("TAKUMI_METRICS_TOKEN", ""),
		DataDir:           get("TAKUMI_DATA_DIR", "data"),
		SMTPHost:          get("TAKUMI_SMTP_HOST", ""),
		SMTPUser:          get("TAKUMI_SMTP_USER", ""),
		SMTPPassword:      get("TAKUMI_SMTP_PASSWORD", ""),
		MailFrom:          get("TAKUMI_MAIL_FROM", "Takumi <no-reply@takumi.localhost>"),
		DemoPassword:      get("TAKUMI_DEMO_PASSWORD", ""),
		LoginMaxFailures:  5,
		LoginLockDuration: 15 * time.Minute,
		LoginIPLimit:      50,
		LoginIPWindow:     15 * time.Minute,

		UploadMaxVideoBytes:    500 << 20,
		UploadMaxResourceBytes: 50 << 20,

		SigningKeysFile: get("TAKUMI_SIGNING_KEYS_FILE", ""),
		SigningKey:      get("TAKUMI_SIGNING_KEY", ""),
		DisclosureK:     10,

		OperatorName:     get("TAKUMI_OPERATOR_NAME", "Takumi"),
		OperatorLocation: get("TAKUMI_OPERATOR_LOCATION", ""),
		OperatorContact:  get("TAKUMI_OPERATOR_CONTACT", ""),
	}
	var errs []error
	if strings.EqualFold(c.MetricsAddr, "off") {
		c.MetricsAddr = ""
	}
	if c.Env != EnvDevelopment && c.Env != EnvProduction {
		errs = append(errs, fmt.Errorf("TAKUMI_ENV must be %q or %q, not %q", EnvDevelopment, EnvProduction, c.Env))
	}
	port, err := strconv.Atoi(get("TAKUMI_SMTP_PORT", "587"))
	if err != nil {
		errs = append(errs, fmt.Errorf("TAKUMI_SMTP_PORT: %w", err))
	}
	c.SMTPPort = port
	for _, n := range []struct {
		key string
		dst *int
	}{{"TAKUMI_LOGIN_MAX_FAILURES", &c.LoginMaxFailures}, {"TAKUMI_LOGIN_IP_LIMIT", &c.LoginIPLimit}, {"TAKUMI_DISCLOSURE_K", &c.DisclosureK}} {
		if v := getenv(n.key); v != "" {
			i, err := strconv.Atoi(v)
			if err != nil || i < 1 {
				errs = append(errs, fmt.Errorf("%s must be a positive number", n.key))
				continue
			}
			*n.dst = i
		}
	}
	for _, n := range []struct {
		key string
		dst *int64
	}{{"TAKUMI_UPLOAD_MAX_VIDEO_MB", &c.UploadMaxVideoBytes}, {"TAKUMI_UPLOAD_MAX_RESOURCE_MB", &c.UploadMaxResourceBytes}} {
		if v := strings.TrimSpace(getenv(n.key)); v != "" {
			mb, err := strconv.ParseInt(v, 10, 64)
			if err != nil || mb < 1 || mb > 1<<20 {
				errs = append(errs, fmt.Errorf("%s must be a number of megabytes from 1 to 1048576", n.key))
				continue
			}
			*n.dst = mb << 20
		}
	}
	if v := getenv("TAKUMI_LOGIN_LOCK"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("TAKUMI_LOGIN_LOCK: %w", err))
		}
		c.LoginLockDuration = d
	}
	for _, cidr := range strings.Split(getenv("TAKUMI_TRUSTED_PROXIES"), ",") {
		cidr = strings.TrimSpace(cidr)
		if cidr == "" {
			continue
		}
		_, n, err := net.ParseCIDR(cidr)
		if err != nil {
			errs = append(errs, fmt.Errorf("TAKUMI_TRUSTED_PROXIES: %w", err))
			continue
		}
		c.TrustedProxies = append(c.TrustedProxies, n)
	}
	base := get("TAKUMI_BASE_URL", "")
	if base == "" {
		host := c.Addr
		if strings.HasPrefix(host, ":") {
			host = "localhost" + host
		}
		base = "http://" + host
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("TAKUMI_BASE_URL must be an absolute http(s) URL, got %q", base))
	}
	c.BaseURL = strings.TrimRight(base, "/")
	errs = append(errs, c.loadContentOrigin(get, getenv)...)

	// Media storage (issue 13).
	var serrs []error
	c.Storage, serrs = loadStorage(getenv, c.DataDir)
	errs = append(errs, serrs...)

	// Read replica (issue 13).
	c.ReplicaURL = get("DATABASE_REPLICA_URL", "")
	c.ReplicaMaxLag = 5 * time.Second
	if v := strings.TrimSpace(getenv("TAKUMI_REPLICA_MAX_LAG")); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			errs = append(errs, fmt.Errorf("TAKUMI_REPLICA_MAX_LAG must be a positive duration such as 5s, not %q", v))
		} else {
			c.ReplicaMaxLag = d
		}
	}
	c.MaxRequests, c.RequestQueueWait = 64, 5*time.Second
	if v := strings.TrimSpace(getenv("TAKUMI_MAX_REQUESTS")); v != "" {
		if i, err := strconv.Atoi(v); err != nil || i < 0 {
			errs = append(errs, fmt.Errorf("TAKUMI_MAX_REQUESTS must be a number of requests (0 turns admission off), not %q", v))
		} else {
			c.MaxRequests = i
		}
	}
	if v := strings.TrimSpace(getenv("TAKUMI_REQUEST_QUEUE_WAIT")); v != "" {
		if d, err := time.ParseDuration(v); err != nil || d < 0 {
			errs = append(errs, fmt.Errorf("TAKUMI_REQUEST_QUEUE_WAIT must be a duration such as 1s, not %q", v))
		} else {
			c.RequestQueueWait = d
		}
	}
	switch v := strings.ToLower(get("TAKUMI_SESSION_CACHE", "on")); v {
	case "on":
		c.SessionCache = true
	case "off":
	default:
		errs = append(errs, fmt.Errorf("TAKUMI_SESSION_CACHE must be on or off, not %q", v))
	}
	if c.ReplicaURL != "" {
		if u, err := url.Parse(c.ReplicaURL); err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") {
			errs = append(errs, errors.New("DATABASE_REPLICA_URL must be a postgres:// URL"))
		}
	}

	if c.Env == EnvProduction {
		if getenv("TAKUMI_BASE_URL") == "" || !strings.HasPrefix(c.BaseURL, "https://") {
			errs = append(errs, errors.New("production needs TAKUMI_BASE_URL set to an https:// URL"))
		}
		if c.SMTPHost == "" {
			errs = append(errs, errors.New("production needs TAKUMI_SMTP_HOST (and TAKUMI_MAIL_FROM) so that verification and reset emails reach people"))
		}
		if getenv("TAKUMI_MAIL_FROM") == "" {
			errs = append(errs, errors.New("production needs TAKUMI_MAIL_FROM"))
		}
		if getenv("DATABASE_URL") == "" {
			errs = append(errs, errors.New("production needs DATABASE_URL (the development default is not used in production)"))
		}
		// SECURITY: credential signing keys belong to the operator; production
		// never generates one.
		if c.SigningKeysFile == "" && c.SigningKey == "" {
			errs = append(errs, errors.New("production needs TAKUMI_SIGNING_KEYS_FILE or TAKUMI_SIGNING_KEY (the keys that sign credentials)"))
		}
	}
	return c, errors.Join(errs...)
}

// Production reports whether the platform runs in production mode.
func (c Config) Production() bool { return c.Env == EnvProduction }

// SecureCookies reports whether cookies are marked Secure (and may use the
// __Host- prefix): true whenever the site is reached over https.
func (c Config) SecureCookies() bool { return strings.HasPrefix(c.BaseURL, "https://") }

// loadContentOrigin reads the SCORM content origin's settings (see Config).
func (c *Config) loadContentOrigin(get func(key, def string) string, getenv func(string) string) []error {
	var errs []error
	c.ScormMaxBytes = 600 << 20
	if v := strings.TrimSpace(getenv("TAKUMI_SCORM_MAX_MB")); v != "" {
		mb, err := strconv.ParseInt(v, 10, 64)
		if err != nil || mb < 1 || mb > 1<<20 {
			errs = append(errs, errors.New("TAKUMI_SCORM_MAX_MB must be a number of megabytes from 1 to 1048576"))
		} else {
			c.ScormMaxBytes = mb << 20
		}
	}
	c.ContentAddr = get("TAKUMI_CONTENT_ADDR", "")
	c.ContentBaseURL = strings.TrimRight(get("TAKUMI_CONTENT_BASE_URL", ""), "/")
	if c.Env == EnvDevelopment {
		host, port, err := net.SplitHostPort(c.Addr)
		if p, perr := strconv.Atoi(port); err == nil && perr == nil && p > 0 && p < 65535 {
			if c.ContentAddr == "" {
				c.ContentAddr = net.JoinHostPort(host, strconv.Itoa(p+1))
			}
			if c.ContentBaseURL == "" {
				name := "127.0.0.1"
				if u, err := url.Parse(c.BaseURL); err == nil && u.Hostname() != "localhost" {
					name = "localhost"
				}
				_, cport, _ := net.SplitHostPort(c.ContentAddr)
				c.ContentBaseURL = "http://" + net.JoinHostPort(name, cport)
			}
		}
	}
	if c.ContentBaseURL != "" {
		u, err := url.Parse(c.ContentBaseURL)
		app, _ := url.Parse(c.BaseURL)
		switch {
		case err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/"):
			errs = append(errs, fmt.Errorf("TAKUMI_CONTENT_BASE_URL must be an absolute http(s) origin, got %q", c.ContentBaseURL))
		case app != nil && strings.EqualFold(u.Host, app.Host) && u.Scheme == app.Scheme:
			// SECURITY: the whole point is a different origin.
			errs = append(errs, errors.New("TAKUMI_CONTENT_BASE_URL must be a different origin from TAKUMI_BASE_URL"))
		case c.Env == EnvProduction && u.Scheme != "https":
			errs = append(errs, errors.New("production needs TAKUMI_CONTENT_BASE_URL to be https://"))
		}
	}
	return errs
}

// ContentOrigin reports whether SCORM packages can be played: the content
// origin has an address people reach.
func (c Config) ContentOrigin() bool { return c.ContentBaseURL != "" }
