package config

import (
	"strings"
	"testing"
	"time"
)

// Admission settings (issue 13, web/admission.go).
func TestAdmissionSettings(t *testing.T) {
	c, err := load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.MaxRequests != 64 || c.RequestQueueWait != 5*time.Second {
		t.Fatalf("defaults: %d %s", c.MaxRequests, c.RequestQueueWait)
	}
	c, err = load(env(map[string]string{"TAKUMI_MAX_REQUESTS": "0", "TAKUMI_REQUEST_QUEUE_WAIT": "250ms"}))
	if err != nil || c.MaxRequests != 0 || c.RequestQueueWait != 250*time.Millisecond {
		t.Fatalf("set: %d %s %v", c.MaxRequests, c.RequestQueueWait, err)
	}
	for _, bad := range []map[string]string{{"TAKUMI_MAX_REQUESTS": "many"}, {"TAKUMI_MAX_REQUESTS": "-1"}, {"TAKUMI_REQUEST_QUEUE_WAIT": "1"}} {
		_, err := load(env(bad))
		if err == nil {
			t.Errorf("%v accepted", bad)
			continue
		}
		for k := range bad {
			if !strings.Contains(err.Error(), k) {
				t.Errorf("error %q does not name %s", err, k)
			}
		}
	}
}
