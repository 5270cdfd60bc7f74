package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	neturl "net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"parindex/evidence"
	"parindex/handlers"
	"parindex/metrics"
	"parindex/notify"
	"parindex/scheduler"
	"parindex/signature"
	"parindex/store"
	"parindex/workflow"
)

// serveConfig is everything serve's flags say, read and checked.
type serveConfig struct {
	addr, db, dataDir, blobURL, trustRoots, sigPolicy string
	province, baseURL, cpuProfile                     string
	zone                                              *time.Location
	trustedProxies, metricsAllow                      []string
	maxBody, maxUpload, minThroughput                 int64
	tokenTTL, demoCloses, pdfTimeout, shutdownDelay   time.Duration
	migrate, demo, schedule                           bool
	logLevel                                          zerolog.Level
	logText                                           bool
	reminders                                         []time.Duration
	smtp                                              notify.Config
	login                                             loginConfig
}

// parseServeFlags reads serve's flags (and their PARINDEX_* defaults).
func (m *Main) parseServeFlags(args []string) (*serveConfig, error) {
	f := m.newFlags("serve")
	addr := f.str("addr", ":8080", "listen address")
	db := f.str("db", defaultDB, "database: sqlite:PATH or postgres://...")
	zone := f.str("zone", workflow.DefaultZone, "the province's time zone")
	proxies := f.str("trusted-proxies", "", "comma-separated CIDRs of reverse proxies whose X-Forwarded-For is trusted")
	metricsAllow := f.str("metrics-allow", strings.Join(handlers.DefaultMetricsAllow, ","), "comma-separated CIDRs of the networks GET /metrics answers (judged on the TCP peer, never X-Forwarded-For)")
	maxBody := f.integer("max-body", 1<<20, "largest accepted request body in bytes")
	tokenTTL := f.duration("token-ttl", store.DefaultTokenTTL, "how long a token issued without an explicit expiry lasts")
	migrate := f.boolean("migrate", true, "apply pending migrations at start")
	demo := f.boolean("demo", false, "fill an empty database with demo agencies, users, criteria and an open campaign")
	demoCloses := f.duration("demo-closes-in", 2*time.Hour, "how long the demo campaign stays open")
	dataDir := f.str("data-dir", "parindex-data", "directory for evidence files (file:// storage) and upload spooling")
	blobURL := f.str("blob-url", "", "evidence storage: file:///DIR or s3://BUCKET?endpoint=...&region=...&use_path_style=true; empty is DATA-DIR/blobs")
	maxUpload := f.integer("max-upload", 50<<20, "largest accepted evidence file in bytes")
	minThroughput := f.integer("min-throughput", defaultMinThroughput, "slowest accepted upload or download in bytes per second: a body may take a minute plus its size at this rate")
	trustRoots := f.str("trust-roots", "", "directory of PEM CA roots (*.pem, *.crt) that digital signatures must chain to, and revocation lists (*.crl)")
	sigPolicy := f.str("signature-policy", "", "require-trusted (sign refuses a summary whose signer does not chain to --trust-roots) or report (accepted, reported); default require-trusted when --trust-roots is set, else report")
	pdfTimeout := f.duration("pdf-timeout", signature.DefaultTimeout, "longest one PDF signature check may take; a file that needs more is refused as too complex")
	province := f.str("province", "Tỉnh Thừa Thiên Huế", "the province's name, printed on exports")
	schedule := f.boolean("scheduler", true, "run the scheduler: deadlines, reminders, notifications (every replica may)")
	reminders := f.str("reminders", "72h,24h,2h", "comma-separated offsets before a deadline at which reminders go out")
	baseURL := f.str("base-url", "", "the web app's public address (https://…): links in emails, the login's callback and return after logout, the Secure cookie (unset: the login uses the listener's address, emails carry no links)")
	smtpHost := f.str("smtp-host", "", "SMTP server; empty logs emails instead of sending them")
	smtpPort := f.integer("smtp-port", 587, "SMTP port")
	smtpUser := f.str("smtp-username", "", "SMTP user")
	smtpPassword := f.str("smtp-password", "", "SMTP password (prefer the environment variable)")
	smtpTLS := f.str("smtp-tls", "starttls", "starttls (required), tls (implicit, port 465) or none (a local relay)")
	smtpFrom := f.str("smtp-from", "Sở Nội vụ <cchc@localhost>", "sender address")
	shutdownDelay := f.duration("shutdown-delay", 5*time.Second, "after SIGTERM, how long /readyz answers 503 while every request is still served, so that a load balancer stops sending new ones; then the listener closes and requests in flight finish")
	logLevel := f.str("log-level", "info", "least severe log entries written: debug, info, warn or error")
	logFormat := f.str("log-format", "json", "json (one object a line, for a log collector) or text (plain lines, for a person)")
	oidcIssuer := f.str("oidc-issuer", "", "the single sign-on's OpenID Connect issuer URL, e.g. https://sso.example.gov.vn/realms/tinh (with --demo and none, a development provider is served at /dev-sso)")
	oidcClient := f.str("oidc-client-id", "parindex", "parindex's client id at the provider; its secret comes from PARINDEX_OIDC_CLIENT_SECRET or --oidc-client-secret-file")
	oidcSecretFile := f.str("oidc-client-secret-file", "", "a file holding the client secret (instead of PARINDEX_OIDC_CLIENT_SECRET)")
	oidcCA := f.str("oidc-ca-bundle", "", "PEM file of extra CA roots for a provider behind a private CA (added to the system's; TLS is always verified)")
	oidcEmail := f.str("oidc-email-claim", "email", "the claim holding a person's email, matched with a provisioned user at the first login")
	oidcUsername := f.str("oidc-username-claim", "preferred_username", "a claim matched with a provisioned user's email when the email is not verified")
	oidcAuth := f.str("oidc-client-auth", "", "client_secret_basic or client_secret_post (default: what the provider's discovery lists)")
	sessionIdle := f.duration("session-idle", 45*time.Minute, "a page session unused this long ends")
	sessionMax := f.duration("session-max", 8*time.Hour, "a page session ends this long after login, used or not")
	cpuProfile := f.str("cpuprofile", "", "write a CPU profile of the whole run to this file at shutdown (for profiling)")
	if err := f.Parse(args); err != nil {
		return nil, err
	}
	offsets, err := parseOffsets(*reminders)
	if err != nil {
		return nil, err
	}
	loc, err := time.LoadLocation(*zone)
	if err != nil {
		return nil, fmt.Errorf("--zone %q: %w", *zone, err)
	}
	if *tokenTTL <= 0 {
		return nil, fmt.Errorf("--token-ttl %s: want a positive duration such as 2160h (a token without expiry is only issued explicitly)", *tokenTTL)
	}
	level, ok := logLevels[*logLevel]
	if !ok {
		return nil, fmt.Errorf("--log-level %q: want debug, info, warn or error", *logLevel)
	}
	if *logFormat != "json" && *logFormat != "text" {
		return nil, fmt.Errorf("--log-format %q: want json or text", *logFormat)
	}
	if *shutdownDelay < 0 {
		return nil, fmt.Errorf("--shutdown-delay %s: want zero or a positive duration such as 5s", *shutdownDelay)
	}
	if *minThroughput <= 0 {
		return nil, fmt.Errorf("--min-throughput %d: want a positive number of bytes per second such as 65536", *minThroughput)
	}
	if *sessionIdle <= 0 || *sessionMax <= 0 {
		return nil, fmt.Errorf("--session-idle %s, --session-max %s: want positive durations such as 45m and 8h", *sessionIdle, *sessionMax)
	}
	secret := m.Getenv("PARINDEX_OIDC_CLIENT_SECRET")
	if *oidcSecretFile != "" {
		b, err := os.ReadFile(*oidcSecretFile)
		if err != nil {
			return nil, fmt.Errorf("--oidc-client-secret-file: %w", err)
		}
		secret = strings.TrimSpace(string(b))
	}
	if *blobURL == "" {
		abs, err := filepath.Abs(filepath.Join(*dataDir, "blobs"))
		if err != nil {
			return nil, err
		}
		*blobURL = "file://" + filepath.ToSlash(abs)
	}
	return &serveConfig{
		addr: *addr, db: *db, dataDir: *dataDir, blobURL: *blobURL, trustRoots: *trustRoots, sigPolicy: *sigPolicy,
		province: *province, baseURL: *baseURL, cpuProfile: *cpuProfile, zone: loc,
		trustedProxies: splitList(*proxies), metricsAllow: splitList(*metricsAllow),
		maxBody: *maxBody, maxUpload: *maxUpload, tokenTTL: *tokenTTL, demoCloses: *demoCloses, pdfTimeout: *pdfTimeout,
		migrate: *migrate, demo: *demo, schedule: *schedule, reminders: offsets,
		minThroughput: *minThroughput, shutdownDelay: *shutdownDelay, logLevel: level, logText: *logFormat == "text",
		login: loginConfig{issuer: *oidcIssuer, clientID: *oidcClient, clientSecret: secret, caBundle: *oidcCA,
			emailClaim: *oidcEmail, usernameClaim: *oidcUsername, clientAuth: *oidcAuth, idle: *sessionIdle, absolute: *sessionMax},
		smtp: notify.Config{Host: *smtpHost, Port: int(*smtpPort), Username: *smtpUser, Password: *smtpPassword, TLS: *smtpTLS, From: *smtpFrom},
	}, nil
}

