// Package handlers is parindex's HTTP face: chi routes, thin handlers that
// decode, call the store and encode, and one map from error codes to statuses.
package handlers

import (
	"crypto/x509"
	"fmt"
	"net/http"
	"net/netip"
	"runtime"
	"sync/atomic"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"
	"github.com/rs/zerolog"

	"parindex/evidence"
	"parindex/metrics"
	"parindex/signature"
	"parindex/store"
	"parindex/workflow"
)

// Config is what the HTTP layer needs besides the store.
type Config struct {
	Store *store.Store
	Log   zerolog.Logger
	// Zone is the province's zone: times go out in it, and deadlines written
	// without an offset are read in it.
	Zone *time.Location
	// TrustedProxies are the CIDR prefixes of reverse proxies whose
	// X-Forwarded-For is believed; empty means the peer address is the client.
	TrustedProxies []string
	// MaxBody caps a request body in bytes.
	MaxBody int64
	// Bucket stores evidence files and signed summaries.
	Bucket *evidence.Bucket
	// Trust holds the CA roots a signature must chain to (never roots
	// carried in a PDF) and the revocation lists; nil trusts nothing.
	Trust *signature.Trust
	// TrustRoots, when Trust is nil, are the roots alone (tests).
	TrustRoots *x509.CertPool
	// PDFTimeout bounds one PDF check (signature.DefaultTimeout when 0).
	PDFTimeout time.Duration
	// MaxUpload caps one uploaded file in bytes (default 50 MB).
	MaxUpload int64
	// Province is printed at the head of every export.
	Province string
	// DeadlinesChanged is called after a campaign, round or extension is
	// created, so the scheduler re-plans at once (nil: nothing to tell).
	DeadlinesChanged func()
	// Metrics counts requests and transitions and is served at GET /metrics
	// (nil: neither).
	Metrics *metrics.Metrics
	// MetricsAllow are the CIDR prefixes of the networks /metrics answers,
	// judged on the TCP peer's address, never on X-Forwarded-For; empty is
	// DefaultMetricsAllow. Others are answered 403.
	MetricsAllow []string
	// Pages serves every path outside the API and the health checks (the
	// web pages); nil: those paths are 404 problems.
	Pages http.Handler
	// Sessions, when set, lets a page's script call the API with its
	// session cookie (nil: tokens only).
	Sessions SessionAuth
}

// DefaultMetricsAllow is who may read /metrics unless configured: this host.
var DefaultMetricsAllow = []string{"127.0.0.0/8", "::1/128"}

// Server routes and answers HTTP requests.
type Server struct {
	store   *store.Store
	log     zerolog.Logger
	zone    *time.Location
	maxBody int64
	router  chi.Router
	openapi []byte

	deadlinesChanged func()
	bucket           *evidence.Bucket
	trust            *signature.Trust
	pdfTimeout       time.Duration
	maxUpload        int64
	province         string
	renders          chan struct{} // a slot per core for rendering exports
	users            userCache     // callers of routes that check their token again in SQL
	metrics          *metrics.Metrics
	routes           map[string]bool // every registered route pattern
	metricsAllow     []netip.Prefix
	draining         atomic.Bool // set by Drain: /readyz answers 503
	pages            http.Handler
	sessions         SessionAuth
}

// New builds the server and its routes.
func New(cfg Config) (*Server, error) {
	metricsAllow, err := cfg.check()
	if err != nil {
		return nil, err
	}
	doc, err := OpenAPIDocument()
	if err != nil {
		return nil, err
	}
	s := &Server{store: cfg.Store, log: cfg.Log, zone: cfg.Zone, maxBody: cfg.MaxBody, openapi: doc, deadlinesChanged: cfg.DeadlinesChanged}
	s.bucket, s.trust, s.maxUpload, s.province = cfg.Bucket, cfg.Trust, cfg.MaxUpload, cfg.Province
	s.pdfTimeout = cfg.PDFTimeout
	s.pages, s.sessions = cfg.Pages, cfg.Sessions
	s.metrics, s.metricsAllow = cfg.Metrics, metricsAllow
	s.renders = make(chan struct{}, runtime.GOMAXPROCS(0))
	if s.maxUpload <= 0 {
		s.maxUpload = 50 << 20
	}
	if s.trust == nil {
		s.trust = &signature.Trust{Roots: cfg.TrustRoots}
	}
	if s.deadlinesChanged == nil {
		s.deadlinesChanged = func() {}
	}
	s.router = s.routesOf(cfg.TrustedProxies)
	s.routes = map[string]bool{}
	err = chi.Walk(s.router, func(_, route string, _ http.Handler, _ ...func(http.Handler) http.Handler) error {
		s.routes[route] = true
		return nil
	})
	if err != nil {
		return nil, err
	}
	return s, nil
}

