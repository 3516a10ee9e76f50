// Package token is Takumi's one way to make a secret link or API token and
// the one way to hash it for storage.
//
// SECURITY: only the hash is stored, so a copy of the database cannot be used
// to follow a link or call the API. Tokens carry 256 bits of randomness, so a
// fast hash (SHA-256) is enough: there is nothing to guess.
package token

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
)

// Size is the number of random bytes in a token.
const Size = 32

// New returns a fresh random token (base64url without padding, safe in a
// URL) and the hash to store for it.
func New() (plain string, hash []byte) {
	raw := make([]byte, Size)
	// crypto/rand.Read never returns an error (Go 1.24+): it aborts the
	// program when the system's source fails.
	_, _ = rand.Read(raw)
	plain = base64.RawURLEncoding.EncodeToString(raw)
	return plain, Hash(plain)
}

// Hash returns the stored form of a token: the SHA-256 of its text.
func Hash(plain string) []byte {
	sum := sha256.Sum256([]byte(plain))
	return sum[:]
}

// Matches reports whether plain is the token whose stored hash is hash.
// SECURITY: compared in constant time, so that where a record is found by
// another key (an LRS client's key, a demo client's name) the time taken
// says nothing of how much of the secret was right.
func Matches(hash []byte, plain string) bool {
	return subtle.ConstantTimeCompare(hash, Hash(plain)) == 1
}

// Plausible reports whether s could be a token made by New, so that lookups
// of obvious garbage stop before the database.
func Plausible(s string) bool {
	if len(s) != base64.RawURLEncoding.EncodedLen(Size) {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil
}
