// Package apperr gives domain errors a code the web layer maps to an HTTP
// status, and a message key the web layer translates. Domain packages return
// these; they never know about HTTP.
package apperr

import (
	"errors"
	"fmt"
)

// Code classifies an error for the user.
type Code string

// The error codes domain functions return.
const (
	Invalid      Code = "invalid"      // the input breaks a rule; Fields says which
	NotFound     Code = "not_found"    // the thing does not exist (or is not yours)
	Conflict     Code = "conflict"     // the change clashes with current state
	Forbidden    Code = "forbidden"    // signed in but not allowed
	Unauthorized Code = "unauthorized" // must sign in (or the credentials are wrong)
	TooMany      Code = "too_many"     // rate limited
	Unavailable  Code = "unavailable"  // a dependency (the database) is down
	Internal     Code = "internal"
)

// Error is a domain error with a code, a message key for the catalogues, and
// optional per-field message keys for forms.
type Error struct {
	Code   Code
	Key    string            // message catalogue key
	Fields map[string]string // form field -> message key
	Err    error             // wrapped cause, logged, never shown
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Key, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Key)
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an error with the given code and message key.
func New(code Code, key string) *Error { return &Error{Code: code, Key: key} }

// Wrap returns an error with code and key that wraps cause.
func Wrap(code Code, key string, cause error) *Error {
	return &Error{Code: code, Key: key, Err: cause}
}

// Fields returns an Invalid error carrying per-field message keys.
func FieldErrors(fields map[string]string) *Error {
	return &Error{Code: Invalid, Key: "error.form_invalid", Fields: fields}
}

// CodeOf returns the code of err, or Internal when err carries none.
func CodeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return Internal
}

// As returns err as *Error when it is one.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// Is reports whether err carries code.
func Is(err error, code Code) bool { return CodeOf(err) == code }

// Coded returns err unchanged when it already carries a code, nil for
// nil, and otherwise wraps it as an Internal error: the one way domain
// services turn a database or library failure into a coded error.
func Coded(err error) error {
	if err == nil {
		return nil
	}
	if _, ok := As(err); ok {
		return err
	}
	return Wrap(Internal, "error.internal", err)
}