// check fills the configuration's defaults and refuses what chi would
// panic on: a typo in a flag is an error, not a crash. It returns the
// networks /metrics answers.
func (cfg *Config) check() ([]netip.Prefix, error) {
	if cfg.Zone == nil {
		cfg.Zone = time.UTC
	}
	if cfg.MaxBody <= 0 {
		cfg.MaxBody = 1 << 20
	}
	for _, p := range cfg.TrustedProxies {
		if _, err := netip.ParsePrefix(p); err != nil {
			return nil, fmt.Errorf("trusted proxy %q: want a CIDR prefix such as 10.0.0.0/8: %w", p, err)
		}
	}
	if len(cfg.MetricsAllow) == 0 {
		cfg.MetricsAllow = DefaultMetricsAllow
	}
	var metricsAllow []netip.Prefix
	for _, p := range cfg.MetricsAllow {
		prefix, err := netip.ParsePrefix(p)
		if err != nil {
			return nil, fmt.Errorf("metrics allow %q: want a CIDR prefix such as 127.0.0.0/8: %w", p, err)
		}
		metricsAllow = append(metricsAllow, prefix.Masked())
	}
	return metricsAllow, nil
}

// routesOf is the one screen of routes: the middleware every request goes
// through, the public routes, then the API.
func (s *Server) routesOf(trustedProxies []string) chi.Router {
	r := chi.NewRouter()
	r.Use(secureHeaders)
	r.Use(requestID)
	if len(trustedProxies) > 0 {
		r.Use(middleware.ClientIPFromXFF(trustedProxies...))
	} else {
		r.Use(middleware.ClientIPFromRemoteAddr)
	}
	r.Use(s.logRequests)
	r.Use(s.recoverPanics)
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		if s.pages != nil && !apiPath(r) {
			s.pages.ServeHTTP(w, r)
			return
		}
		s.problem(w, r, errNoRoute)
	})
	r.MethodNotAllowed(func(w http.ResponseWriter, r *http.Request) {
		// chi sends here a method it does not know (PROPFIND) whatever the
		// path: under /api/v1 that too is 401 before 404 and 405.
		if apiPath(r) {
			s.authenticate(http.HandlerFunc(s.handleNoMethod)).ServeHTTP(w, r)
			return
		}
		if s.pages != nil && r.URL.Path != "/healthz" && r.URL.Path != "/readyz" && r.URL.Path != "/metrics" && r.URL.Path != "/api/openapi.yaml" {
			s.pages.ServeHTTP(w, r)
			return
		}
		s.handleNoMethod(w, r)
	})

	// HEAD, for load balancers that probe without a body.
	r.Get("/healthz", s.handleHealth)
	r.Head("/healthz", s.handleHealth)
	r.Get("/readyz", s.handleReady)
	r.Head("/readyz", s.handleReady)
	r.Get("/api/openapi.yaml", s.handleOpenAPI)
	if s.metrics != nil {
		// Unauthenticated, like the health checks, so answered only to the
		// networks of --metrics-allow.
		r.With(s.metricsOnly).Method(http.MethodGet, "/metrics", s.metrics.Handler())
	}

	r.Route("/api/v1", func(r chi.Router) {
		// A transition checks the caller's credential again in its write, so
		// it may take the caller from a short cache; every other route reads
		// the token from the database.
		r.With(s.authenticateCached).Post("/reports/{id}/transitions", s.handleTransitionCreate)
		r.Group(s.authenticatedRoutes)
		// Unknown routes and methods answer 401 before 404 and 405, as
		// everything under /api/v1 does.
		r.NotFound(s.authenticate(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { s.problem(w, r, errNoRoute) })).ServeHTTP)
		r.MethodNotAllowed(s.authenticate(http.HandlerFunc(s.handleNoMethod)).ServeHTTP)
	})
	return r
}

// Routes exposes the route tree, so that tests can walk every registered route.
func (s *Server) Routes() chi.Routes { return s.router }

// ServeHTTP makes the server an http.Handler.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.router.ServeHTTP(w, r) }

