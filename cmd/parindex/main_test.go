package main

import (
	"context"
	"errors"
	"flag"
	"maps"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"parindex/internal/testkit"
	"parindex/store"
	"parindex/store/storetest"
)

// The tests run the real Main in-process: serve listens on 127.0.0.1:0, the
// other commands run against the same database through a second Main, and
// answers are read over real HTTP and from standard output. Fixtures come
// from storetest where a test is not about creating them.

// hcm is the province's zone; every time the API writes carries its offset.
var hcm = testkit.Zone("Asia/Ho_Chi_Minh")

// tokenLine is one token as `parindex token issue` prints it.
var tokenLine = regexp.MustCompile(`^pxt_[A-Za-z0-9_-]{43}$`)

// newMain returns a Main writing to buffers, reading only env (never the
// machine's environment) and telling time by clock when it is not nil.
func newMain(clock *storetest.Clock, env map[string]string) (m *Main, stdout, stderr *testkit.SyncBuffer) {
	m = NewMain()
	stdout, stderr = &testkit.SyncBuffer{}, &testkit.SyncBuffer{}
	m.Stdout, m.Stderr = stdout, stderr
	m.Getenv = func(name string) string { return env[name] }
	if clock != nil {
		m.Clock = clock.Now
	}
	return m, stdout, stderr
}

// serve starts `parindex serve ARGS...` and closes it when the test ends,
// failing the test if Close reports an error.
func serve(t *testing.T, clock *storetest.Clock, env map[string]string, args ...string) (m *Main, stdout *testkit.SyncBuffer) {
	t.Helper()
	m, stdout, stderr := newMain(clock, withDataDir(t, env, args))
	if err := m.Run(context.Background(), append([]string{"serve"}, args...)); err != nil {
		m.Close()
		t.Fatalf("serve %v: %v\nstderr:\n%s", args, err, stderr)
	}
	t.Cleanup(func() {
		if err := m.Close(); err != nil {
			t.Errorf("close: %v", err)
		}
		if t.Failed() {
			t.Logf("server log:\n%s", stderr)
		}
	})
	return m, stdout
}

// run runs one command to completion through its own Main and returns what it
// printed on standard output.
func run(t *testing.T, clock *storetest.Clock, env map[string]string, args ...string) (string, error) {
	t.Helper()
	m, stdout, _ := newMain(clock, withDataDir(t, env, args))
	err := m.Run(context.Background(), args)
	if m.Serving() || m.Store() != nil {
		t.Errorf("%v left a server or a store open", args)
		m.Close()
	}
	return stdout.String(), err
}

// mustRun is run that fails the test on error.
func mustRun(t *testing.T, clock *storetest.Clock, env map[string]string, args ...string) string {
	t.Helper()
	out, err := run(t, clock, env, args...)
	if err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	return out
}

// issueToken runs `parindex token issue` and checks that it printed exactly
// one token line.
func issueToken(t *testing.T, clock *storetest.Clock, db, email string, extra ...string) string {
	t.Helper()
	out := mustRun(t, clock, nil, append([]string{"token", "issue", "--email", email, "--db", db}, extra...)...)
	lines := strings.Split(out, "\n")
	if len(lines) != 2 || lines[1] != "" || !tokenLine.MatchString(lines[0]) {
		t.Fatalf("token issue printed %q; want exactly one token line", out)
	}
	return lines[0]
}

