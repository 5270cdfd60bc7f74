// Package web is parindex's pages: server-rendered Vietnamese HTML behind the
// province's single sign-on, for every role. A page reads through the store
// and shows only what the policy lets its reader do (workflow.Allows); every
// change a page makes goes through the API (/api/v1) from the page's one
// script, with the session cookie and the same cross-origin protection, so
// that pages and tools share one set of rules, checks and answers.
package web

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/rs/zerolog"

	"parindex/oidc"
	"parindex/session"
	"parindex/store"
	"parindex/workflow"
)

// Config is what the pages need.
type Config struct {
	Store    *store.Store
	Sessions *session.Manager
	// RP logs people in through the province's single sign-on; nil: the
	// login page says that no provider is configured.
	RP *oidc.RP
	// DevProvider, with --demo, is the development OpenID provider, served
	// at /dev-sso/ outside the session (nil: no such path).
	DevProvider http.Handler
	Log         zerolog.Logger
	Zone        *time.Location // the province's zone: every time on a page is in it
	// BaseURL is the service's public address (https://parindex.example.gov.vn):
	// where the provider sends people back after logging out.
	BaseURL  string
	Province string
	Now      workflow.Clock // default the system clock
	// Demo says the demo accounts are in use: the login page says so.
	Demo bool
}

// Server serves the pages.
type Server struct {
	cfg    Config
	store  *store.Store
	sess   *session.Manager
	router chi.Router
	pages  map[string]*pageTemplate
	cop    *http.CrossOriginProtection
	csp    string
}

// New parses the templates and builds the routes.
func New(cfg Config) (*Server, error) {
	if cfg.Store == nil || cfg.Sessions == nil {
		return nil, errors.New("web: a store and a session manager are required")
	}
	if cfg.Zone == nil {
		cfg.Zone = time.UTC
	}
	if cfg.Now == nil {
		cfg.Now = workflow.SystemClock
	}
	s := &Server{cfg: cfg, store: cfg.Store, sess: cfg.Sessions, cop: http.NewCrossOriginProtection()}
	s.cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.fail(w, r, errCrossOrigin)
	}))
	s.csp = contentSecurityPolicy(cfg)
	var err error
	if s.pages, err = parsePages(s.funcs()); err != nil {
		return nil, err
	}
	s.router = s.routes()
	return s, nil
}

// errCrossOrigin refuses an unsafe request another site's page sent.
var errCrossOrigin = workflow.Errorf(workflow.EFORBIDDEN, "Yêu cầu này không xuất phát từ trang của hệ thống nên đã bị từ chối.")

// contentSecurityPolicy allows the pages' own script, styles and images and
// nothing else: no inline script or style, no frames of other sites, forms
// posted only here or (logout) to the provider.
func contentSecurityPolicy(cfg Config) string {
	formAction := "'self'"
	if cfg.RP != nil {
		if u, err := url.Parse(cfg.RP.Issuer()); err == nil && u.Host != "" {
			formAction += " " + u.Scheme + "://" + u.Host
		}
	}
	return "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
		"frame-src 'self'; font-src 'self'; form-action " + formAction + "; frame-ancestors 'none'; base-uri 'none'"
}

// ServeHTTP makes the pages an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.router.ServeHTTP(w, r) }

// routes: static files and the back-channel logout outside the session; the
// login inside it; every page behind a logged-in user.
func (s *Server) routes() chi.Router {
	r := chi.NewRouter()
	r.Use(pageHeaders(s.csp))
	r.NotFound(func(w http.ResponseWriter, r *http.Request) { s.fail(w, r, errNoPage) })
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) { s.fail(w, r, errNoPage) })
	r.Handle("/static/*", staticFiles())
	// Browsers ask for it whatever the page says (an API answer opened
	// directly, a PDF): no icon, and no 404 in their console.
	r.Get("/favicon.ico", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "public, max-age=86400")
		w.WriteHeader(http.StatusNoContent)
	})
	r.Post("/auth/backchannel-logout", s.handleBackChannelLogout)
	if s.cfg.DevProvider != nil {
		r.Handle("/dev-sso/*", s.cfg.DevProvider)
	}
	r.Group(func(r chi.Router) {
		r.Use(s.sess.Handler, s.cop.Handler)
		r.Get("/login", s.handleLogin)
		r.Get("/auth/callback", s.handleCallback)
		r.Post("/logout", s.handleLogout)
		r.Get("/logged-out", s.handleLoggedOut)
		r.Group(func(r chi.Router) {
			r.Use(s.requireUser)
			s.homeRoutes(r)
			s.reportRoutes(r)
			s.councilRoutes(r)
			s.adminRoutes(r)
		})
	})
	return r
}

