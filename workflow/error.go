package workflow

import (
	"errors"
	"fmt"
	"net/http"
)

// Error codes: the few kinds of failure callers distinguish, each answered
// with one HTTP status (Statuses) by the API and the pages alike.
const (
	EINVALID      = "invalid"      // well-formed but breaks a rule (422)
	EBADREQUEST   = "bad_request"  // malformed input (400)
	EUNAUTHORIZED = "unauthorized" // no or bad credentials (401)
	EFORBIDDEN    = "forbidden"    // the caller's role may not do this (403)
	ENOTFOUND     = "not_found"    // no such thing, or not visible to the caller (404)
	ECONFLICT     = "conflict"     // not allowed from the current state, or a duplicate (409)
	EPRECONDITION = "precondition" // If-Match names a stale version (412)
	ETOOLARGE     = "too_large"    // body too large (413)
	EUNSUPPORTED  = "unsupported"  // media type not accepted (415)
	ELOCKED       = "locked"       // the window is closed or the report is locked (423)
	EUNAVAILABLE  = "unavailable"  // the database is unreachable or behind (503)
	EINTERNAL     = "internal"     // a bug or an unexpected failure (500)
)

// Statuses is the one map from error codes to HTTP statuses, read by the
// API (problem+json) and the pages (error pages). A code missing here is an
// internal error (500).
var Statuses = map[string]int{
	EBADREQUEST:   http.StatusBadRequest,
	EUNAUTHORIZED: http.StatusUnauthorized,
	EFORBIDDEN:    http.StatusForbidden,
	ENOTFOUND:     http.StatusNotFound,
	ECONFLICT:     http.StatusConflict,
	EPRECONDITION: http.StatusPreconditionFailed,
	ETOOLARGE:     http.StatusRequestEntityTooLarge,
	EUNSUPPORTED:  http.StatusUnsupportedMediaType,
	EINVALID:      http.StatusUnprocessableEntity,
	ELOCKED:       http.StatusLocked,
	EUNAVAILABLE:  http.StatusServiceUnavailable,
	EINTERNAL:     http.StatusInternalServerError,
}

// FieldError names one wrong field and why; a report entry is "entries/<code>".
// Message is a key of the message catalogue (package i18n) and Args its
// arguments: the answer writes it in the caller's language.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
	Args    []any  `json:"-"`
}

// Field builds a FieldError whose message is a catalogue key with arguments.
func Field(field, format string, args ...any) FieldError {
	return FieldError{Field: field, Message: format, Args: args}
}

// Error is the one error type of the domain: a code, a message for people and,
// for invalid input, every field that is wrong. Format and Args are the
// message as the catalogue (package i18n) knows it; Message is it formatted
// as written, for logs.
type Error struct {
	Code    string
	Message string
	Format  string
	Args    []any
	Fields  []FieldError
}

func (e *Error) Error() string {
	return fmt.Sprintf("parindex error: code=%s message=%s", e.Code, e.Message)
}

// Errorf builds an *Error with a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Format: format, Args: args}
}

// WithFields returns e with the field errors attached.
func (e *Error) WithFields(fields ...FieldError) *Error {
	e.Fields = append(e.Fields, fields...)
	return e
}

// ErrorCode returns the code of a domain error, EINTERNAL for any other error
// and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the human message of a domain error, or a generic one
// for anything else so that internals never leak to clients.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "Internal error."
}

// ErrorFormat returns the catalogue key and arguments of a domain error's
// message, or the generic internal error's for anything else.
func ErrorFormat(err error) (string, []any) {
	var e *Error
	if errors.As(err, &e) {
		if e.Format == "" {
			return e.Message, nil
		}
		return e.Format, e.Args
	}
	return "Internal error.", nil
}

// ErrorFields returns the field errors of a domain error.
func ErrorFields(err error) []FieldError {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}
