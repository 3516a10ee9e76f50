package config

import (
	"strings"
	"testing"
)

func TestStorageSettings(t *testing.T) {
	t.Run("DirByDefault", func(t *testing.T) {
		c, err := load(env(map[string]string{"TAKUMI_DATA_DIR": "/srv/takumi"}))
		if err != nil {
			t.Fatal(err)
		}
		if s := c.MediaStorage(); s.Backend != "dir" || s.Dir != "/srv/takumi/media" {
			t.Fatalf("default storage %+v", s)
		}
	})
	t.Run("S3", func(t *testing.T) {
		c, err := load(env(map[string]string{"TAKUMI_STORAGE": "s3", "TAKUMI_S3_ENDPOINT": "https://s3.ap-northeast-1.amazonaws.com",
			"TAKUMI_S3_REGION": "ap-northeast-1", "TAKUMI_S3_BUCKET": "media", "TAKUMI_S3_ACCESS_KEY_ID": "id",
			"TAKUMI_S3_SECRET_ACCESS_KEY": "secret", "TAKUMI_S3_PATH_STYLE": "true"}))
		if err != nil {
			t.Fatal(err)
		}
		if s := c.Storage; s.Backend != "s3" || s.S3.Bucket != "media" || !s.S3.PathStyle || s.S3.Region != "ap-northeast-1" {
			t.Fatalf("s3 settings %+v", s)
		}
	})
	t.Run("ErrS3Incomplete", func(t *testing.T) {
		_, err := load(env(map[string]string{"TAKUMI_STORAGE": "s3", "TAKUMI_S3_ENDPOINT": "http://127.0.0.1:8333", "TAKUMI_S3_PATH_STYLE": "sometimes"}))
		for _, want := range []string{"TAKUMI_S3_BUCKET", "TAKUMI_S3_ACCESS_KEY_ID", "TAKUMI_S3_SECRET_ACCESS_KEY", "TAKUMI_S3_PATH_STYLE"} {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("error %v does not name %s", err, want)
			}
		}
	})
	t.Run("ErrAzblobIncomplete", func(t *testing.T) {
		_, err := load(env(map[string]string{"TAKUMI_STORAGE": "azblob", "TAKUMI_AZBLOB_ACCOUNT": "takumi"}))
		for _, want := range []string{"TAKUMI_AZBLOB_KEY", "TAKUMI_AZBLOB_CONTAINER"} {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("error %v does not name %s", err, want)
			}
		}
	})
	t.Run("ErrUnknownBackend", func(t *testing.T) {
		if _, err := load(env(map[string]string{"TAKUMI_STORAGE": "ftp"})); err == nil || !strings.Contains(err.Error(), "TAKUMI_STORAGE") {
			t.Fatalf("unknown backend: %v", err)
		}
	})
}
