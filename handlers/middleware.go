package handlers

import (
	"context"
	"crypto/rand"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"parindex/metrics"
	"parindex/store"
	"parindex/workflow"
)

type ctxKey int

const (
	userKey ctxKey = iota
	tokenKey
	clientRequestIDKey
)

// secureHeaders is the one middleware that sets the headers every answer
// needs: nosniff on all of them (a browser must never guess a type), and
// Cache-Control: no-store on everything under /api/v1, problems and file
// downloads included, which carry personal or report data that no cache
// between the service and the official may keep.
func secureHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		if apiPath(r) {
			h.Set("Cache-Control", "no-store")
		}
		next.ServeHTTP(w, r)
	})
}

// apiPath reports whether the request is for /api/v1, where every answer
// needs a token first.
func apiPath(r *http.Request) bool {
	return r.URL.Path == "/api/v1" || strings.HasPrefix(r.URL.Path, "/api/v1/")
}

// requestIDPrefix begins every request id of this process, as chi's
// middleware.RequestID makes them: the host and ten random base62 characters,
// so that ids from several replicas and restarts never collide.
var requestIDPrefix = func() string {
	host, err := os.Hostname()
	if host == "" || err != nil {
		host = "localhost"
	}
	const base62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	var b [10]byte
	rand.Read(b[:])
	for i := range b {
		b[i] = base62[int(b[i])%len(base62)]
	}
	return host + "/" + string(b[:])
}()

// maxClientRequestID is the longest X-Request-Id a client may send and have kept.
const maxClientRequestID = 64

// requestID gives every request the server's own id, in the context (chi's
// middleware.GetReqID reads it) and in the answer's X-Request-Id, whatever the
// client sent: the history's request id is always ours. A client's own
// X-Request-Id is kept beside it only when it is at most 64 characters of
// [A-Za-z0-9._-]; anything else is dropped, never stored or logged.
func requestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := fmt.Sprintf("%s-%06d", requestIDPrefix, middleware.NextRequestID())
		ctx := context.WithValue(r.Context(), middleware.RequestIDKey, id)
		if c := r.Header.Get(middleware.RequestIDHeader); validClientRequestID(c) {
			ctx = context.WithValue(ctx, clientRequestIDKey, c)
		}
		w.Header().Set(middleware.RequestIDHeader, id)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// validClientRequestID reports whether a client's X-Request-Id may be kept.
func validClientRequestID(id string) bool {
	if id == "" || len(id) > maxClientRequestID {
		return false
	}
	for _, c := range []byte(id) {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// clientRequestID is the client's own well-formed X-Request-Id, or "".
func clientRequestID(r *http.Request) string {
	id, _ := r.Context().Value(clientRequestIDKey).(string)
	return id
}

// logRequests puts a logger carrying the request's id (and the client's own,
// when it sent a well-formed one) into the context and logs each request once.
func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		lc := s.log.With().Str("request_id", middleware.GetReqID(r.Context()))
		if c := clientRequestID(r); c != "" {
			lc = lc.Str("client_request_id", c)
		}
		log := lc.Logger()
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

// recoverPanics turns a panic into a logged 500 instead of a dropped
// connection; the panic's value and stack go to the log only.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.problem(w, r, fmt.Errorf("panic: %v\n%s", v, debug.Stack()))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// metricsOnly answers 403 to a peer outside the --metrics-allow networks.
// It judges the TCP peer's address (r.RemoteAddr), never X-Forwarded-For: a
// header anyone can write must not open the door, and a reverse proxy in
// front is itself a peer that must be allowed, or not, as a whole.
func (s *Server) metricsOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
			for _, p := range s.metricsAllow {
				if p.Contains(ap.Addr().WithZone("").Unmap()) {
					next.ServeHTTP(w, r)
					return
				}
			}
		}
		s.problem(w, r, errMetricsForbidden)
	})
}

// errMetricsForbidden refuses /metrics to a network not allowed to read it.
var errMetricsForbidden = workflow.Errorf(workflow.EFORBIDDEN, "Địa chỉ này không được phép đọc số liệu giám sát.")

// authenticate requires a valid bearer token and puts its user in the context.
// It reads the database on every request: a revoked token stops at once, on
// every replica.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.bySession(w, r, next) {
			return
		}
		token, err := bearer(r)
		var u *workflow.User
		if err == nil {
			u, err = s.store.Authenticate(r.Context(), token)
		}
		if err != nil {
			s.users.drop(token)
			s.problem(w, r, err)
			return
		}
		// What was just read fresh is what a transition may start from.
		s.users.put(token, u)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), userKey, u)))
	})
}

