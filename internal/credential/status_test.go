package credential

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"errors"
	"strings"
	"sync"
	"testing"

	"gorm.io/gorm"

	"takumi/internal/apperr"
	"takumi/internal/dbtest"
)

func TestStatusListBits(t *testing.T) {
	t.Run("FirstBitIsMostSignificant", func(t *testing.T) {
		l := NewStatusList()
		if err := l.Set(0, true); err != nil {
			t.Fatal(err)
		}
		if l.Bytes()[0] != 0x80 {
			t.Fatalf("bit 0 set gives first byte %#x, want 0x80", l.Bytes()[0])
		}
	})
	t.Run("LastBit", func(t *testing.T) {
		l := NewStatusList()
		if err := l.Set(StatusListSize-1, true); err != nil {
			t.Fatal(err)
		}
		b := l.Bytes()
		if len(b) != 16384 || b[16383] != 0x01 || bytes.Count(b, []byte{0}) != 16383 {
			t.Fatalf("bit 131071 set gives %d bytes, last %#x", len(b), b[len(b)-1])
		}
	})
	t.Run("SetGetClear", func(t *testing.T) {
		l := NewStatusList()
		for _, i := range []int{1, 7, 8, 9, 4242} {
			if err := l.Set(i, true); err != nil {
				t.Fatal(err)
			}
		}
		for i := range 5000 {
			got, _ := l.Get(i)
			want := i == 1 || i == 7 || i == 8 || i == 9 || i == 4242
			if got != want {
				t.Fatalf("Get(%d) = %v, want %v", i, got, want)
			}
		}
		l.Set(8, false)
		if got, _ := l.Get(8); got {
			t.Fatal("bit 8 still set after clearing")
		}
		if got, _ := l.Get(9); !got {
			t.Fatal("clearing bit 8 cleared bit 9")
		}
	})
	t.Run("ErrOutOfRange", func(t *testing.T) {
		l := NewStatusList()
		if err := l.Set(StatusListSize, true); err == nil {
			t.Fatal("set past the end")
		}
		if _, err := l.Get(-1); err == nil {
			t.Fatal("got a negative index")
		}
	})
}

func TestStatusListEncoding(t *testing.T) {
	t.Run("AllZerosStable", func(t *testing.T) {
		a, err := NewStatusList().Encode()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := NewStatusList().Encode()
		if a != b {
			t.Fatal("two empty lists encode differently")
		}
		// Go's GZIP stream of 16,384 zero bytes at the default level, with no
		// name and no time in its header (a change here means the Go
		// compressor changed: still valid, but every list's bytes move).
		const want = "uH4sIAAAAAAAA_-zAMQEAAADCIPunNsYeGAAAAAAAAAAAAAAAAAAAAJB7AAAA__-G0lSrAEAAAA"
		if a != want {
			t.Fatalf("empty list encodes to %s, want %s", a, want)
		}
	})
	t.Run("DecodesSpecificationExample", func(t *testing.T) {
		// The encodedList of the W3C Bitstring Status List v1.0 example
		// (written by another implementation): 131,072 clear entries.
		l, err := DecodeStatusList("uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA")
		if err != nil {
			t.Fatal(err)
		}
		if l.Len() != StatusListSize || bytes.Count(l.Bytes(), []byte{0}) != StatusListBytes {
			t.Fatalf("decoded %d entries, not all clear", l.Len())
		}
	})
	t.Run("RoundTrip", func(t *testing.T) {
		l := NewStatusList()
		for _, i := range []int{0, 3, 65536, StatusListSize - 1} {
			l.Set(i, true)
		}
		enc, err := l.Encode()
		if err != nil {
			t.Fatal(err)
		}
		if enc[0] != 'u' {
			t.Fatalf("no multibase prefix: %.10s", enc)
		}
		back, err := DecodeStatusList(enc)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(back.Bytes(), l.Bytes()) {
			t.Fatal("round trip changed the bitstring")
		}
		raw, _ := base64.RawURLEncoding.DecodeString(enc[1:])
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatalf("not gzip: %v", err)
		}
		if zr.Header.Name != "" || !zr.Header.ModTime.IsZero() {
			t.Fatalf("gzip header carries %q / %v", zr.Header.Name, zr.Header.ModTime)
		}
	})
	t.Run("ErrWrongPrefix", func(t *testing.T) {
		enc, _ := NewStatusList().Encode()
		if _, err := DecodeStatusList("z" + enc[1:]); err == nil {
			t.Fatal("accepted a base58 prefix")
		}
		if _, err := DecodeStatusList(enc[1:]); err == nil {
			t.Fatal("accepted a list without a prefix")
		}
	})
	t.Run("ErrTooShort", func(t *testing.T) {
		var buf bytes.Buffer
		zw := gzip.NewWriter(&buf)
		zw.Write(make([]byte, StatusListBytes-1))
		zw.Close()
		if _, err := DecodeStatusList("u" + base64.RawURLEncoding.EncodeToString(buf.Bytes())); err == nil {
			t.Fatal("accepted a list of fewer than 131,072 entries")
		}
	})
	t.Run("ErrNotGzip", func(t *testing.T) {
		if _, err := DecodeStatusList("u" + base64.RawURLEncoding.EncodeToString(make([]byte, StatusListBytes))); err == nil {
			t.Fatal("accepted an uncompressed bitstring")
		}
		if _, err := DecodeStatusList("u!!!"); err == nil {
			t.Fatal("accepted bad base64url")
		}
	})
	t.Run("ErrGzipBomb", func(t *testing.T) {
		var buf bytes.Buffer
		zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
		zw.Write(make([]byte, maxStatusListBytes+1))
		zw.Close()
		if _, err := DecodeStatusList("u" + base64.RawURLEncoding.EncodeToString(buf.Bytes())); err == nil {
			t.Fatal("accepted a bitstring beyond the size limit")
		}
	})
}