func TestCommandErrors(t *testing.T) {
	t.Parallel()
	db := storetest.URL(t, "sqlite") // never migrated: commands that need a schema refuse it
	migrated := storetest.URL(t, "sqlite")
	mustRun(t, nil, nil, "migrate", "up", "--db", migrated)
	cases := []struct {
		name string
		args []string
		want string // in the error; empty means flag.ErrHelp
	}{
		{"no command", nil, ""},
		{"unknown command", []string{"frobnicate"}, `unknown command "frobnicate"`},
		{"token without subcommand", []string{"token"}, "token: name a subcommand"},
		{"token other subcommand", []string{"token", "frobnicate"}, `token: unknown subcommand "frobnicate"`},
		{"token issue without email", []string{"token", "issue", "--db", db}, "--email is required"},
		{"token issue as updater", []string{"token", "issue", "--email", "a@b.example.vn", "--role", "updater", "--db", db}, "--role must be admin or council"},
		{"token issue as approver", []string{"token", "issue", "--email", "a@b.example.vn", "--role", "approver", "--db", db}, "--role must be admin or council"},
		{"token issue with a bad email", []string{"token", "issue", "--email", "not an email", "--db", db}, `--email "not an email" is not an email address`},
		{"token issue on an unmigrated database", []string{"token", "issue", "--email", "a@b.example.vn", "--db", db}, "run parindex migrate up"},
		{"token issue for an unknown email without a role", []string{"token", "issue", "--email", "moi@b.example.vn", "--db", migrated}, "no user has the email moi@b.example.vn"},
		{"token issue unknown flag", []string{"token", "issue", "--emial", "a@b.example.vn"}, "flag provided but not defined"},
		{"migrate without subcommand", []string{"migrate"}, "usage: parindex migrate up|down|status"},
		{"migrate sideways", []string{"migrate", "sideways", "--db", db}, "usage: parindex migrate up|down|status"},
		{"migrate with a bad URL", []string{"migrate", "up", "--db", "mysql://x"}, "dùng sqlite:ĐƯỜNG_DẪN hoặc postgres://"},
		{"serve with a bad URL", []string{"serve", "--addr", "127.0.0.1:0", "--db", "mysql://x"}, "dùng sqlite:ĐƯỜNG_DẪN hoặc postgres://"},
		{"serve with a bad zone", []string{"serve", "--addr", "127.0.0.1:0", "--db", db, "--zone", "Mars/Olympus"}, `--zone "Mars/Olympus"`},
		{"serve with a bad address", []string{"serve", "--addr", "127.0.0.1:notaport", "--db", db, "--migrate=false"}, "notaport"},
		{"serve unknown flag", []string{"serve", "--dmeo"}, "flag provided but not defined"},
		{"serve with a bad trusted proxy", []string{"serve", "--addr", "127.0.0.1:0", "--db", db, "--migrate=false", "--trusted-proxies", "10.0.0.0/8,not-a-cidr"}, `trusted proxy "not-a-cidr"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := run(t, nil, nil, tc.args...)
			switch {
			case err == nil:
				t.Fatalf("%v succeeded", tc.args)
			case tc.want == "" && !errors.Is(err, flag.ErrHelp):
				t.Fatalf("%v: %v, want flag.ErrHelp", tc.args, err)
			case !strings.Contains(err.Error(), tc.want):
				t.Fatalf("%v: %q, want it to mention %q", tc.args, err, tc.want)
			}
		})
	}

	// help is not a failure (exit status 0) and prints the usage, every
	// command of the table, on standard output.
	out, err := run(t, nil, nil, "help")
	if exitCode(err) != 0 {
		t.Fatalf("help: %v (exit status %d)", err, exitCode(err))
	}
	for _, c := range commands {
		if !strings.Contains(out, "  "+c.name+" ") {
			t.Errorf("help does not list %q:\n%s", c.name, out)
		}
	}
}

func TestFlagsFromEnvironment(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		db := storetest.URL(t, dialect)
		env := map[string]string{"PARINDEX_DB": db, "PARINDEX_ADDR": "127.0.0.1:0"}

		// serve with no flags at all takes its database and address from the environment.
		m, _ := serve(t, nil, env)
		if host, _, _ := net.SplitHostPort(m.listener.Addr().String()); host != "127.0.0.1" {
			t.Fatalf("listening on %s, want PARINDEX_ADDR's 127.0.0.1", m.listener.Addr())
		}
		if got := m.Store().Dialect(); got != dialect {
			t.Fatalf("store dialect %s, want %s from PARINDEX_DB", got, dialect)
		}
		if got := testkit.NewClient(m.URL(), "").Do(t, "GET", "/readyz", nil).Status; got != http.StatusOK {
			t.Fatalf("/readyz %d: serve did not migrate PARINDEX_DB", got)
		}

		// token issue and migrate read PARINDEX_DB too; the token works on the server.
		out := mustRun(t, nil, env, "token", "issue", "--email", "admin@env.example.vn", "--role", "admin")
		tok := strings.TrimSpace(out)
		var me struct {
			Email string `json:"email"`
		}
		testkit.NewClient(m.URL(), tok).Do(t, "GET", "/api/v1/me", nil).Want(t, http.StatusOK, &me)
		if me.Email != "admin@env.example.vn" {
			t.Fatalf("/me is %q", me.Email)
		}
		if out := mustRun(t, nil, env, "migrate", "status"); !regexp.MustCompile(`(?m)^00001 .* applied `).MatchString(out) {
			t.Fatalf("migrate status on PARINDEX_DB:\n%s", out)
		}

		// A flag wins over its variable.
		bad := map[string]string{"PARINDEX_DB": "mysql://nowhere", "PARINDEX_ADDR": "256.0.0.1:nope", "PARINDEX_MIGRATE": "false"}
		m2, _ := serve(t, nil, bad, "--addr", "127.0.0.1:0", "--db", db, "--migrate=true")
		if got := testkit.NewClient(m2.URL(), "").Do(t, "GET", "/readyz", nil).Status; got != http.StatusOK {
			t.Fatalf("/readyz %d with flags over bad variables", got)
		}

		// Boolean variables are read as well: PARINDEX_MIGRATE=false leaves a
		// fresh database unmigrated.
		fresh := storetest.URL(t, dialect)
		m3, _ := serve(t, nil, map[string]string{"PARINDEX_DB": fresh, "PARINDEX_ADDR": "127.0.0.1:0", "PARINDEX_MIGRATE": "false"})
		if got := testkit.NewClient(m3.URL(), "").Do(t, "GET", "/readyz", nil).Status; got != http.StatusServiceUnavailable {
			t.Fatalf("/readyz %d with PARINDEX_MIGRATE=false on an empty database, want 503", got)
		}

		// And so are durations and integers: the demo's deadline and the body limit.
		clock := storetest.NewClock(time.Date(2026, 11, 20, 9, 30, 10, 0, hcm))
		m4, demoOut := serve(t, clock, map[string]string{"PARINDEX_DB": storetest.URL(t, dialect), "PARINDEX_ADDR": "127.0.0.1:0",
			"PARINDEX_DEMO": "true", "PARINDEX_DEMO_CLOSES_IN": "45m", "PARINDEX_MAX_BODY": "200"})
		tokens, _ := demoExports(t, demoOut.String())
		demoAdmin := testkit.NewClient(m4.URL(), tokens["ADMIN"])
		var campaigns []struct {
			ClosesAt string `json:"closes_at"`
		}
		demoAdmin.Do(t, "GET", "/api/v1/campaigns", nil).Want(t, http.StatusOK, &campaigns)
		if len(campaigns) != 1 || campaigns[0].ClosesAt != "2026-11-20T10:15:10+07:00" {
			t.Fatalf("PARINDEX_DEMO_CLOSES_IN=45m at 09:30:10: campaigns %+v", campaigns)
		}
		demoAdmin.Do(t, "POST", "/api/v1/agencies", map[string]string{"code": "SNV", "name": strings.Repeat("Sở Nội vụ ", 30), "kind": "department"}).
			WantProblem(t, http.StatusRequestEntityTooLarge)
		demoAdmin.Do(t, "POST", "/api/v1/agencies", map[string]string{"code": "SNV", "name": "Sở Nội vụ", "kind": "department"}).
			Want(t, http.StatusCreated, nil)
	})
}

// TestFailedServeClosesStore: a serve that fails after opening the database
// leaves nothing open, so a caller that never reaches Close leaks nothing.
func TestFailedServeClosesStore(t *testing.T) {
	t.Parallel()
	db := storetest.URL(t, "sqlite")
	m, _, _ := newMain(nil, withDataDir(t, nil, nil))
	err := m.Run(context.Background(), []string{"serve", "--addr", "127.0.0.1:notaport", "--db", db})
	if err == nil {
		m.Close()
		t.Fatal("serve on a bad address succeeded")
	}
	if m.Store() != nil || m.Serving() {
		m.Close()
		t.Fatal("a failed serve left its store open")
	}
	if err := m.Close(); err != nil {
		t.Fatalf("Close after a failed serve: %v", err)
	}
}

// TestTokenIssue: `token issue` creates the user once, adds a grant it lacks,
// and every token it prints works until revoked.
func TestTokenIssue(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		db := storetest.URL(t, dialect)
		mustRun(t, nil, nil, "migrate", "up", "--db", db) // before serving this time

		first := issueToken(t, nil, db, "Admin@SNV.example.vn", "--name", "Nguyễn Thị Quản Trị", "--role", "admin")
		second := issueToken(t, nil, db, "admin@snv.example.vn", "--role", "council")
		plain := issueToken(t, nil, db, "admin@snv.example.vn") // a known user needs no --role
		// An unknown address without --role is refused: no user without grants.
		if _, err := run(t, nil, nil, "token", "issue", "--email", "khach@snv.example.vn", "--db", db); err == nil || !strings.Contains(err.Error(), "no user has the email") {
			t.Fatalf("token issue for an unknown address without --role: %v", err)
		}
		if first == second {
			t.Fatal("two issues printed the same token")
		}

		m, _ := serve(t, nil, nil, "--addr", "127.0.0.1:0", "--db", db)
		type me struct {
			ID     int64  `json:"id"`
			Email  string `json:"email"`
			Name   string `json:"name"`
			Grants []struct {
				Role string `json:"role"`
			} `json:"grants"`
		}
		var a, b, c me
		testkit.NewClient(m.URL(), first).Do(t, "GET", "/api/v1/me", nil).Want(t, http.StatusOK, &a)
		testkit.NewClient(m.URL(), second).Do(t, "GET", "/api/v1/me", nil).Want(t, http.StatusOK, &b)
		testkit.NewClient(m.URL(), plain).Do(t, "GET", "/api/v1/me", nil).Want(t, http.StatusOK, &c)
		if a.ID != b.ID || a.Email != "admin@snv.example.vn" || a.Name != "Nguyễn Thị Quản Trị" {
			t.Fatalf("the same email made two users or lost its name: %+v %+v", a, b)
		}
		roles := []string{}
		for _, g := range b.Grants {
			roles = append(roles, g.Role)
		}
		if strings.Join(roles, ",") != "admin,council" && strings.Join(roles, ",") != "council,admin" {
			t.Fatalf("grants after admin then council: %v", roles)
		}
		if c.ID != a.ID {
			t.Fatalf("a token issued without --role went to %+v, not the known user %+v", c, a)
		}
		if known, err := m.Store().ListUsers(context.Background(), store.UserFilter{Email: "khach@snv.example.vn"}); err != nil || len(known) != 0 {
			t.Fatalf("the refused issue created %v (%v)", known, err)
		}
	})
}

// withDataDir sends evidence files to a fresh directory unless the test names one.
func withDataDir(t *testing.T, env map[string]string, args []string) map[string]string {
	t.Helper()
	if _, ok := env["PARINDEX_DATA_DIR"]; ok || slices.ContainsFunc(args, func(a string) bool { return strings.HasPrefix(a, "--data-dir") }) {
		return env
	}
	env = maps.Clone(env)
	if env == nil {
		env = map[string]string{}
	}
	env["PARINDEX_DATA_DIR"] = t.TempDir()
	return env
}
