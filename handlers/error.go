package handlers

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/rs/zerolog"
	"golang.org/x/text/language"

	"parindex/i18n"
	"parindex/workflow"
)

// eMethodNotAllowed is the one code that is HTTP's alone: no domain
// operation refuses a method, only the router does.
const eMethodNotAllowed = "method_not_allowed"

// statuses is workflow.Statuses and the router's own 405.
var statuses = func() map[string]int {
	m := map[string]int{eMethodNotAllowed: http.StatusMethodNotAllowed}
	for code, status := range workflow.Statuses {
		m[code] = status
	}
	return m
}()

var (
	errNoRoute  = workflow.Errorf(workflow.ENOTFOUND, "Không có tài nguyên này.")
	errNoMethod = workflow.Errorf(eMethodNotAllowed, "Tài nguyên này không nhận phương thức đã gửi.")
)

// internalDetail is the whole of what a client learns of an internal error:
// the request id to quote; the error itself goes to the log only.
const internalDetail = "Lỗi nội bộ; mã yêu cầu %s."

// methods are the methods the Allow header may list, in its order.
var methods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete}

// handleNoMethod answers 405 with Allow listing the methods the path's route
// has, as chi finds them; a path no route has (chi sends any method it does
// not know here, whatever the path) is 404.
func (s *Server) handleNoMethod(w http.ResponseWriter, r *http.Request) {
	path := r.URL.RawPath // as chi routes
	if path == "" {
		path = r.URL.Path
	}
	var allowed []string
	for _, m := range methods {
		if s.router.Find(chi.NewRouteContext(), m, path) != "" {
			allowed = append(allowed, m)
		}
	}
	if allowed == nil {
		s.problem(w, r, errNoRoute)
		return
	}
	w.Header().Set("Allow", strings.Join(allowed, ", "))
	s.problem(w, r, errNoMethod)
}

// problemJSON is an RFC 9457 problem document.
type problemJSON struct {
	Type   string      `json:"type"`
	Title  string      `json:"title"`
	Status int         `json:"status"`
	Detail string      `json:"detail,omitempty"`
	Errors []fieldJSON `json:"errors,omitempty"`
}

// fieldJSON is one wrong field, its message in the caller's language.
type fieldJSON struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// lang is the language the request asks for (Accept-Language): Vietnamese
// unless it prefers English.
func lang(r *http.Request) language.Tag { return i18n.Lang(r.Header.Get("Accept-Language")) }

// fieldsIn writes field errors in lang.
func fieldsIn(l language.Tag, fields []workflow.FieldError) []fieldJSON {
	if len(fields) == 0 {
		return nil
	}
	out := make([]fieldJSON, len(fields))
	for i, f := range fields {
		out[i] = fieldJSON{Field: f.Field, Message: i18n.Sprintf(l, f.Message, f.Args...)}
	}
	return out
}

// title is a status's title in l: the catalogue is keyed by http.StatusText
// (a key with no arguments, passed as a variable).
func title(l language.Tag, status int) string {
	var none []any
	return i18n.Sprintf(l, http.StatusText(status), none...)
}

// problem answers err as application/problem+json. Only internal errors are
// logged: everything else is the caller's answer, not ours to log. An
// internal error's text never reaches the client (it may hold a file path, a
// query, a panic's value): its detail is a fixed sentence with the request id.
func (s *Server) problem(w http.ResponseWriter, r *http.Request, err error) {
	code := workflow.ErrorCode(err)
	status, ok := statuses[code]
	if !ok {
		code, status = workflow.EINTERNAL, http.StatusInternalServerError
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="parindex"`)
	}
	l := lang(r)
	format, args := workflow.ErrorFormat(err)
	p := problemJSON{
		Type:   "urn:parindex:problem:" + code,
		Title:  title(l, status),
		Status: status,
		Detail: i18n.Sprintf(l, format, args...),
		Errors: fieldsIn(l, workflow.ErrorFields(err)),
	}
	if status == http.StatusInternalServerError {
		zerolog.Ctx(r.Context()).Error().Err(err).Msg("internal error")
		p.Detail, p.Errors = i18n.Sprintf(l, internalDetail, middleware.GetReqID(r.Context())), nil
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.Header().Set("Content-Language", l.String())
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false) // "<token>", not "\u003ctoken\u003e"
	enc.Encode(p)
}
