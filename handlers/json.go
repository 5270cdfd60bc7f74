package handlers

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"parindex/workflow"
)

// readBody reads the whole request body up to the server's limit: 413 past it.
func (s *Server) readBody(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.maxBody))
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, workflow.Errorf(workflow.ETOOLARGE, "The body is larger than %d bytes.", s.maxBody)
	} else if err != nil {
		return nil, workflow.Errorf(workflow.EBADREQUEST, "Cannot read the body: %v.", err)
	}
	return body, nil
}

// decode reads a JSON body strictly into v: 415 for another media type, 413
// when too large, 400 for malformed JSON, unknown fields, wrong types or
// trailing data, naming the field where it can.
func (s *Server) decode(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return workflow.Errorf(workflow.EUNSUPPORTED, "Send JSON (Content-Type: application/json).")
		}
	}
	body, err := s.readBody(w, r)
	if err != nil {
		return err
	}
	return decodeJSON(body, v)
}

func decodeJSON(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	err := dec.Decode(v)
	if err == nil && dec.More() {
		err = errors.New("unexpected data after the JSON value")
	}
	if err == nil {
		return nil
	}
	bad := workflow.Errorf(workflow.EBADREQUEST, "The body is not valid JSON for this call: %v.", err)
	var typeErr *json.UnmarshalTypeError
	var syntaxErr *json.SyntaxError
	switch {
	case errors.Is(err, io.EOF):
		bad = workflow.Errorf(workflow.EBADREQUEST, "The body is empty; send a JSON object.")
	case errors.As(err, &typeErr):
		bad = workflow.Errorf(workflow.EBADREQUEST, "%s must be a JSON %s.", typeErr.Field, typeErr.Type).
			WithFields(workflow.FieldError{Field: strings.ReplaceAll(typeErr.Field, ".", "/"), Message: "wrong type: want " + typeErr.Type.String()})
	case errors.As(err, &syntaxErr):
		bad = workflow.Errorf(workflow.EBADREQUEST, "Malformed JSON at byte %d: %v.", syntaxErr.Offset, err)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		field := strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)
		bad = workflow.Errorf(workflow.EBADREQUEST, "Unknown field %q.", field).
			WithFields(workflow.FieldError{Field: field, Message: "unknown field"})
	}
	return bad
}

// writeJSON answers v as JSON with the status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// pathID reads an integer path parameter; anything else is 404, as no such
// resource exists.
func pathID(r *http.Request, name string) (int64, error) {
	id, err := strconv.ParseInt(chi.URLParam(r, name), 10, 64)
	if err != nil || id <= 0 {
		return 0, workflow.Errorf(workflow.ENOTFOUND, "No %s %q.", name, chi.URLParam(r, name))
	}
	return id, nil
}

// ifMatch reads If-Match: nil when absent or "*". A value that is not a
// version can match none, so it becomes -1 and is answered 412 in its turn.
func ifMatch(r *http.Request) *int64 {
	v := strings.TrimSpace(r.Header.Get("If-Match"))
	if v == "" || v == "*" {
		return nil
	}
	n, err := strconv.ParseInt(strings.Trim(strings.TrimPrefix(v, "W/"), `"`), 10, 64)
	if err != nil {
		n = -1
	}
	return &n
}

// etag is a report version as an entity tag.
func etag(version int64) string { return fmt.Sprintf("%q", strconv.FormatInt(version, 10)) }

// parsePoints reads a score from raw JSON: null clears it, a string or any
// other non-number is 400, a number with more than two decimals 422.
func parsePoints(raw json.RawMessage, field string) (*workflow.Points, error) {
	t := strings.TrimSpace(string(raw))
	if t == "" || t == "null" {
		return nil, nil
	}
	if c := t[0]; c != '-' && (c < '0' || c > '9') {
		return nil, workflow.Errorf(workflow.EBADREQUEST, "%s must be a JSON number or null.", field).
			WithFields(workflow.FieldError{Field: field, Message: "wrong type: want number"})
	}
	p, err := workflow.ParsePoints(t)
	if err != nil {
		return nil, workflow.Errorf(workflow.EINVALID, "%s: %v.", field, err).
			WithFields(workflow.FieldError{Field: field, Message: "at most two decimals, e.g. 0.75"})
	}
	return &p, nil
}

// parseTime reads a full date-time, in the province's zone when it has no
// offset; a date alone or anything else is 422 naming the field.
func (s *Server) parseTime(v, field string) (time.Time, error) {
	t, err := workflow.ParseTime(v, s.zone)
	if err != nil {
		return t, workflow.Errorf(workflow.EINVALID, "%s: %s", field, workflow.ErrorMessage(err)).
			WithFields(workflow.FieldError{Field: field, Message: "a full date-time such as 2026-11-25T17:00:00+07:00"})
	}
	return t, nil
}
