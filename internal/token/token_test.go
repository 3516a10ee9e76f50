package token

import (
	"bytes"
	"testing"
)

func TestNewHashesWhatItReturns(t *testing.T) {
	a, ha := New()
	b, hb := New()
	if a == b || bytes.Equal(ha, hb) {
		t.Fatal("two tokens are the same")
	}
	if !bytes.Equal(Hash(a), ha) {
		t.Fatal("Hash(token) differs from the hash New returned")
	}
	if !Matches(ha, a) || Matches(ha, b) || Matches(nil, a) {
		t.Fatal("Matches is wrong")
	}
	if !Plausible(a) || Plausible(a[1:]) || Plausible("not a token at all, just words!!!!!!!!!") {
		t.Fatal("Plausible is wrong")
	}
}
