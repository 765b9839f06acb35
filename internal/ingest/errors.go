package ingest

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
)

// Error is a rejection of outside input with the HTTP status it deserves. Type is one of a
// small fixed set so that clients can branch on it.
type Error struct {
	Status int    `json:"-"`
	Type   string `json:"error"`
	Msg    string `json:"message"`
}

func (e *Error) Error() string { return e.Msg }

// The error types a client may see.
const (
	TypeBadRequest   = "bad_request"
	TypeUnauthorized = "unauthorized"
	TypeTooLarge     = "payload_too_large"
	TypeUnsupported  = "unsupported_media_type"
	TypeUnavailable  = "unavailable"
	TypeNotFound     = "not_found"
	// TypeMethodNotAllowed goes with 405: the request may be fine, its method is not.
	TypeMethodNotAllowed = "method_not_allowed"
)

// Errorf builds a 400 bad_request error.
func Errorf(format string, args ...any) error {
	return &Error{Status: http.StatusBadRequest, Type: TypeBadRequest, Msg: fmt.Sprintf(format, args...)}
}

// Unauthorized builds a 401 error with the reason.
func Unauthorized(reason string) error {
	return &Error{Status: http.StatusUnauthorized, Type: TypeUnauthorized, Msg: reason}
}

// WriteError answers with the stable JSON error body. Errors that are not *Error are
// server-side failures and answer 503 so that senders retry.
func WriteError(w http.ResponseWriter, err error) {
	var e *Error
	if !errors.As(err, &e) {
		e = &Error{Status: http.StatusServiceUnavailable, Type: TypeUnavailable, Msg: err.Error()}
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(e.Status)
	_ = json.NewEncoder(w).Encode(e)
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(bytes.TrimSpace(b))
}
