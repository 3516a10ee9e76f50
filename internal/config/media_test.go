package config

import (
	"strings"
	"testing"
)

func TestMediaUploadLimits(t *testing.T) {
	t.Run("Defaults", func(t *testing.T) {
		c, err := load(env(nil))
		if err != nil {
			t.Fatal(err)
		}
		if c.UploadMaxVideoBytes != 500<<20 || c.UploadMaxResourceBytes != 50<<20 {
			t.Fatalf("default limits %d, %d", c.UploadMaxVideoBytes, c.UploadMaxResourceBytes)
		}
	})
	t.Run("FromEnvironment", func(t *testing.T) {
		c, err := load(env(map[string]string{"TAKUMI_UPLOAD_MAX_VIDEO_MB": "2048", "TAKUMI_UPLOAD_MAX_RESOURCE_MB": "10"}))
		if err != nil {
			t.Fatal(err)
		}
		if c.UploadMaxVideoBytes != 2048<<20 || c.UploadMaxResourceBytes != 10<<20 {
			t.Fatalf("limits %d, %d", c.UploadMaxVideoBytes, c.UploadMaxResourceBytes)
		}
	})
	t.Run("ErrNotANumber", func(t *testing.T) {
		for _, v := range []string{"0", "-5", "lots", "1.5"} {
			_, err := load(env(map[string]string{"TAKUMI_UPLOAD_MAX_VIDEO_MB": v}))
			if err == nil || !strings.Contains(err.Error(), "TAKUMI_UPLOAD_MAX_VIDEO_MB") {
				t.Fatalf("video limit %q accepted: %v", v, err)
			}
		}
	})
}