// authenticatedRoutes are the API's routes that authenticate against the
// database on every request.
func (s *Server) authenticatedRoutes(r chi.Router) {
	r.Use(s.authenticate)
	r.Get("/me", s.handleMe)

	r.Get("/agencies", s.handleAgencyList)
	r.With(s.require(workflow.ActAgencyManage)).Post("/agencies", s.handleAgencyCreate)
	r.Get("/agencies/{id}", s.handleAgencyGet)
	r.With(s.require(workflow.ActAgencyManage)).Patch("/agencies/{id}", s.handleAgencyPatch)
	r.With(s.require(workflow.ActAgencyManage)).Post("/agencies/{id}/deactivate", s.handleAgencyDeactivate)
	r.With(s.require(workflow.ActAgencyManage)).Post("/agencies/{id}/activate", s.handleAgencyActivate)
	r.Get("/agency-kinds", s.handleAgencyKindList)
	r.With(s.require(workflow.ActAgencyManage)).Post("/agency-kinds", s.handleAgencyKindCreate)
	r.With(s.require(workflow.ActAgencyManage)).Get("/agencies/{id}/signers", s.handleSignerList)
	r.With(s.require(workflow.ActAgencyManage)).Post("/agencies/{id}/signers", s.handleSignerCreate)
	r.With(s.require(workflow.ActAgencyManage)).Delete("/agencies/{id}/signers/{signer_id}", s.handleSignerDelete)
	r.With(s.require(workflow.ActUserManage)).Post("/agencies/{id}/officials", s.handleOfficialsImport)
	r.With(s.require(workflow.ActUserManage)).Post("/users", s.handleUserCreate)
	r.With(s.require(workflow.ActUserManage)).Get("/users", s.handleUserList)
	r.With(s.require(workflow.ActUserManage)).Get("/users/{id}", s.handleUserGet)
	r.With(s.require(workflow.ActUserManage)).Patch("/users/{id}", s.handleUserPatch)
	r.With(s.require(workflow.ActUserManage)).Post("/users/{id}/deactivate", s.handleUserDeactivate)
	r.With(s.require(workflow.ActUserManage)).Post("/users/{id}/activate", s.handleUserActivate)
	r.With(s.require(workflow.ActUserManage)).Post("/users/{id}/grants", s.handleGrantCreate)
	r.With(s.require(workflow.ActUserManage)).Delete("/users/{id}/grants", s.handleGrantDelete)
	r.With(s.require(workflow.ActTokenManage)).Post("/tokens", s.handleTokenCreate)
	r.With(s.require(workflow.ActTokenManage)).Delete("/tokens/{id}", s.handleTokenDelete)
	r.Get("/me/tokens", s.handleMyTokenList)
	r.Get("/users/{id}/tokens", s.handleUserTokenList) // admin, or the user themself
	r.With(s.require(workflow.ActAuditRead)).Get("/audit", s.handleAuditList)

	r.Get("/criteria-sets", s.handleCriteriaSetList)
	r.Get("/criteria-sets/{id}", s.handleCriteriaSetGet)
	r.With(s.require(workflow.ActCriteriaManage)).Post("/criteria-sets", s.handleCriteriaSetCreate)
	r.With(s.require(workflow.ActCriteriaManage)).Put("/criteria-sets/{id}", s.handleCriteriaSetReplace)

	r.Get("/campaigns", s.handleCampaignList)
	r.Get("/campaigns/{id}", s.handleCampaignGet)
	r.With(s.require(workflow.ActCampaignManage)).Post("/campaigns", s.handleCampaignCreate)
	r.With(s.require(workflow.ActCampaignManage)).Patch("/campaigns/{id}", s.handleCampaignPatch)
	r.With(s.require(workflow.ActCampaignManage)).Post("/campaigns/{id}/cancel", s.handleCampaignCancel)
	r.With(s.require(workflow.ActCampaignManage)).Post("/campaigns/{id}/reports", s.handleCampaignReportCreate)
	r.With(s.require(workflow.ActRoundOpen)).Post("/campaigns/{id}/rounds", s.handleRoundCreate)
	r.With(s.require(workflow.ActProgressSee)).Get("/campaigns/{id}/progress", s.handleCampaignProgress)

	r.Get("/reports", s.handleReportList)
	r.Get("/reports/{id}", s.handleReportGet)
	r.With(s.require(workflow.ActExemptionsSet)).Put("/reports/{id}/exemptions", s.handleExemptionsPut)
	r.Put("/reports/{id}/entries/{code}", s.handleEntryPut)
	r.Patch("/reports/{id}/entries/{code}", s.handleEntryPatch)
	r.Get("/reports/{id}/revisions", s.handleRevisionList)
	r.Get("/reports/{id}/transitions", s.handleTransitionList)
	r.Get("/reports/{id}/history", s.handleHistoryList)
	r.Get("/reports/{id}/entries/{code}/evidence", s.handleEvidenceList)
	r.Post("/reports/{id}/entries/{code}/evidence", s.handleEvidenceCreate)
	r.Get("/evidence/{id}", s.handleEvidenceGet)
	r.Delete("/evidence/{id}", s.handleEvidenceDelete)
	r.Get("/reports/{id}/summary.xlsx", s.handleSummaryXLSX)
	r.Get("/reports/{id}/summary.pdf", s.handleSummaryPDF)
	r.Get("/reports/{id}/report.pdf", s.handleReportPDF)
	r.Post("/reports/{id}/signed-summary", s.handleSignedSummaryCreate)
	r.Get("/reports/{id}/signed-summary", s.handleSignedSummaryGet)

	r.Get("/notifications", s.handleNotificationList)
	r.Post("/notifications/{id}/read", s.handleNotificationRead)
}
