package credential

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strconv"
	"strings"
)

// errDuplicateKey is returned by checkDuplicateKeys; Path names where.
type errDuplicateKey struct {
	Key  string // the member name given twice
	Path string // where the object is, e.g. "credentialSubject.achievement"; "" at the top level
}

func (e *errDuplicateKey) Error() string {
	return "duplicate JSON key " + strconv.Quote(e.Key) + " in " + strconv.Quote(e.Path)
}

// checkDuplicateKeys reads raw (already known to be one well-formed JSON
// value) token by token and returns *errDuplicateKey at the first object
// that names a member twice.
//
// SECURITY: encoding/json keeps the last of two equal keys silently, other
// JSON readers keep the first, so a document with a forged
// "name":"FORGED" before the genuine name verifies here while another
// reader shows the forgery. RFC 8259 §4 leaves such documents'
// meaning undefined and I-JSON (RFC 7493) forbids them: they are refused.
func checkDuplicateKeys(raw []byte) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return err
	}
	return walkJSON(dec, tok, nil)
}

// walkJSON consumes the value that starts with tok; path is where it is.
func walkJSON(dec *json.Decoder, tok json.Token, path []string) error {
	d, isDelim := tok.(json.Delim)
	if !isDelim {
		return nil
	}
	switch d {
	case '{':
		seen := map[string]bool{}
		for dec.More() {
			kt, err := dec.Token()
			if err != nil {
				return err
			}
			key, _ := kt.(string)
			if seen[key] {
				return &errDuplicateKey{Key: key, Path: jsonPath(path)}
			}
			seen[key] = true
			vt, err := dec.Token()
			if err != nil {
				return err
			}
			if err := walkJSON(dec, vt, append(path, key)); err != nil {
				return err
			}
		}
	case '[':
		for i := 0; dec.More(); i++ {
			vt, err := dec.Token()
			if err != nil {
				return err
			}
			if err := walkJSON(dec, vt, append(path, "["+strconv.Itoa(i)+"]")); err != nil {
				return err
			}
		}
	default:
		return errors.New("unexpected " + d.String())
	}
	end, err := dec.Token()
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	if err != nil {
		return err
	}
	if _, ok := end.(json.Delim); !ok {
		return errors.New("unterminated JSON value")
	}
	return nil
}

// jsonPath shows a member path as "a.b[0].c" ("" for the top level).
func jsonPath(path []string) string {
	var b strings.Builder
	for i, p := range path {
		if i > 0 && !strings.HasPrefix(p, "[") {
			b.WriteByte('.')
		}
		b.WriteString(p)
	}
	return b.String()
}
