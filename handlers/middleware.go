package handlers

import (
	"context"
	"net"
	"net/http"
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
)

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
// It reads the database on every request: a revoked token stops at once, on
// every replica.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
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
// the token again, in SQL, in the write itself (transitions): it may take the
// user from a cache of the last minute, and puts the token in the context for
// the store. A revoked token still stops at once: the write refuses it.
func (s *Server) authenticateCached(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
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

// bearer is the request's bearer token, or EUNAUTHORIZED.
func bearer(r *http.Request) (string, error) {
	scheme, token, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		return "", workflow.Errorf(workflow.EUNAUTHORIZED, "Send a token as Authorization: Bearer <token>.")
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
	token, _ := r.Context().Value(tokenKey).(string)
	return store.Meta{RequestID: id, ClientIP: ip, Token: token}
}
