package app

import (
	"bytes"
	"encoding/binary"
	"encoding/gob"
	"errors"
	"slices"
	"time"

	"github.com/alexedwards/scs/v2"
)

// sessionCodec encodes session data for the session store: the same data
// always gives the same bytes, and the value types sessions hold (string,
// int, int64, bool, []string) are written directly instead of through gob.
//
// PERFORMANCE: scs's GobCodec writes the values' map in Go's random
// iteration order, so with two or more keys (a signed-in session has the
// user's id and session version) unchanged data gave other bytes on a
// share of requests, and touchStore, which skips the write only when the
// bytes equal those it last wrote, rewrote the session row on each of them:
// an UPDATE and a WAL record on ~40 % of the learner pages' requests in the
// page benchmark. gob also builds and reads its type descriptions on every
// request (3–4 % of a page's CPU). docs/performance.md, "Course page,
// player and catalogue: less work per request".
//
// Decode also reads GobCodec's encoding, so sessions written before the
// change stay signed in. An older build cannot read this encoding: after a
// rollback, people sign in again.
type sessionCodec struct{}

// sessionMagic starts this codec's encoding. A gob stream never starts
// with a zero byte (it would be a message of length zero).
var sessionMagic = []byte{0, 'T', 1}

// Value tags.
const (
	tagString  = 's'
	tagInt     = 'i'
	tagInt64   = 'I'
	tagBool    = 'b'
	tagStrings = 'l'
	tagGob     = 'g' // any other type, as GobCodec would write it
)

var errSessionData = errors.New("session data: malformed")

// Encode implements scs.Codec.
func (sessionCodec) Encode(deadline time.Time, values map[string]any) ([]byte, error) {
	keys := make([]string, 0, len(values))
	for k := range values {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b := make([]byte, 0, 64+32*len(keys))
	b = append(b, sessionMagic...)
	b = binary.AppendVarint(b, deadline.UnixNano())
	b = binary.AppendUvarint(b, uint64(len(keys)))
	str := func(b []byte, s string) []byte { return append(binary.AppendUvarint(b, uint64(len(s))), s...) }
	for _, k := range keys {
		b = str(b, k)
		switch v := values[k].(type) {
		case string:
			b = str(append(b, tagString), v)
		case int:
			b = binary.AppendVarint(append(b, tagInt), int64(v))
		case int64:
			b = binary.AppendVarint(append(b, tagInt64), v)
		case bool:
			x := byte(0)
			if v {
				x = 1
			}
			b = append(b, tagBool, x)
		case []string:
			b = binary.AppendUvarint(append(b, tagStrings), uint64(len(v)))
			for _, s := range v {
				b = str(b, s)
			}
		default:
			var g bytes.Buffer
			if err := gob.NewEncoder(&g).Encode(&struct{ V any }{v}); err != nil {
				return nil, err
			}
			b = str(append(b, tagGob), g.String())
		}
	}
	return b, nil
}

// Decode implements scs.Codec.
func (sessionCodec) Decode(b []byte) (time.Time, map[string]any, error) {
	if !bytes.HasPrefix(b, sessionMagic) {
		return scs.GobCodec{}.Decode(b)
	}
	r := sessionReader{b: b[len(sessionMagic):]}
	deadline := time.Unix(0, r.varint())
	n := r.uvarint()
	if r.err != nil || n > uint64(len(r.b)) {
		return time.Time{}, nil, errSessionData
	}
	values := make(map[string]any, n)
	for range n {
		k := r.str()
		switch r.byte() {
		case tagString:
			values[k] = r.str()
		case tagInt:
			values[k] = int(r.varint())
		case tagInt64:
			values[k] = r.varint()
		case tagBool:
			values[k] = r.byte() == 1
		case tagStrings:
			m := r.uvarint()
			if m > uint64(len(r.b)) {
				return time.Time{}, nil, errSessionData
			}
			l := make([]string, 0, m)
			for range m {
				l = append(l, r.str())
			}
			values[k] = l
		case tagGob:
			var v struct{ V any }
			if err := gob.NewDecoder(bytes.NewReader([]byte(r.str()))).Decode(&v); err != nil {
				return time.Time{}, nil, err
			}
			values[k] = v.V
		default:
			r.err = errSessionData
		}
		if r.err != nil {
			return time.Time{}, nil, r.err
		}
	}
	return deadline, values, nil
}

// sessionReader reads sessionCodec's encoding; the first error sticks.
type sessionReader struct {
	b   []byte
	err error
}

func (r *sessionReader) fail() { r.err, r.b = errSessionData, nil }

func (r *sessionReader) byte() byte {
	if len(r.b) == 0 {
		r.fail()
		return 0
	}
	c := r.b[0]
	r.b = r.b[1:]
	return c
}

func (r *sessionReader) varint() int64 {
	v, n := binary.Varint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *sessionReader) uvarint() uint64 {
	v, n := binary.Uvarint(r.b)
	if n <= 0 {
		r.fail()
		return 0
	}
	r.b = r.b[n:]
	return v
}

func (r *sessionReader) str() string {
	n := r.uvarint()
	if r.err != nil || n > uint64(len(r.b)) {
		r.fail()
		return ""
	}
	s := string(r.b[:n])
	r.b = r.b[n:]
	return s
}
