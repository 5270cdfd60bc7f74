package handlers

import (
	"encoding/json"
	"net/http"

	"github.com/rs/zerolog"

	"parindex/workflow"
)

// statuses is the one map from error codes to HTTP statuses.
var statuses = map[string]int{
	workflow.EBADREQUEST:   http.StatusBadRequest,
	workflow.EUNAUTHORIZED: http.StatusUnauthorized,
	workflow.EFORBIDDEN:    http.StatusForbidden,
	workflow.ENOTFOUND:     http.StatusNotFound,
	workflow.ECONFLICT:     http.StatusConflict,
	workflow.EPRECONDITION: http.StatusPreconditionFailed,
	workflow.ETOOLARGE:     http.StatusRequestEntityTooLarge,
	workflow.EUNSUPPORTED:  http.StatusUnsupportedMediaType,
	workflow.EINVALID:      http.StatusUnprocessableEntity,
	workflow.ELOCKED:       http.StatusLocked,
	workflow.EUNAVAILABLE:  http.StatusServiceUnavailable,
	workflow.EINTERNAL:     http.StatusInternalServerError,
}

var (
	errNoRoute  = workflow.Errorf(workflow.ENOTFOUND, "No such resource.")
	errNoMethod = workflow.Errorf(workflow.EBADREQUEST, "Method not allowed on this resource.")
)

// problemJSON is an RFC 9457 problem document.
type problemJSON struct {
	Type   string                `json:"type"`
	Title  string                `json:"title"`
	Status int                   `json:"status"`
	Detail string                `json:"detail,omitempty"`
	Errors []workflow.FieldError `json:"errors,omitempty"`
}

// problem answers err as application/problem+json. Only internal errors are
// logged: everything else is the caller's answer, not ours to log.
func (s *Server) problem(w http.ResponseWriter, r *http.Request, err error) {
	code := workflow.ErrorCode(err)
	status, ok := statuses[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	if status == http.StatusInternalServerError {
		zerolog.Ctx(r.Context()).Error().Err(err).Msg("internal error")
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="parindex"`)
	}
	if status == http.StatusMethodNotAllowed || err == errNoMethod {
		status = http.StatusMethodNotAllowed
	}
	p := problemJSON{
		Type:   "urn:parindex:problem:" + code,
		Title:  http.StatusText(status),
		Status: status,
		Detail: workflow.ErrorMessage(err),
		Errors: workflow.ErrorFields(err),
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(p)
}
