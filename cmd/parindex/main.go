// Command parindex serves the PAR Index self-assessment workflow and manages
// its database and administration at the server: the commands are the table
// in commands.go.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime/pprof"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/rs/zerolog"

	"parindex/evidence"
	"parindex/handlers"
	"parindex/scheduler"
	"parindex/session"
	"parindex/store"
	"parindex/workflow"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	m := NewMain()
	if err := m.Run(ctx, os.Args[1:]); err != nil {
		if !errors.Is(err, flag.ErrHelp) && !errors.Is(err, errHelp) {
			fmt.Fprintln(os.Stderr, "parindex:", err)
		}
		os.Exit(exitCode(err))
	}
	if m.Serving() {
		// The first SIGTERM or interrupt starts a graceful shutdown (Drain,
		// then Close); a second one cuts Drain's wait short.
		signals := make(chan os.Signal, 2)
		signal.Notify(signals, os.Interrupt, syscall.SIGTERM)
		sig := <-signals
		m.Drain(sig == syscall.SIGTERM, signals)
		if err := m.Close(); err != nil {
			fmt.Fprintln(os.Stderr, "parindex: shutdown:", err)
			os.Exit(1)
		}
	}
}

// Main is the program, testable in-process: NewMain, Run, Close.
type Main struct {
	Stdout io.Writer
	Stderr io.Writer
	// Clock is the time every deadline is checked against; tests replace it.
	Clock workflow.Clock
	// Getenv reads PARINDEX_* defaults; tests replace it.
	Getenv func(string) string

	store     *store.Store
	scheduler *scheduler.Scheduler
	bucket    *evidence.Bucket
	server    *http.Server
	listener  net.Listener
	done      chan error
	profile   func() error // ends the CPU profile, if one runs
	handler   *handlers.Server
	sessions  *session.Manager
	// demoSecret is the demo client's secret at the development provider.
	demoSecret string
	log        zerolog.Logger // serve's, for the shutdown
	drainFor   time.Duration  // --shutdown-delay
	// ioGrace is the time any body may take beyond its size at
	// --min-throughput; 0 is defaultIOGrace (tests shorten it).
	ioGrace time.Duration
}

// NewMain returns a program wired to the real world.
func NewMain() *Main {
	return &Main{Stdout: os.Stdout, Stderr: os.Stderr, Clock: workflow.SystemClock, Getenv: os.Getenv}
}

