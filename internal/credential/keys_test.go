package credential

import (
	"crypto/ed25519"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var keysNow = time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)

func TestLoadKeys(t *testing.T) {
	t.Run("DevelopmentGeneratesOnce", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "data")
		src := KeySource{DataDir: dir, Development: true}
		r1, err := LoadKeys(src, keysNow)
		if err != nil {
			t.Fatal(err)
		}
		fi, err := os.Stat(filepath.Join(dir, DevKeyringFile))
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Fatalf("keyring file mode %v, want 0600", fi.Mode().Perm())
		}
		r2, err := LoadKeys(src, keysNow.Add(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if len(r2.Keys) != 1 || r2.Active().ID != r1.Active().ID || !r2.Active().Public.Equal(r1.Active().Public) {
			t.Fatal("second load generated a different key")
		}
		if !strings.HasPrefix(r1.Active().ID, "key-20261127-") {
			t.Fatalf("key id %q", r1.Active().ID)
		}
		sig := ed25519.Sign(r2.Active().Private, []byte("x"))
		if !ed25519.Verify(r1.Active().Public, []byte("x"), sig) {
			t.Fatal("reloaded private key does not match the public key")
		}
	})
	t.Run("ErrProductionNeverGenerates", func(t *testing.T) {
		dir := t.TempDir()
		if _, err := LoadKeys(KeySource{DataDir: dir}, keysNow); err == nil {
			t.Fatal("production without keys loaded something")
		}
		if _, err := os.Stat(filepath.Join(dir, DevKeyringFile)); !os.IsNotExist(err) {
			t.Fatal("production generated a keyring file")
		}
	})
	t.Run("Seed", func(t *testing.T) {
		seed := make([]byte, 32)
		seed[0] = 7
		r, err := LoadKeys(KeySource{Seed: base64.StdEncoding.EncodeToString(seed)}, keysNow)
		if err != nil {
			t.Fatal(err)
		}
		want := ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey)
		if len(r.Keys) != 1 || !r.Active().Public.Equal(want) || r.Active().ID != SeedKeyID(want) {
			t.Fatalf("seed key %+v", r.Active().ID)
		}
	})
	t.Run("ErrBadSeed", func(t *testing.T) {
		for _, s := range []string{"not base64!", base64.StdEncoding.EncodeToString(make([]byte, 31))} {
			if _, err := LoadKeys(KeySource{Seed: s}, keysNow); err == nil {
				t.Errorf("accepted seed %q", s)
			}
		}
	})
	t.Run("FileWinsOverDevelopment", func(t *testing.T) {
		dir := t.TempDir()
		path := filepath.Join(dir, "keys.json")
		k, _ := NewKey(keysNow)
		data, _ := (&Keyring{Keys: []Key{k}}).Marshal()
		os.WriteFile(path, data, 0o600)
		r, err := LoadKeys(KeySource{File: path, DataDir: dir, Development: true}, keysNow)
		if err != nil || r.Active().ID != k.ID {
			t.Fatalf("got %v, %v", r, err)
		}
		if _, err := os.Stat(filepath.Join(dir, DevKeyringFile)); !os.IsNotExist(err) {
			t.Fatal("generated a development keyring although a file was given")
		}
	})
}

