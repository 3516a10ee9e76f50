package config

import (
	"strings"
	"testing"
	"time"
)

// Read replica settings (issue 13).
func TestReplicaSettings(t *testing.T) {
	c, err := load(env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.ReplicaURL != "" || c.ReplicaMaxLag != 5*time.Second {
		t.Fatalf("defaults: %q %s", c.ReplicaURL, c.ReplicaMaxLag)
	}
	c, err = load(env(map[string]string{"DATABASE_REPLICA_URL": "postgres://replica/takumi", "TAKUMI_REPLICA_MAX_LAG": "2s"}))
	if err != nil || c.ReplicaURL != "postgres://replica/takumi" || c.ReplicaMaxLag != 2*time.Second {
		t.Fatalf("set: %+v %v", c, err)
	}
	for _, bad := range []map[string]string{{"TAKUMI_REPLICA_MAX_LAG": "5"}, {"TAKUMI_REPLICA_MAX_LAG": "-1s"}, {"DATABASE_REPLICA_URL": "mysql://x/y"}} {
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