// usage is the program's usage: the command table, then the flags common
// to every command.
func usage(w io.Writer) {
	fmt.Fprint(w, "parindex — PAR Index self-assessment workflow\n\nUsage:\n  parindex COMMAND [SUBCOMMAND] [flags]\n\nCommands:\n")
	for _, c := range commands {
		fmt.Fprintf(w, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
--db takes sqlite:PATH or a bare path to an SQLite file (default sqlite:parindex.db),
or a postgres:// URL (e.g. postgres://user@127.0.0.1:5432/parindex?sslmode=disable).
Every flag has a PARINDEX_* environment equivalent: --db is PARINDEX_DB, --addr
PARINDEX_ADDR. Run "parindex COMMAND --help" for a command's subcommands and flags.
Exit status: 0 done, 1 failed, 2 wrongly called.
`)
}

// Run runs one command of the table in commands.go. serve returns once it
// is listening; the caller waits and then calls Close. A --help answered on
// standard output returns errHelp. A domain error comes back as its message
// in the command line's language (cliError).
func (m *Main) Run(ctx context.Context, args []string) (err error) {
	defer func() { err = m.cliError(err) }()
	if len(args) == 0 {
		usage(m.Stderr)
		return flag.ErrHelp
	}
	if isHelp(args[0]) {
		usage(m.Stdout)
		return errHelp
	}
	c, ok := lookup(args[0])
	if !ok {
		usage(m.Stderr)
		return usageError{fmt.Errorf("unknown command %q", args[0])}
	}
	return c.run(m, ctx, args[1:])
}

// flags is a FlagSet whose defaults come from PARINDEX_* variables. Its
// Parse answers --help with the usage on standard output (errHelp), and a
// wrong flag with the error and the usage on standard error (a usageError,
// exit status 2).
type flags struct {
	*flag.FlagSet
	getenv         func(string) string
	stdout, stderr io.Writer
}

func (m *Main) newFlags(name string) *flags {
	return m.newCommand(name, name+" [flags]")
}

// newCommand is newFlags with the usage line of the command.
func (m *Main) newCommand(name, line string) *flags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	f := &flags{FlagSet: fs, getenv: m.Getenv, stdout: m.Stdout, stderr: m.Stderr}
	fs.SetOutput(io.Discard)
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "Usage: parindex %s\n\nFlags:\n", line)
		fs.PrintDefaults()
	}
	return f
}

// Parse parses the flags, and reads a bare path in --db as an SQLite file.
func (f *flags) Parse(args []string) error {
	err := f.FlagSet.Parse(args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		f.SetOutput(f.stdout)
		f.Usage()
		return errHelp
	case err != nil:
		f.SetOutput(f.stderr)
		f.Usage()
		return usageError{err}
	}
	if db := f.Lookup("db"); db != nil {
		db.Value.Set(dbURL(db.Value.String()))
	}
	return nil
}

// fail refuses how the command was called: the message, then the usage, on
// standard error (exit status 2).
func (f *flags) fail(format string, args ...any) error {
	f.SetOutput(f.stderr)
	f.Usage()
	return usageError{fmt.Errorf(format, args...)}
}

func envName(flagName string) string {
	return "PARINDEX_" + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

func (f *flags) str(name, def, help string) *string {
	if v := f.getenv(envName(name)); v != "" {
		def = v
	}
	return f.String(name, def, help+" ("+envName(name)+")")
}

func (f *flags) boolean(name string, def bool, help string) *bool {
	if v, err := strconv.ParseBool(f.getenv(envName(name))); err == nil {
		def = v
	}
	return f.Bool(name, def, help+" ("+envName(name)+")")
}

func (f *flags) duration(name string, def time.Duration, help string) *time.Duration {
	if v, err := time.ParseDuration(f.getenv(envName(name))); err == nil {
		def = v
	}
	return f.Duration(name, def, help+" ("+envName(name)+")")
}

func (f *flags) integer(name string, def int64, help string) *int64 {
	if v, err := strconv.ParseInt(f.getenv(envName(name)), 10, 64); err == nil {
		def = v
	}
	return f.Int64(name, def, help+" ("+envName(name)+")")
}

const defaultDB = "sqlite:parindex.db"

// zerolog's time format is a package global: set it once, not on every
// serve, so that several Mains (tests run them in parallel) never race on it.
func init() { zerolog.TimeFieldFormat = time.RFC3339Nano }

func (m *Main) logger() zerolog.Logger {
	return zerolog.New(m.Stderr).With().Timestamp().Logger()
}

// Serving reports whether Run started the HTTP server.
func (m *Main) Serving() bool { return m.server != nil }

// URL is the base URL of the running server.
func (m *Main) URL() string {
	return "http://" + m.listener.Addr().String()
}

// Store is the open store, for tests.
func (m *Main) Store() *store.Store { return m.store }

// Scheduler is the running scheduler (nil with --scheduler=false), for tests.
func (m *Main) Scheduler() *scheduler.Scheduler { return m.scheduler }

// splitList reads a comma-separated flag: "10.0.0.0/8, 127.0.0.1/32".
func splitList(s string) []string {
	var out []string
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}

// parseOffsets reads --reminders: "72h,24h,2h".
func parseOffsets(s string) ([]time.Duration, error) {
	out := []time.Duration{}
	for _, part := range strings.Split(s, ",") {
		if part = strings.TrimSpace(part); part == "" {
			continue
		}
		d, err := time.ParseDuration(part)
		if err != nil || d <= 0 {
			return nil, fmt.Errorf("--reminders: %q is not a positive duration such as 72h", part)
		}
		out = append(out, d)
	}
	return out, nil
}

// Close stops accepting requests, lets running ones finish (up to 30 s) and
// closes the database, logging each step. /readyz answers 503 meanwhile, if
// Drain has not made it so already.
func (m *Main) Close() error {
	var errs []error
	if m.server != nil {
		m.handler.Drain()
		start := time.Now()
		m.log.Info().Msg("shutdown: closing the listener; finishing the requests in flight (30 s at most)")
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if err := m.server.Shutdown(ctx); err != nil {
			m.log.Error().Err(err).Msg("shutdown: requests still running are cut")
			errs = append(errs, err, m.server.Close())
		} else {
			m.log.Info().Dur("took", time.Since(start)).Msg("shutdown: every request in flight is answered")
		}
		if err := <-m.done; !errors.Is(err, http.ErrServerClosed) {
			errs = append(errs, err)
		}
		m.server = nil
		defer func() { m.log.Info().Msg("shutdown: scheduler stopped, evidence store and database closed") }()
	}
	return errors.Join(append(errs, m.closeParts())...)
}

// closeParts stops the scheduler and closes the blob store, the database and
// the CPU profile, whichever are open.
func (m *Main) closeParts() error {
	var errs []error
	if m.scheduler != nil {
		m.scheduler.Stop()
		m.scheduler = nil
	}
	if m.sessions != nil {
		m.sessions.Close()
		m.sessions = nil
	}
	if m.bucket != nil {
		errs = append(errs, m.bucket.Close())
		m.bucket = nil
	}
	if m.store != nil {
		errs = append(errs, m.store.Close())
		m.store = nil
	}
	if m.profile != nil {
		errs = append(errs, m.profile())
		m.profile = nil
	}
	return errors.Join(errs...)
}

// startCPUProfile profiles the process into file until the returned function
// is called.
func startCPUProfile(file string) (func() error, error) {
	f, err := os.Create(file)
	if err != nil {
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("--cpuprofile: %w", err)
	}
	return func() error { pprof.StopCPUProfile(); return f.Close() }, nil
}

func (m *Main) runMigrate(ctx context.Context, args []string) error {
	const line = "usage: parindex migrate up|down|status [--db URL]"
	switch {
	case len(args) > 0 && isHelp(args[0]):
		fmt.Fprintln(m.Stdout, line)
		return errHelp
	case len(args) == 0 || (args[0] != "up" && args[0] != "down" && args[0] != "status"):
		fmt.Fprintln(m.Stderr, line)
		return usageError{errors.New(line)}
	}
	f := m.newFlags("migrate " + args[0])
	db := f.str("db", defaultDB, "database: sqlite:PATH or postgres://...")
	if err := f.Parse(args[1:]); err != nil {
		return err
	}
	s, err := store.Open(ctx, *db, m.Clock)
	if err != nil {
		return err
	}
	defer s.Close()
	switch args[0] {
	case "up":
		n, err := s.MigrateUp(ctx)
		if err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "applied %d migration(s)\n", n)
	case "down":
		if err := s.MigrateDown(ctx); err != nil {
			return err
		}
		fmt.Fprintln(m.Stdout, "rolled back 1 migration")
	case "status":
		status, err := s.MigrationStatus(ctx)
		if err != nil {
			return err
		}
		for _, st := range status {
			applied := "pending"
			if !st.AppliedAt.IsZero() {
				applied = "applied " + st.AppliedAt.UTC().Format(time.RFC3339)
			}
			fmt.Fprintf(m.Stdout, "%05d  %-30s %s\n", st.Source.Version, st.Source.Path, applied)
		}
	}
	return nil
}

func (m *Main) runTokenIssue(ctx context.Context, args []string) error {
	f := m.newCommand("token issue", "token issue --email EMAIL [flags]")
	email := f.String("email", "", "the user's email (created if new)")
	name := f.String("name", "", "the user's name, for a new user")
	role := f.String("role", "", "grant this province-wide role: admin or council")
	expiresIn := f.Duration("expires-in", 0, "the token stops working this long after it is issued (default: --token-ttl, 90 days)")
	noExpiry := f.Bool("no-expiry", false, "the token never expires (only when asked for)")
	ttl := f.duration("token-ttl", store.DefaultTokenTTL, "the lifetime of a token issued without --expires-in, as serve's")
	db := f.str("db", defaultDB, "database: sqlite:PATH or postgres://...")
	if err := f.Parse(args); err != nil {
		return err
	}
	if *email == "" {
		return f.fail("--email is required")
	}
	exp := store.TokenExpiry{Never: *noExpiry}
	switch {
	case *expiresIn != 0 && *noExpiry:
		return fmt.Errorf("give either --expires-in or --no-expiry, not both")
	case *expiresIn < 0:
		return fmt.Errorf("--expires-in %s: want a positive duration such as 720h", *expiresIn)
	case *ttl <= 0 && *expiresIn == 0 && !*noExpiry:
		return fmt.Errorf("--token-ttl %s: want a positive duration such as 2160h", *ttl)
	}
	// Checked here, like the other flags, so the answer names the flag
	// rather than being the API's "The user is not valid.".
	if !workflow.ValidEmail(workflow.NormalizeEmail(*email)) {
		return fmt.Errorf("--email %q is not an email address", *email)
	}
	var grant *workflow.Grant
	switch workflow.Role(*role) {
	case "":
	case workflow.RoleAdmin, workflow.RoleCouncil:
		grant = &workflow.Grant{Role: workflow.Role(*role)}
	default:
		return fmt.Errorf("--role must be admin or council (agency roles are granted through the API)")
	}
	if *name == "" {
		*name = *email
	}
	s, err := m.openCurrent(ctx, *db)
	if err != nil {
		return err
	}
	defer s.Close()
	s.SetTokenTTL(*ttl)
	if *expiresIn > 0 {
		at := s.Now().Add(*expiresIn)
		exp.At = &at
	}
	u := &workflow.User{Email: *email, Name: *name}
	if grant == nil {
		// Without a role only a known user gets a token: a new user with
		// no grant could do nothing, and a typo would create one.
		known, err := s.ListUsers(ctx, store.UserFilter{Email: *email, Limit: 1})
		if err != nil {
			return err
		} else if len(known) == 0 {
			return fmt.Errorf("no user has the email %s: give --role admin|council to create one, or create the user first (parindex user create)", workflow.NormalizeEmail(*email))
		}
	}
	if err := s.EnsureUser(ctx, u, grant); err != nil {
		return err
	}
	// Issued at the server: the token has no issuer, as the demo's.
	t, err := s.CreateToken(ctx, nil, u.ID, exp, store.Meta{})
	if err != nil {
		return err
	}
	fmt.Fprintln(m.Stdout, t.Token)
	return nil
}

// openCurrent opens the database for a one-off command, refusing a schema
// that migrations have not brought up to date.
func (m *Main) openCurrent(ctx context.Context, db string) (*store.Store, error) {
	s, err := store.Open(ctx, db, m.Clock)
	if err != nil {
		return nil, err
	}
	if current, err := s.SchemaCurrent(ctx); err != nil || !current {
		s.Close()
		return nil, fmt.Errorf("the database schema is not current: run parindex migrate up")
	}
	return s, nil
}