func TestParseKeyring(t *testing.T) {
	k1, _ := NewKey(keysNow)
	k2, _ := NewKey(keysNow)
	retired := keysNow
	old := k1
	old.Retired = &retired
	old.Private = nil
	good, _ := (&Keyring{Keys: []Key{old, k2}}).Marshal()
	t.Run("OK", func(t *testing.T) {
		r, err := ParseKeyring(good)
		if err != nil {
			t.Fatal(err)
		}
		if r.Active().ID != k2.ID || len(r.Keys) != 2 {
			t.Fatalf("active %q", r.Active().ID)
		}
		if got, ok := r.Lookup(k1.ID); !ok || got.Active() || got.Private != nil || !got.Public.Equal(k1.Public) {
			t.Fatal("retired key not kept as published-only")
		}
	})
	mutate := func(f func(*Keyring)) []byte {
		r, err := ParseKeyring(good)
		if err != nil {
			t.Fatal(err)
		}
		f(r)
		data, _ := r.Marshal()
		return data
	}
	for name, data := range map[string][]byte{
		"ErrTwoActive":      mutate(func(r *Keyring) { r.Keys[0].Retired = nil; r.Keys[0].Private = k1.Private }),
		"ErrNoneActive":     mutate(func(r *Keyring) { r.Keys[1].Retired = &retired }),
		"ErrDuplicateID":    mutate(func(r *Keyring) { r.Keys[0].ID = k2.ID }),
		"ErrBadID":          mutate(func(r *Keyring) { r.Keys[0].ID = "key#1" }),
		"ErrActiveNoSecret": mutate(func(r *Keyring) { r.Keys[1].Private = nil }),
		"ErrMismatch":       []byte(strings.Replace(string(good), base64.StdEncoding.EncodeToString(k2.Public), base64.StdEncoding.EncodeToString(k1.Public), 1)),
		"ErrShortKey":       []byte(strings.Replace(string(good), base64.StdEncoding.EncodeToString(k2.Public), "AAAA", 1)),
		"ErrEmpty":          []byte(`{"keys":[]}`),
		"ErrUnknownField":   []byte(`{"keys":[],"extra":1}`),
		"ErrNotJSON":        []byte(`keys`),
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := ParseKeyring(data); err == nil {
				t.Fatalf("accepted %s", data)
			}
		})
	}
}

func TestRotate(t *testing.T) {
	dir := t.TempDir()
	src := KeySource{DataDir: dir, Development: true}
	r, err := LoadKeys(src, keysNow)
	if err != nil {
		t.Fatal(err)
	}
	first := r.Active()
	path, err := src.KeyringPath()
	if err != nil {
		t.Fatal(err)
	}
	later := keysNow.Add(24 * time.Hour)
	k, err := Rotate(path, later)
	if err != nil {
		t.Fatal(err)
	}
	k3, err := Rotate(path, later) // twice on one day: ids still unique
	if err != nil {
		t.Fatal(err)
	}
	r, err = LoadKeys(src, later)
	if err != nil {
		t.Fatal(err)
	}
	if len(r.Keys) != 3 || r.Active().ID != k3.ID || k.ID == k3.ID {
		t.Fatalf("after two rotations: %d keys, active %q", len(r.Keys), r.Active().ID)
	}
	old, ok := r.Lookup(first.ID)
	if !ok || old.Active() || old.Retired == nil || !old.Retired.Equal(later) {
		t.Fatal("the first key is not kept as retired")
	}
	if old.Private != nil {
		t.Fatal("the retired key kept its private key")
	}
	// The old key's signatures still verify against the published document.
	doc := DIDDocument("did:web:example.jp", r.Keys)
	if n := len(doc["assertionMethod"].([]any)); n != 3 {
		t.Fatalf("DID document lists %d keys, want 3", n)
	}
	sig := ed25519.Sign(first.Private, []byte("credential"))
	if !ed25519.Verify(old.Public, []byte("credential"), sig) {
		t.Fatal("a credential signed by the retired key no longer verifies")
	}
	fi, _ := os.Stat(path)
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("rotated keyring mode %v", fi.Mode().Perm())
	}

	t.Run("ErrSeedCannotRotate", func(t *testing.T) {
		_, err := KeySource{Seed: "x", Development: true, DataDir: dir}.KeyringPath()
		if err == nil || !strings.Contains(err.Error(), "TAKUMI_SIGNING_KEYS_FILE") {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("ErrNothingConfigured", func(t *testing.T) {
		if _, err := (KeySource{}).KeyringPath(); err == nil {
			t.Fatal("production without keys gave a path")
		}
	})
	t.Run("ErrMissingFile", func(t *testing.T) {
		if _, err := Rotate(filepath.Join(dir, "nope.json"), later); err == nil {
			t.Fatal("rotated a missing file")
		}
	})
}

func TestLoadKeysConcurrentFirstUse(t *testing.T) {
	src := KeySource{DataDir: t.TempDir(), Development: true}
	const n = 8
	ids := make(chan string, n)
	errs := make(chan error, n)
	for range n {
		go func() {
			r, err := LoadKeys(src, keysNow)
			if err != nil {
				errs <- err
				return
			}
			ids <- r.Active().ID
		}()
	}
	first := ""
	for range n {
		select {
		case err := <-errs:
			t.Fatal(err)
		case id := <-ids:
			if first == "" {
				first = id
			} else if id != first {
				t.Fatalf("two processes starting at once got different keys: %s and %s", first, id)
			}
		}
	}
}
