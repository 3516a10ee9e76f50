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
		"flash": "flash.saved", "flash_args": []string{"a", "b"}, "lang": "en"}
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
