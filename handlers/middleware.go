package handlers

import (
	"context"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"parindex/metrics"
	"parindex/store"
	"parindex/workflow"
)

type ctxKey int

const userKey ctxKey = iota

// logRequests puts a logger carrying chi's request id (the one id of the
// request, echoed in X-Request-Id) into the context and logs each request once.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		id := middleware.GetReqID(r.Context())
		w.Header().Set(middleware.RequestIDHeader, id)
		log := s.log.With().Str("request_id", id).Logger()
		r = r.WithContext(log.WithContext(r.Context()))
		ww := middleware.NewWrapResponseWriter(w, r.ProtoMajor)
		next.ServeHTTP(ww, r)
		ev := log.Info()
		if ww.Status() >= 500 {
			ev = log.Warn()
		}
		route := ""
		if rc := chi.RouteContext(r.Context()); rc != nil {
			route = rc.RoutePattern()
		}
		took := time.Since(start)
		if s.metrics != nil {
			s.metrics.Request(r.Method, s.routeLabel(r, route), ww.Status(), took)
		}
		ev.Str("method", r.Method).Str("route", route).Str("path", r.URL.Path).
			Int("status", ww.Status()).Int("bytes", ww.BytesWritten()).
			Str("client_ip", middleware.GetClientIP(r.Context())).
			Dur("duration", took).Msg("request")
	})
}

// routeLabel is the route a request is counted under: chi's pattern; for a
// request answered before routing finished (a missing token, say), the
// pattern it would have matched; else metrics.Unmatched, never the raw path.
func (s *Server) routeLabel(r *http.Request, pattern string) string {
	if s.routes[pattern] {
		return pattern
	}
	path := r.URL.RawPath // as chi routes
	if path == "" {
		path = r.URL.Path
	}
	if pattern = s.router.Find(chi.NewRouteContext(), r.Method, path); s.routes[pattern] {
		return pattern
	}
	return metrics.Unmatched
}

// recoverPanics turns a panic into a logged 500 instead of a dropped connection.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.problem(w, r, workflow.Errorf(workflow.EINTERNAL, "panic: %v", v))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// authenticate requires a valid bearer token and puts its user in the context.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
			s.problem(w, r, workflow.Errorf(workflow.EUNAUTHORIZED, "Send a token as Authorization: Bearer <token>."))
			return
		}
		u, err := s.store.Authenticate(r.Context(), strings.TrimSpace(token))
		if err != nil {
			s.problem(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), userKey, u)))
	})
}

// currentUser is the authenticated caller.
func currentUser(r *http.Request) *workflow.User {
	u, _ := r.Context().Value(userKey).(*workflow.User)
	return u
}

// policy says whether a user may call a route at all.
type policy func(u *workflow.User) bool

func adminOnly(u *workflow.User) bool      { return u.Has(workflow.RoleAdmin, 0) }
func councilOnly(u *workflow.User) bool    { return u.Has(workflow.RoleCouncil, 0) }
func adminOrCouncil(u *workflow.User) bool { return u.SeesAll() }

// require answers 403 to callers the policy refuses.
func (s *Server) require(p policy) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if !p(currentUser(r)) {
				s.problem(w, r, workflow.Errorf(workflow.EFORBIDDEN, "Your role may not do this."))
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// meta is what the history records about the request.
// A client may send its own X-Request-Id; only its first 128 bytes are kept.
func meta(r *http.Request) store.Meta {
	id := middleware.GetReqID(r.Context())
	if len(id) > 128 {
		id = id[:128]
	}
	ip := middleware.GetClientIP(r.Context())
	if ip == "" {
		// A trusted proxy that sent no X-Forwarded-For is itself the client.
		if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
			ip = host
		}
	}
	return store.Meta{RequestID: id, ClientIP: ip}
}