// authenticateCached is authenticate for the routes whose store call checks
// the caller's credential again, in SQL, in the write itself (transitions):
// it may take the user from a cache of the last minute (the user carries
// its token's id, which the write checks), and keeps the token in the
// context for refreshCaller. A revoked token still stops at once: the
// write refuses it.
func (s *Server) authenticateCached(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if s.bySession(w, r, next) {
			return
		}
		token, err := bearer(r)
		if err != nil {
			s.problem(w, r, err)
			return
		}
		u, ok := s.users.get(token)
		if !ok {
			if u, err = s.store.Authenticate(r.Context(), token); err != nil {
				s.problem(w, r, err)
				return
			}
			s.users.put(token, u)
		}
		ctx := context.WithValue(context.WithValue(r.Context(), userKey, u), tokenKey, token)
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// refreshCaller authenticates a cached caller against the database again and
// returns the request carrying the fresh user (and caches it), or the
// authentication error; a request authenticated without the cache is returned
// as it is.
func (s *Server) refreshCaller(r *http.Request) (*http.Request, error) {
	token, ok := r.Context().Value(tokenKey).(string)
	if !ok {
		return r, nil
	}
	u, err := s.store.Authenticate(r.Context(), token)
	if err != nil {
		s.users.drop(token)
		return r, err
	}
	s.users.put(token, u)
	return r.WithContext(context.WithValue(r.Context(), userKey, u)), nil
}

// SessionAuth lets the pages' script call the API with the page session's
// cookie instead of a token (package web implements it).
type SessionAuth interface {
	// HasSession reports whether the request carries a session cookie.
	HasSession(r *http.Request) bool
	// Authenticate loads the session, refuses an unsafe method another
	// site's page sent (cross-origin protection), and calls next with the
	// session's user read fresh, or with why there is none.
	Authenticate(w http.ResponseWriter, r *http.Request, next func(http.ResponseWriter, *http.Request, *workflow.User, error))
	// EndSessions ends every session of a user at once (deactivation).
	EndSessions(ctx context.Context, userID int64) error
}

// bySession authenticates a request that carries no Authorization header
// but the page session's cookie, and reports whether it did (answering a
// refusal itself). A request with a token is the token's: a tool never
// rides on a browser's cookie.
func (s *Server) bySession(w http.ResponseWriter, r *http.Request, next http.Handler) bool {
	if s.sessions == nil || r.Header.Get("Authorization") != "" || !s.sessions.HasSession(r) {
		return false
	}
	s.sessions.Authenticate(w, r, func(w http.ResponseWriter, r *http.Request, u *workflow.User, err error) {
		if err != nil {
			s.problem(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), userKey, u)))
	})
	return true
}

// bearer is the request's bearer token, or EUNAUTHORIZED.
func bearer(r *http.Request) (string, error) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return "", workflow.Errorf(workflow.EUNAUTHORIZED, "Hãy gửi mã truy cập trong tiêu đề Authorization: Bearer <token>.")
	}
	return strings.TrimSpace(token), nil
}

// userCache remembers the user behind a token (by its hash) for a minute.
type userCache struct {
	mu    sync.Mutex
	users map[string]cachedUser
}

type cachedUser struct {
	u     *workflow.User
	until time.Time
}

const (
	userCacheTTL  = time.Minute
	maxCachedUser = 10_000
)

func (c *userCache) get(token string) (*workflow.User, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.users[workflow.HashToken(token)]
	if !ok || time.Now().After(e.until) {
		return nil, false
	}
	return e.u, true
}

func (c *userCache) put(token string, u *workflow.User) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.users == nil || len(c.users) >= maxCachedUser {
		c.users = map[string]cachedUser{}
	}
	c.users[workflow.HashToken(token)] = cachedUser{u: u, until: time.Now().Add(userCacheTTL)}
}

func (c *userCache) drop(token string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.users, workflow.HashToken(token))
}

// currentUser is the authenticated caller.
func currentUser(r *http.Request) *workflow.User {
	u, _ := r.Context().Value(userKey).(*workflow.User)
	return u
}

// require answers the policy's refusal of a province action (one whose
// answer needs no target) before the route reads anything.
func (s *Server) require(a workflow.Action) func(http.Handler) http.Handler {
	if !workflow.RefusesEarly(a) {
		panic("handlers: require takes only province actions, not " + string(a))
	}
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := workflow.Can(currentUser(r), a, workflow.Target{}); err != nil {
				s.problem(w, r, err)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// meta is what the history records about the request: the server's request
// id and, beside it, the client's own when well-formed (see requestID).
func meta(r *http.Request) store.Meta {
	id := middleware.GetReqID(r.Context())
	ip := middleware.GetClientIP(r.Context())
	if ip == "" {
		// A trusted proxy that sent no X-Forwarded-For is itself the client.
		if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
			ip = host
		}
	}
	m := store.Meta{RequestID: id, ClientRequestID: clientRequestID(r), ClientIP: ip}
	if u := currentUser(r); u != nil {
		m.IssuedBy = u.IssuedBy // the admin who issued the caller's token for them
	}
	return m
}
