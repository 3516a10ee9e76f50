// Package credential issues and verifies the platform's Open Badges 3.0
// credentials: signing keys, the issuer's did:web document, the Bitstring
// Status List used for revocation, and the signed documents themselves.
package credential

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// Key is one Ed25519 signing key of the operator. Retired keys no longer sign
// but stay published in the DID document forever, so that every credential
// they signed keeps verifying.
//
// Only the active key keeps its private half: Rotate drops the private key of
// the key it retires, so a leaked keyring file cannot be used to sign with an
// old key (SECURITY: fewer live secrets), while its public key stays.
type Key struct {
	ID      string
	Public  ed25519.PublicKey
	Private ed25519.PrivateKey // nil for retired keys
	Created time.Time
	Retired *time.Time
}

// Active reports whether the key is the one that signs new credentials.
func (k Key) Active() bool { return k.Retired == nil }

// Keyring is the ordered list of the operator's keys, oldest first, with
// exactly one active key.
type Keyring struct {
	Keys []Key
}

// Active returns the key that signs new credentials.
func (r *Keyring) Active() Key {
	for _, k := range r.Keys {
		if k.Active() {
			return k
		}
	}
	return Key{} // unreachable for a validated keyring
}

// Lookup returns the key with the given id, active or retired.
func (r *Keyring) Lookup(id string) (Key, bool) {
	for _, k := range r.Keys {
		if k.ID == id {
			return k, true
		}
	}
	return Key{}, false
}

// keyFile is the JSON form of a keyring file. Keys are standard base64:
// publicKey is the 32-byte public key, privateKey the 32-byte seed.
type keyFile struct {
	Keys []keyFileEntry `json:"keys"`
}

type keyFileEntry struct {
	ID         string     `json:"id"`
	PublicKey  string     `json:"publicKey"`
	PrivateKey string     `json:"privateKey,omitempty"`
	Created    time.Time  `json:"created"`
	Retired    *time.Time `json:"retired,omitempty"`
}

// ParseKeyring reads a keyring file's JSON and validates it: ids unique and
// non-empty, key lengths right, private keys matching their public keys, and
// exactly one active key, which must have its private key.
func ParseKeyring(data []byte) (*Keyring, error) {
	var f keyFile
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("signing keys: %w", err)
	}
	r := &Keyring{}
	for i, e := range f.Keys {
		pub, err := base64.StdEncoding.DecodeString(e.PublicKey)
		if err != nil || len(pub) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("signing keys: key %d (%q): publicKey must be base64 of %d bytes", i, e.ID, ed25519.PublicKeySize)
		}
		k := Key{ID: e.ID, Public: ed25519.PublicKey(pub), Created: e.Created, Retired: e.Retired}
		if e.PrivateKey != "" {
			seed, err := base64.StdEncoding.DecodeString(e.PrivateKey)
			if err != nil || len(seed) != ed25519.SeedSize {
				return nil, fmt.Errorf("signing keys: key %d (%q): privateKey must be base64 of a %d-byte seed", i, e.ID, ed25519.SeedSize)
			}
			k.Private = ed25519.NewKeyFromSeed(seed)
			if !k.Public.Equal(k.Private.Public()) {
				return nil, fmt.Errorf("signing keys: key %q: privateKey does not match publicKey", e.ID)
			}
		}
		r.Keys = append(r.Keys, k)
	}
	if err := r.validate(); err != nil {
		return nil, err
	}
	return r, nil
}

func (r *Keyring) validate() error {
	if len(r.Keys) == 0 {
		return errors.New("signing keys: the keyring is empty")
	}
	seen := map[string]bool{}
	active := 0
	for _, k := range r.Keys {
		if !validKeyID(k.ID) {
			return fmt.Errorf("signing keys: key id %q must be 1-64 characters of a-z, A-Z, 0-9, '-', '_'", k.ID)
		}
		if seen[k.ID] {
			return fmt.Errorf("signing keys: key id %q appears twice", k.ID)
		}
		seen[k.ID] = true
		if len(k.Public) != ed25519.PublicKeySize {
			return fmt.Errorf("signing keys: key %q has no valid public key", k.ID)
		}
		if k.Active() {
			active++
			if len(k.Private) != ed25519.PrivateKeySize {
				return fmt.Errorf("signing keys: the active key %q has no private key", k.ID)
			}
		}
	}
	if active != 1 {
		return fmt.Errorf("signing keys: exactly one key must be active (not retired), found %d", active)
	}
	return nil
}

// validKeyID keeps key ids safe inside a DID URL fragment.
func validKeyID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range id {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// Marshal returns the keyring file's JSON.
func (r *Keyring) Marshal() ([]byte, error) {
	var f keyFile
	for _, k := range r.Keys {
		e := keyFileEntry{ID: k.ID, PublicKey: base64.StdEncoding.EncodeToString(k.Public), Created: k.Created.UTC(), Retired: k.Retired}
		if k.Private != nil {
			e.PrivateKey = base64.StdEncoding.EncodeToString(k.Private.Seed())
		}
		f.Keys = append(f.Keys, e)
	}
	return json.MarshalIndent(f, "", "  ")
}

// NewKey generates a fresh active key named "key-YYYYMMDD-" plus six random
// hex digits (the random part keeps two rotations on one day apart).
func NewKey(now time.Time) (Key, error) {
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return Key{}, err
	}
	suffix := make([]byte, 3)
	if _, err := rand.Read(suffix); err != nil {
		return Key{}, err
	}
	return Key{
		ID:      "key-" + now.UTC().Format("20060102") + "-" + hex.EncodeToString(suffix),
		Public:  pub,
		Private: priv,
		Created: now.UTC().Truncate(time.Second),
	}, nil
}

