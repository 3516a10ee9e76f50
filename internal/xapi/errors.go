// Package xapi is Takumi's xAPI learning record store (xAPI 2.0.0 and
// 1.0.3): the data rules of statements and documents, their storage in
// PostgreSQL, and the LRS clients that call it. The HTTP side of the
// protocol is in web/xapi*.go; this package knows nothing of HTTP.
package xapi

import (
	"errors"
	"fmt"
)

// Kind classifies an LRS error; the web layer maps it to a status.
type Kind int

// The kinds of LRS errors.
const (
	KindInvalid      Kind = iota + 1 // 400: the request breaks a rule of the spec
	KindNotFound                     // 404
	KindConflict                     // 409: a different statement has this id, or a document changed without a precondition
	KindPrecondition                 // 412: If-Match / If-None-Match failed
	KindUnauthorized                 // 401: no, a wrong or a revoked client
	KindForbidden                    // 403: the client lacks the scope
)

// Error is an LRS error with a message for the client that names the problem.
type Error struct {
	Kind Kind
	Msg  string
}

func (e *Error) Error() string { return e.Msg }

// Invalidf returns a KindInvalid error.
func Invalidf(format string, args ...any) error {
	return &Error{Kind: KindInvalid, Msg: fmt.Sprintf(format, args...)}
}

func errOf(k Kind, format string, args ...any) error {
	return &Error{Kind: k, Msg: fmt.Sprintf(format, args...)}
}

// KindOf returns the kind of err, or 0 for an internal error.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return 0
}