// runServe starts the service in five steps: read the flags, open the
// database (migrating and filling the demo), open the evidence store and the
// signature trust, start the scheduler, listen. A serve that fails after
// opening anything closes it again: the caller of a failed Run owes no Close.
func (m *Main) runServe(ctx context.Context, args []string) (err error) {
	defer func() {
		if err != nil {
			m.closeParts()
		}
	}()
	c, err := m.parseServeFlags(args)
	if err != nil {
		return err
	}
	if c.cpuProfile != "" {
		if m.profile, err = startCPUProfile(c.cpuProfile); err != nil {
			return err
		}
	}
	log := m.serveLogger(c)
	if err := m.openDatabase(ctx, c, log); err != nil {
		return err
	}
	trust, err := m.openEvidence(ctx, c, log)
	if err != nil {
		return err
	}
	met := metrics.New(m.store, log) // one registry per Main: two in one test process do not collide
	if err := m.startScheduler(ctx, c, met, log); err != nil {
		return err
	}
	return m.listen(ctx, c, trust, met, log)
}

// openDatabase opens the store, applies migrations and fills the demo.
func (m *Main) openDatabase(ctx context.Context, c *serveConfig, log zerolog.Logger) (err error) {
	if m.store, err = store.Open(ctx, c.db, m.Clock); err != nil {
		return err
	}
	m.store.SetTokenTTL(c.tokenTTL)
	if c.migrate {
		n, err := m.store.MigrateUp(ctx)
		if err != nil {
			return err
		}
		log.Info().Int("applied", n).Str("dialect", m.store.Dialect()).Msg("migrations")
	}
	if c.demo {
		if err := loadDemo(ctx, m.store, c.zone, c.demoCloses, m.Stdout); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
	}
	return nil
}

