package credential_test

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"takumi/internal/credential"
)

func TestInitKeyring(t *testing.T) {
	path := filepath.Join(t.TempDir(), "etc", "signing-keys.json")
	k, err := credential.InitKeyring(path, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Fatalf("keyring mode %v, want 0600", st.Mode().Perm())
	}
	keys, err := credential.LoadKeys(credential.KeySource{File: path}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if keys.Active().ID != k.ID {
		t.Fatalf("active key %s, want %s", keys.Active().ID, k.ID)
	}
	t.Run("RefusesToOverwrite", func(t *testing.T) {
		before, _ := os.ReadFile(path)
		if _, err := credential.InitKeyring(path, time.Now()); !errors.Is(err, os.ErrExist) {
			t.Fatalf("second init: %v, want ErrExist", err)
		}
		if after, _ := os.ReadFile(path); string(after) != string(before) {
			t.Fatal("the keyring changed")
		}
	})
}
