package config

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"takumi/internal/storage"
)

// loadStorage reads where uploaded media are kept (docs/storage.md):
// TAKUMI_STORAGE (dir, the default: DataDir/media on local disk; s3; or
// azblob) and the chosen backend's TAKUMI_S3_* or TAKUMI_AZBLOB_* settings.
// A missing or malformed setting is an error naming it.
func loadStorage(getenv func(string) string, dataDir string) (storage.Settings, []error) {
	get := func(k string) string { return strings.TrimSpace(getenv(k)) }
	s := storage.Settings{Backend: strings.ToLower(get("TAKUMI_STORAGE")), Dir: filepath.Join(dataDir, "media")}
	// Dir is filled in again by MediaStorage, from the DataDir in force.
	if s.Backend == "" {
		s.Backend = "dir"
	}
	// Both backends' settings are read whatever TAKUMI_STORAGE says:
	// `takumi storage copy --to s3|azblob` copies to the one not in use yet.
	s.S3 = storage.S3Settings{Endpoint: get("TAKUMI_S3_ENDPOINT"), Region: get("TAKUMI_S3_REGION"),
		Bucket: get("TAKUMI_S3_BUCKET"), AccessKeyID: get("TAKUMI_S3_ACCESS_KEY_ID"),
		SecretAccessKey: get("TAKUMI_S3_SECRET_ACCESS_KEY")}
	s.Azblob = storage.AzblobSettings{Account: get("TAKUMI_AZBLOB_ACCOUNT"), Key: get("TAKUMI_AZBLOB_KEY"),
		Container: get("TAKUMI_AZBLOB_CONTAINER"), Endpoint: get("TAKUMI_AZBLOB_ENDPOINT")}
	var errs []error
	if v := get("TAKUMI_S3_PATH_STYLE"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			errs = append(errs, fmt.Errorf("TAKUMI_S3_PATH_STYLE must be true or false, not %q", v))
		}
		s.S3.PathStyle = b
	}
	switch s.Backend {
	case "dir":
	case "s3":
		for _, k := range []string{"TAKUMI_S3_ENDPOINT", "TAKUMI_S3_BUCKET", "TAKUMI_S3_ACCESS_KEY_ID", "TAKUMI_S3_SECRET_ACCESS_KEY"} {
			if get(k) == "" {
				errs = append(errs, fmt.Errorf("TAKUMI_STORAGE=s3 needs %s", k))
			}
		}
	case "azblob":
		for _, k := range []string{"TAKUMI_AZBLOB_ACCOUNT", "TAKUMI_AZBLOB_KEY", "TAKUMI_AZBLOB_CONTAINER"} {
			if get(k) == "" {
				errs = append(errs, fmt.Errorf("TAKUMI_STORAGE=azblob needs %s", k))
			}
		}
	default:
		errs = append(errs, fmt.Errorf("TAKUMI_STORAGE must be dir, s3 or azblob, not %q", s.Backend))
	}
	return s, errs
}

// MediaStorage returns the media storage settings, the dir backend rooted
// at DataDir/media.
func (c Config) MediaStorage() storage.Settings {
	s := c.Storage
	s.Dir = filepath.Join(c.DataDir, "media")
	return s
}