func TestStatusStore(t *testing.T) {
	db := dbtest.New(t)
	ctx := context.Background()
	g := db.Gorm

	t.Run("ConcurrentAllocationUnique", func(t *testing.T) {
		const n = 40
		var mu sync.Mutex
		seen := map[int]bool{}
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := g.Transaction(func(tx *gorm.DB) error {
					id, idx, err := AllocateStatusIndex(ctx, tx, StatusPurposeRevocation)
					if err != nil {
						return err
					}
					if id != "revocation-1" {
						return errors.New("allocated from " + id)
					}
					mu.Lock()
					defer mu.Unlock()
					if seen[idx] {
						return errors.New("index handed out twice")
					}
					seen[idx] = true
					return nil
				})
				if err != nil {
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		for i := range n {
			if !seen[i] {
				t.Fatalf("index %d not handed out; got %v", i, seen)
			}
		}
	})

	t.Run("RolledBackAllocationReused", func(t *testing.T) {
		var first int
		g.Transaction(func(tx *gorm.DB) error {
			_, first, _ = AllocateStatusIndex(ctx, tx, StatusPurposeRevocation)
			return errors.New("roll back")
		})
		var again int
		if err := g.Transaction(func(tx *gorm.DB) error {
			var err error
			_, again, err = AllocateStatusIndex(ctx, tx, StatusPurposeRevocation)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if again != first {
			t.Fatalf("after a rollback got index %d, want %d again", again, first)
		}
	})

	t.Run("FullListStartsNext", func(t *testing.T) {
		if err := g.Exec(`UPDATE status_lists SET next_index = length(bits) * 8 WHERE id = 'revocation-1'`).Error; err != nil {
			t.Fatal(err)
		}
		id, idx, err := AllocateStatusIndex(ctx, g, StatusPurposeRevocation)
		if err != nil || id != "revocation-2" || idx != 0 {
			t.Fatalf("full list: got %s %d %v, want revocation-2 0", id, idx, err)
		}
		id, idx, err = AllocateStatusIndex(ctx, g, StatusPurposeRevocation)
		if err != nil || id != "revocation-2" || idx != 1 {
			t.Fatalf("second on the new list: got %s %d %v", id, idx, err)
		}
	})

	t.Run("RevokeFlipsExactlyThatBit", func(t *testing.T) {
		for _, idx := range []int{0, 13, 131071} {
			if err := g.Transaction(func(tx *gorm.DB) error {
				return SetStatusBit(ctx, tx, "revocation-2", idx)
			}); err != nil {
				t.Fatal(err)
			}
			if err := SetStatusBit(ctx, g, "revocation-2", idx); err != nil { // idempotent
				t.Fatal(err)
			}
		}
		row, l, err := LoadStatusList(ctx, g, "revocation-2")
		if err != nil {
			t.Fatal(err)
		}
		if row.Purpose != StatusPurposeRevocation || len(row.Bits) != StatusListBytes {
			t.Fatalf("row %+v", row.Purpose)
		}
		enc, err := l.Encode()
		if err != nil {
			t.Fatal(err)
		}
		dec, err := DecodeStatusList(enc)
		if err != nil {
			t.Fatal(err)
		}
		b := dec.Bytes()
		if b[0] != 0x80 || b[1] != 0x04 || b[16383] != 0x01 {
			t.Fatalf("bytes 0, 1, last = %#x %#x %#x; want 0x80 0x04 0x01", b[0], b[1], b[16383])
		}
		set := 0
		for i := range StatusListSize {
			if v, _ := dec.Get(i); v {
				set++
			}
		}
		if set != 3 {
			t.Fatalf("%d bits set, want 3", set)
		}
		_, other, _ := LoadStatusList(ctx, g, "revocation-1")
		if bytes.Count(other.Bytes(), []byte{0}) != StatusListBytes {
			t.Fatal("revoking on revocation-2 changed revocation-1")
		}
	})

	t.Run("ErrNotFound", func(t *testing.T) {
		for _, c := range []struct {
			list string
			idx  int
		}{{"revocation-9", 0}, {"revocation-1", StatusListSize}, {"revocation-1", -1}} {
			err := SetStatusBit(ctx, g, c.list, c.idx)
			var ae *apperr.Error
			if !errors.As(err, &ae) || ae.Code != apperr.NotFound {
				t.Errorf("SetStatusBit(%s, %d) = %v, want not_found", c.list, c.idx, err)
			}
		}
		if _, _, err := LoadStatusList(ctx, g, "nope-1"); err == nil {
			t.Fatal("loaded a missing list")
		}
	})
}

func TestCredentialsSchema(t *testing.T) {
	db := dbtest.New(t)
	g := db.Gorm
	var ids struct{ Org, User, Course, E1, E2 string }
	mustScan := func(dst *string, sql string, args ...any) {
		t.Helper()
		if err := g.Raw(sql, args...).Row().Scan(dst); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	mustScan(&ids.Org, `INSERT INTO organisations (name_ja, kind) VALUES ('匠研修', 'provider') RETURNING id`)
	mustScan(&ids.User, `INSERT INTO users (email, password_hash, display_name, privacy_notice_version, consented_at)
		VALUES ('learner@example.jp', 'x', '学習者', '1', now()) RETURNING id`)
	mustScan(&ids.Course, `INSERT INTO courses (provider_id, code) VALUES (?, 'plc-basics') RETURNING id`, ids.Org)
	mustScan(&ids.E1, `INSERT INTO enrolments (user_id, course_id, status) VALUES (?, ?, 'completed') RETURNING id`, ids.User, ids.Course)
	mustScan(&ids.E2, `INSERT INTO enrolments (user_id, course_id, status) VALUES (?, ?, 'withdrawn') RETURNING id`, ids.User, ids.Course)

	insert := func(enrolment string, index int, extra string) error {
		return g.Exec(`INSERT INTO credentials (enrolment_id, user_id, course_id, status_list_id, status_index, valid_from, key_id, document`+extra+`)
			VALUES (?, ?, ?, 'revocation-1', ?, now(), 'key-1', '{"a": 1,  "b": 2}'`+map[string]string{
			"": ")", ", valid_until": ", now() - interval '1 day')", ", revocation_reason": ", 'typo')",
		}[extra], enrolment, ids.User, ids.Course, index).Error
	}
	t.Run("OK", func(t *testing.T) {
		if err := insert(ids.E1, 0, ""); err != nil {
			t.Fatal(err)
		}
		var doc string
		mustScan(&doc, `SELECT document FROM credentials WHERE enrolment_id = ?`, ids.E1)
		if doc != `{"a": 1,  "b": 2}` {
			t.Fatalf("document bytes changed: %q", doc)
		}
	})
	for name, c := range map[string]struct {
		err  error
		want string // the constraint that must refuse it
	}{
		"ErrSecondCredentialForEnrolment": {insert(ids.E1, 1, ""), "credentials_enrolment_id_key"},
		"ErrStatusEntryShared":            {insert(ids.E2, 0, ""), "credentials_status_list_id_status_index_key"},
		"ErrValidUntilBeforeFrom":         {insert(ids.E2, 2, ", valid_until"), "credentials_check"},
		"ErrReasonWithoutRevocation":      {insert(ids.E2, 3, ", revocation_reason"), "credentials_check"},
	} {
		t.Run(name, func(t *testing.T) {
			if c.err == nil || !strings.Contains(c.err.Error(), c.want) {
				t.Fatalf("got %v, want a violation of %s", c.err, c.want)
			}
		})
	}
}

func BenchmarkStatusListEncode(b *testing.B) {
	l := NewStatusList()
	for i := 0; i < StatusListSize; i += 97 {
		l.Set(i, true)
	}
	for b.Loop() {
		if _, err := l.Encode(); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkStatusListDecode(b *testing.B) {
	l := NewStatusList()
	for i := 0; i < StatusListSize; i += 97 {
		l.Set(i, true)
	}
	enc, _ := l.Encode()
	for b.Loop() {
		if _, err := DecodeStatusList(enc); err != nil {
			b.Fatal(err)
		}
	}
}
