package app

import (
	"bytes"
	"encoding/gob"
	"slices"
	"time"
)

// sessionCodec encodes session data as scs's GobCodec does, but with the
// keys in order, so that the same data always gives the same bytes.
//
// PERFORMANCE: gob writes a map in Go's random iteration order, so with two
// or more keys (a signed-in session has the user's id and session version)
// GobCodec gave different bytes for unchanged data on about half of the
// requests, and touchStore, which skips a write only when the bytes equal
// the last written, rewrote the session row on each of them — an UPDATE
// and a WAL record on every other page view (docs/performance.md, "Course
// page, player and catalogue: less work per request").
//
// Decode reads both this encoding and GobCodec's (sessions written before
// the change stay signed in). An older build reading a session written by
// this one sees no values: after a rollback, people sign in again.
type sessionCodec struct{}

// sessionData is both encodings: GobCodec's (Deadline, Values) and this
// codec's (Deadline, Keys, Vals). gob leaves out the empty fields and
// matches the others by name.
type sessionData struct {
	Deadline time.Time
	Values   map[string]any
	Keys     []string
	Vals     []any
}

// Encode implements scs.Codec.
func (sessionCodec) Encode(deadline time.Time, values map[string]any) ([]byte, error) {
	d := sessionData{Deadline: deadline, Keys: make([]string, 0, len(values)), Vals: make([]any, 0, len(values))}
	for k := range values {
		d.Keys = append(d.Keys, k)
	}
	slices.Sort(d.Keys)
	for _, k := range d.Keys {
		d.Vals = append(d.Vals, values[k])
	}
	var b bytes.Buffer
	if err := gob.NewEncoder(&b).Encode(&d); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Decode implements scs.Codec.
func (sessionCodec) Decode(b []byte) (time.Time, map[string]any, error) {
	var d sessionData
	if err := gob.NewDecoder(bytes.NewReader(b)).Decode(&d); err != nil {
		return time.Time{}, nil, err
	}
	if d.Values == nil {
		d.Values = make(map[string]any, len(d.Keys))
	}
	for i, k := range d.Keys {
		if i < len(d.Vals) {
			d.Values[k] = d.Vals[i]
		}
	}
	return d.Deadline, d.Values, nil
}