// KeySource says where the signing keys come from. In production one of File
// (TAKUMI_SIGNING_KEYS_FILE) or Seed (TAKUMI_SIGNING_KEY) is set; in
// development, with neither, a keyring is generated under DataDir.
type KeySource struct {
	File        string // path of a JSON keyring file
	Seed        string // base64 of a 32-byte Ed25519 seed: a single active key
	DataDir     string // development only: where signing-keys.json is generated
	Development bool
}

// DevKeyringFile is the keyring file's name inside the development data
// directory.
const DevKeyringFile = "signing-keys.json"

// SeedKeyID is the id of the single key given as TAKUMI_SIGNING_KEY. It is
// derived from the public key so that a different seed gets a different id.
func SeedKeyID(pub ed25519.PublicKey) string {
	return "key-" + hex.EncodeToString(pub[:6])
}

// KeyringPath returns the keyring file that Rotate should change: the
// configured file, or the generated development file. It fails when the keys
// come from TAKUMI_SIGNING_KEY, which holds one key and cannot remember old
// ones (move to a keyring file to rotate).
func (s KeySource) KeyringPath() (string, error) {
	switch {
	case s.File != "":
		return s.File, nil
	case s.Seed != "":
		return "", errors.New("the signing key comes from TAKUMI_SIGNING_KEY, which holds a single key and cannot keep the old one published; " +
			"write a keyring file (TAKUMI_SIGNING_KEYS_FILE) holding that key and rotate the file instead")
	case s.Development:
		return filepath.Join(s.DataDir, DevKeyringFile), nil
	}
	return "", errors.New("no signing keys configured: set TAKUMI_SIGNING_KEYS_FILE or TAKUMI_SIGNING_KEY")
}

// LoadKeys returns the operator's keyring from s. In development with no
// file or seed, the keyring is generated into DataDir on first use (mode
// 0600) and read from there afterwards. SECURITY: production never generates
// a key; keys belong to the operator.
func LoadKeys(s KeySource, now time.Time) (*Keyring, error) {
	switch {
	case s.File != "":
		data, err := os.ReadFile(s.File)
		if err != nil {
			return nil, fmt.Errorf("signing keys: %w", err)
		}
		return ParseKeyring(data)
	case s.Seed != "":
		seed, err := base64.StdEncoding.DecodeString(s.Seed)
		if err != nil || len(seed) != ed25519.SeedSize {
			return nil, fmt.Errorf("signing keys: TAKUMI_SIGNING_KEY must be base64 of a %d-byte Ed25519 seed", ed25519.SeedSize)
		}
		priv := ed25519.NewKeyFromSeed(seed)
		pub := priv.Public().(ed25519.PublicKey)
		return &Keyring{Keys: []Key{{ID: SeedKeyID(pub), Public: pub, Private: priv}}}, nil
	case s.Development:
		path := filepath.Join(s.DataDir, DevKeyringFile)
		data, err := os.ReadFile(path)
		if err == nil {
			return ParseKeyring(data)
		}
		if !errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("signing keys: %w", err)
		}
		k, err := NewKey(now)
		if err != nil {
			return nil, err
		}
		r := &Keyring{Keys: []Key{k}}
		if err := os.MkdirAll(s.DataDir, 0o700); err != nil {
			return nil, fmt.Errorf("signing keys: %w", err)
		}
		if err := writeKeyring(path, r, true); err != nil {
			if errors.Is(err, os.ErrExist) { // another process generated it first
				if data, err := os.ReadFile(path); err == nil {
					return ParseKeyring(data)
				}
			}
			return nil, fmt.Errorf("signing keys: %w", err)
		}
		return r, nil
	}
	return nil, errors.New("signing keys: set TAKUMI_SIGNING_KEYS_FILE or TAKUMI_SIGNING_KEY")
}

// Rotate adds a new active key to the keyring file at path and retires the
// previous active key, keeping its public key (so the credentials it signed
// still verify) and dropping its private key. It returns the new key.
func Rotate(path string, now time.Time) (Key, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Key{}, fmt.Errorf("signing keys: %w", err)
	}
	r, err := ParseKeyring(data)
	if err != nil {
		return Key{}, err
	}
	k, err := NewKey(now)
	if err != nil {
		return Key{}, err
	}
	for _, have := r.Lookup(k.ID); have; _, have = r.Lookup(k.ID) {
		if k, err = NewKey(now); err != nil {
			return Key{}, err
		}
	}
	retired := now.UTC().Truncate(time.Second)
	for i := range r.Keys {
		if r.Keys[i].Active() {
			r.Keys[i].Retired = &retired
			r.Keys[i].Private = nil
		}
	}
	r.Keys = append(r.Keys, k)
	if err := r.validate(); err != nil {
		return Key{}, err
	}
	if err := writeKeyring(path, r, false); err != nil {
		return Key{}, err
	}
	return k, nil
}

// writeKeyring writes r to path atomically: a complete 0600 temporary file
// is renamed over path, or, with exclusive, hard-linked to it, which fails
// with os.ErrExist when the file already exists (so two processes starting at
// once never overwrite each other's new key, nor read half a file).
func writeKeyring(path string, r *Keyring, exclusive bool) error {
	data, err := r.Marshal()
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".signing-keys-*")
	if err != nil {
		return fmt.Errorf("signing keys: %w", err)
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if exclusive {
		return os.Link(tmp.Name(), path)
	}
	return os.Rename(tmp.Name(), path)
}