var errNoPage = workflow.Errorf(workflow.ENOTFOUND, "Không có trang này.")

// pageHeaders are the headers of every page answer: the policy, no framing,
// no referrer to other sites, and no caching of pages that show personal
// and report data (static files set their own Cache-Control).
func pageHeaders(csp string) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			h := w.Header()
			h.Set("Content-Security-Policy", csp)
			h.Set("X-Frame-Options", "DENY")
			h.Set("Referrer-Policy", "same-origin")
			h.Set("Cache-Control", "no-store")
			next.ServeHTTP(w, r)
		})
	}
}

type ctxKey int

const userKey ctxKey = 0

// requireUser puts the session's user, read fresh from the database, in the
// context; without a login (or with one that has ended: time-out, a
// deactivated user) a GET goes to the login and comes back, anything else is
// refused.
func (s *Server) requireUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, err := s.sessionUser(r.Context())
		if err != nil {
			if workflow.ErrorCode(err) != workflow.EUNAUTHORIZED {
				s.fail(w, r, err)
				return
			}
			if r.Method == http.MethodGet || r.Method == http.MethodHead {
				http.Redirect(w, r, "/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			s.fail(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), userKey, u)))
	})
}

// errNoLogin: no session, or one that has ended.
var errNoLogin = workflow.Errorf(workflow.EUNAUTHORIZED, "Phiên đăng nhập không còn hiệu lực; hãy đăng nhập lại.")

// sessionUser is the user of the request's session (the session middleware
// has loaded it), read fresh: a user deactivated since login is logged out
// here, at their next request.
func (s *Server) sessionUser(ctx context.Context) (*workflow.User, error) {
	l, ok := s.sess.Current(ctx)
	if !ok {
		return nil, errNoLogin
	}
	u, err := s.store.SessionUser(ctx, l.UserID)
	if err != nil && workflow.ErrorCode(err) == workflow.EUNAUTHORIZED {
		if _, lerr := s.sess.Logout(ctx); lerr != nil {
			return nil, lerr
		}
	}
	return u, err
}

// user is the logged-in user of a page request.
func user(r *http.Request) *workflow.User {
	u, _ := r.Context().Value(userKey).(*workflow.User)
	return u
}

// CookieName is the session cookie's name (the API looks for it).
const CookieName = "parindex_session"

// HasSession reports whether the request carries a session cookie.
func (s *Server) HasSession(r *http.Request) bool {
	c, err := r.Cookie(CookieName)
	return err == nil && c.Value != ""
}

// Authenticate is the API's way in for a page's script: the session is
// loaded (and saved after), an unsafe method must pass the cross-origin
// check, and next gets the session's user or why there is none.
func (s *Server) Authenticate(w http.ResponseWriter, r *http.Request, next func(http.ResponseWriter, *http.Request, *workflow.User, error)) {
	s.sess.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := s.cop.Check(r); err != nil {
			next(w, r, nil, errCrossOrigin)
			return
		}
		u, err := s.sessionUser(r.Context())
		next(w, r, u, err)
	})).ServeHTTP(w, r)
}

// EndSessions ends every session of a user at once (deactivation).
func (s *Server) EndSessions(ctx context.Context, userID int64) error {
	_, err := s.sess.DestroyUser(ctx, userID)
	return err
}

// idParam reads the {id} of the path, or answers the page that is not there.
func (s *Server) idParam(w http.ResponseWriter, r *http.Request) (int64, bool) {
	id, err := strconv.ParseInt(chi.URLParam(r, "id"), 10, 64)
	if err != nil || id <= 0 {
		s.fail(w, r, errNoPage)
		return 0, false
	}
	return id, true
}

// Logf is the page's log for the request.
func logOf(r *http.Request) *zerolog.Logger { return zerolog.Ctx(r.Context()) }

func itoa(n int64) string { return fmt.Sprint(n) }

func trimSlash(s string) string { return strings.TrimRight(s, "/") }