// openEvidence opens the blob store and loads the signature trust and policy.
func (m *Main) openEvidence(ctx context.Context, c *serveConfig, log zerolog.Logger) (*signature.Trust, error) {
	var err error
	if m.bucket, err = evidence.Open(ctx, c.blobURL); err != nil {
		return nil, fmt.Errorf("--blob-url: %w", err)
	}
	trust, err := signature.LoadTrust(c.trustRoots)
	if err != nil {
		return nil, fmt.Errorf("--trust-roots: %w", err)
	}
	policy, err := workflow.ParseSignaturePolicy(c.sigPolicy, !trust.Empty())
	if err != nil {
		return nil, fmt.Errorf("--signature-policy: %w", err)
	}
	m.store.SetSignaturePolicy(policy)
	if policy == workflow.PolicyReport {
		log.Warn().Str("signature_policy", string(policy)).Bool("trust_roots", !trust.Empty()).
			Msg("signature policy report: untrusted digital signatures are accepted and only reported; set --trust-roots (and --signature-policy require-trusted) to refuse them")
	} else {
		log.Info().Str("signature_policy", string(policy)).Int("crls", len(trust.CRLs)).Str("trust_roots", trust.Dir).Msg("signature policy")
	}
	return trust, nil
}

// startScheduler starts deadlines, reminders and notifications, catching up
// on everything overdue before the first request. A schema that is not
// current yet (--migrate=false) only delays the first sweep.
func (m *Main) startScheduler(ctx context.Context, c *serveConfig, met *metrics.Metrics, log zerolog.Logger) error {
	if !c.schedule {
		return nil
	}
	mailer, err := notify.NewMailer(c.smtp, log)
	if err != nil {
		return fmt.Errorf("smtp: %w", err)
	}
	m.scheduler = scheduler.New(m.store, scheduler.Config{Zone: c.zone, Reminders: c.reminders, Mailer: mailer, BaseURL: c.baseURL, Bucket: m.bucket, Metrics: met}, log)
	if err := m.scheduler.Start(ctx); err != nil {
		if current, cerr := m.store.SchemaCurrent(ctx); cerr == nil && !current {
			log.Warn().Msg("scheduler: the schema is not current; it sweeps once migrations are applied")
			return nil
		}
		return fmt.Errorf("scheduler: %w", err)
	}
	return nil
}

