package credential

import (
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// InitKeyring creates the first keyring file at path holding one new active
// key, readable by its owner only (mode 0600), and returns the key. It
// refuses (an error wrapping os.ErrExist) when path already exists: a
// keyring is never overwritten, since the credentials it signed would stop
// verifying. The directory is created (0700) when missing.
func InitKeyring(path string, now time.Time) (Key, error) {
	if path == "" {
		return Key{}, fmt.Errorf("signing keys: no keyring path (set TAKUMI_SIGNING_KEYS_FILE)")
	}
	if _, err := os.Stat(path); err == nil {
		return Key{}, fmt.Errorf("signing keys: %s already exists; it is never overwritten (use `takumi keys rotate` to add a key): %w", path, os.ErrExist)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return Key{}, fmt.Errorf("signing keys: %w", err)
	}
	k, err := NewKey(now)
	if err != nil {
		return Key{}, err
	}
	if err := writeKeyring(path, &Keyring{Keys: []Key{k}}, true); err != nil {
		return Key{}, fmt.Errorf("signing keys: %s: %w", path, err)
	}
	return k, nil
}
