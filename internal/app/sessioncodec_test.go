package app

import (
	"bytes"
	"reflect"
	"testing"
	"time"

	"github.com/alexedwards/scs/v2"
)

// TestSessionCodec: the same data always encodes to the same bytes (so
// touchStore can skip the write), it decodes back, and sessions written by
// scs's GobCodec before the change still decode.
func TestSessionCodec(t *testing.T) {
	deadline := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	values := map[string]any{"user_id": "0c9a5c1e-3d52-4a43-9b0e-9f8f4b6c2a11", "user_version": int64(3),
		"flash": "flash.saved", "flash_args": []string{"a", "b"}, "lang": "en", "version": 7, "deleted": true,
		"ratio": 0.5} // float64: not one of the direct types, written with gob
	var c sessionCodec
	first, err := c.Encode(deadline, values)
	if err != nil {
		t.Fatal(err)
	}
	t.Run("SameBytes", func(t *testing.T) {
		for range 50 {
			b, err := c.Encode(deadline, values)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(b, first) {
				t.Fatal("the same session data encoded to different bytes")
			}
		}
	})
	t.Run("RoundTrip", func(t *testing.T) {
		d, v, err := c.Decode(first)
		if err != nil {
			t.Fatal(err)
		}
		if !d.Equal(deadline) || !reflect.DeepEqual(v, values) {
			t.Fatalf("decoded %v %v, want %v %v", d, v, deadline, values)
		}
	})
	t.Run("Empty", func(t *testing.T) {
		b, err := c.Encode(deadline, map[string]any{})
		if err != nil {
			t.Fatal(err)
		}
		_, v, err := c.Decode(b)
		if err != nil || v == nil || len(v) != 0 {
			t.Fatalf("decoded %v, %v; want an empty map", v, err)
		}
	})
	t.Run("Malformed", func(t *testing.T) {
		for i := len(sessionMagic); i < len(first); i++ {
			if _, _, err := c.Decode(first[:i]); err == nil {
				t.Fatalf("%d of %d bytes decoded without an error", i, len(first))
			}
		}
	})
	t.Run("GobCodecSessions", func(t *testing.T) {
		old, err := scs.GobCodec{}.Encode(deadline, values)
		if err != nil {
			t.Fatal(err)
		}
		d, v, err := c.Decode(old)
		if err != nil {
			t.Fatal(err)
		}
		if !d.Equal(deadline) || !reflect.DeepEqual(v, values) {
			t.Fatalf("decoded %v %v, want %v %v", d, v, deadline, values)
		}
	})
}

// BenchmarkSessionCodec: a signed-in session's data (user id and session
// version) encoded and decoded, as every request of a signed-in person
// does, by scs's GobCodec and by sessionCodec.
func BenchmarkSessionCodec(b *testing.B) {
	deadline := time.Now().Add(12 * time.Hour)
	values := map[string]any{"user_id": "0c9a5c1e-3d52-4a43-9b0e-9f8f4b6c2a11", "user_version": 3}
	for _, c := range []struct {
		name  string
		codec scs.Codec
	}{{"GobCodec", scs.GobCodec{}}, {"sessionCodec", sessionCodec{}}} {
		b.Run(c.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				data, err := c.codec.Encode(deadline, values)
				if err != nil {
					b.Fatal(err)
				}
				if _, _, err := c.codec.Decode(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