// listen builds the HTTP handler and starts serving in the background.
func (m *Main) listen(ctx context.Context, c *serveConfig, trust *signature.Trust, met *metrics.Metrics, log zerolog.Logger) error {
	replan := func() {}
	if m.scheduler != nil {
		replan = m.scheduler.Replan
	}
	var err error
	if m.listener, err = net.Listen("tcp", c.addr); err != nil {
		return err
	}
	pages, err := m.openPages(ctx, c, baseURLOf(c, m.listener), log)
	if err != nil {
		m.listener.Close()
		return err
	}
	h, err := handlers.New(handlers.Config{Store: m.store, Log: log, Zone: c.zone, TrustedProxies: c.trustedProxies, MaxBody: c.maxBody, DeadlinesChanged: replan,
		Bucket: m.bucket, Trust: trust, PDFTimeout: c.pdfTimeout, MaxUpload: c.maxUpload, Province: c.province, Metrics: met,
		MetricsAllow: c.metricsAllow, Pages: pages, Sessions: pages})
	if err != nil {
		m.listener.Close()
		return err
	}
	m.handler, m.log, m.drainFor = h, log, c.shutdownDelay
	grace := m.ioGrace
	if grace == 0 {
		grace = defaultIOGrace
	}
	m.server = &http.Server{
		Handler:           throughputFloor(h, c.minThroughput, grace),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       grace, // moved on per request as the body arrives
		WriteTimeout:      grace, // moved on per request as the answer goes out
		IdleTimeout:       120 * time.Second,
	}
	m.done = make(chan error, 1)
	go func() { m.done <- m.server.Serve(m.listener) }()
	log.Info().Str("addr", m.listener.Addr().String()).Str("zone", c.zone.String()).Msg("serving")
	m.printListening(c)
	return nil
}

// Drain is the first step of a graceful shutdown: /readyz answers 503 while
// every request is still served, for --shutdown-delay after a SIGTERM (the
// way a supervisor or an orchestrator stops a replica) so that a load
// balancer polling /readyz stops sending requests, or not at all after an
// interrupt (a person at a terminal); a second signal on skip ends the wait.
// Close follows.
func (m *Main) Drain(terminated bool, skip <-chan os.Signal) {
	m.handler.Drain()
	wait := m.drainFor
	if !terminated {
		wait = 0
	}
	m.log.Info().Dur("shutdown_delay", wait).Msg("shutdown: /readyz answers 503; requests are still served until the delay is up")
	if wait == 0 {
		return
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-t.C:
	case <-skip:
		m.log.Info().Msg("shutdown: a second signal, the delay is cut short")
	}
}

// logLevels are --log-level's values.
var logLevels = map[string]zerolog.Level{
	"debug": zerolog.DebugLevel, "info": zerolog.InfoLevel, "warn": zerolog.WarnLevel, "error": zerolog.ErrorLevel,
}

// serveLogger writes JSON lines (m.logger) or, with --log-format text, plain
// lines without colour, for a terminal or the journal; entries below
// --log-level are dropped.
func (m *Main) serveLogger(c *serveConfig) zerolog.Logger {
	if !c.logText {
		return m.logger().Level(c.logLevel)
	}
	w := zerolog.ConsoleWriter{Out: m.Stderr, NoColor: true, TimeFormat: time.RFC3339}
	return zerolog.New(w).With().Timestamp().Logger().Level(c.logLevel)
}

// printListening tells the person who started the service, in one plain line
// on standard output, where it answers and on which database; with --demo,
// how to log in with the tokens printed above it.
func (m *Main) printListening(c *serveConfig) {
	url := m.URL()
	if host, port, err := net.SplitHostPort(m.listener.Addr().String()); err == nil {
		if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
			url = "http://localhost:" + port
		}
	}
	line := fmt.Sprintf("parindex đang phục vụ tại %s (%s)", url, describeDB(m.store.Dialect(), c.db))
	if c.demo {
		line += fmt.Sprintf("; mở %s trong trình duyệt và chọn một tài khoản demo, ví dụ cán bộ cập nhật của Sở Tư pháp (công cụ dùng mã ở trên: curl -H \"Authorization: Bearer $ADMIN\" %s/api/v1/me)", url, url)
	}
	fmt.Fprintln(m.Stdout, line)
}

// describeDB names the database without its credentials: "SQLite
// parindex.db", "PostgreSQL 127.0.0.1:5432/parindex", or just "PostgreSQL"
// for a key=value connection string.
func describeDB(dialect, db string) string {
	if dialect == store.SQLite {
		return "SQLite " + strings.TrimPrefix(db, "sqlite:")
	}
	if u, err := neturl.Parse(db); err == nil && u.Host != "" {
		return "PostgreSQL " + u.Host + u.Path
	}
	return "PostgreSQL"
}
