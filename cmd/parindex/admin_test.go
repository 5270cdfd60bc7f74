package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"parindex/internal/testkit"
	"parindex/store/storetest"
	"parindex/workflow"
)

// cli runs one command in-process as a person at the server would and
// returns what it printed and its exit status.
func cli(t *testing.T, clock *storetest.Clock, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	m, out, errOut := newMain(clock, withDataDir(t, nil, args))
	err := m.Run(context.Background(), args)
	if m.Serving() || m.Store() != nil {
		t.Errorf("%v left a server or a store open", args)
		m.Close()
	}
	if err != nil && !errors.Is(err, errHelp) {
		errOut.Write([]byte(err.Error() + "\n"))
	}
	return out.String(), errOut.String(), exitCode(err)
}

// mustCLI is cli that fails the test unless the command succeeded.
func mustCLI(t *testing.T, clock *storetest.Clock, args ...string) string {
	t.Helper()
	out, errOut, code := cli(t, clock, args...)
	if code != 0 {
		t.Fatalf("%v: exit status %d\n%s", args, code, errOut)
	}
	return out
}

// The administration at the command line, on a database named by a bare
// path: agencies and a new kind, users and their roles, tokens, a criteria
// set and a campaign, each as the API would do it.
func TestAdministrationCommands(t *testing.T) {
	t.Parallel()
	clock := storetest.NewClock(time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC))
	db := filepath.Join(t.TempDir(), "parindex.db") // no sqlite: prefix
	mustCLI(t, clock, "migrate", "up", "--db", db)
	if _, err := os.Stat(db); err != nil {
		t.Fatalf("--db %s did not make an SQLite file there: %v", db, err)
	}

	out := mustCLI(t, clock, "user", "create", "--email", "quantri@snv.example.vn", "--name", "Nguyễn Văn Quản", "--role", "admin", "--db", db)
	if !strings.Contains(out, "created user") {
		t.Fatalf("user create: %q", out)
	}
	mustCLI(t, clock, "agency", "add-kind", "--code", "commune", "--name", "UBND cấp xã", "--db", db)
	out = mustCLI(t, clock, "agency", "kinds", "--db", db)
	if !regexp.MustCompile(`commune\s+UBND cấp xã\s+3`).MatchString(out) {
		t.Fatalf("agency kinds:\n%s", out)
	}
	mustCLI(t, clock, "agency", "create", "--code", "XA1", "--name", "UBND xã A", "--kind", "commune", "--db", db)
	mustCLI(t, clock, "agency", "edit", "XA1", "--name", "UBND xã Hương An", "--db", db)
	out = mustCLI(t, clock, "agency", "list", "--kind", "commune", "--db", db)
	if !strings.Contains(out, "XA1") || !strings.Contains(out, "UBND xã Hương An") {
		t.Fatalf("agency list --kind commune:\n%s", out)
	}
	if _, errOut, code := cli(t, clock, "agency", "create", "--code", "X2", "--name", "X", "--kind", "ward", "--db", db); code != 1 || !strings.Contains(errOut, "ward") {
		t.Fatalf("an agency of an unknown kind: status %d, %q", code, errOut)
	}

	mustCLI(t, clock, "user", "create", "--email", "an.nv@xa1.example.vn", "--name", "Nguyễn Văn An", "--role", "updater", "--agency", "XA1", "--db", db)
	mustCLI(t, clock, "user", "grant", "an.nv@xa1.example.vn", "--role", "approver", "--agency", "XA1", "--db", db)
	out = mustCLI(t, clock, "user", "list", "--agency", "XA1", "--db", db)
	if !strings.Contains(out, "an.nv@xa1.example.vn") || !strings.Contains(out, "updater@XA1,approver@XA1") {
		t.Fatalf("user list --agency XA1:\n%s", out)
	}
	mustCLI(t, clock, "user", "revoke", "an.nv@xa1.example.vn", "--role", "approver", "--agency", "XA1", "--db", db)
	mustCLI(t, clock, "user", "edit", "an.nv@xa1.example.vn", "--title", "Công chức Văn phòng", "--db", db)

	// A known user's token needs no --role; disabling revokes it at once.
	tok := strings.TrimSpace(mustCLI(t, clock, "token", "issue", "--email", "an.nv@xa1.example.vn", "--db", db))
	out = mustCLI(t, clock, "token", "list", "an.nv@xa1.example.vn", "--db", db)
	if lines := strings.Split(strings.TrimSpace(out), "\n"); len(lines) != 2 || !strings.Contains(lines[1], "server") {
		t.Fatalf("token list:\n%s", out)
	}
	s := storetest.OpenURL(t, "sqlite:"+db, clock)
	if _, err := s.Authenticate(context.Background(), tok); err != nil {
		t.Fatal(err)
	}
	mustCLI(t, clock, "user", "disable", "an.nv@xa1.example.vn", "--db", db)
	if _, err := s.Authenticate(context.Background(), tok); workflow.ErrorCode(err) != workflow.EUNAUTHORIZED {
		t.Fatalf("a disabled user's token: %v", err)
	}
	if _, errOut, code := cli(t, clock, "user", "disable", "an.nv@xa1.example.vn", "--db", db); code != 1 || errOut == "" {
		t.Fatalf("disabling twice: status %d, %q", code, errOut)
	}
	mustCLI(t, clock, "user", "enable", "an.nv@xa1.example.vn", "--db", db)
	tok = strings.TrimSpace(mustCLI(t, clock, "token", "issue", "--email", "an.nv@xa1.example.vn", "--db", db))
	u, err := s.Authenticate(context.Background(), tok)
	if err != nil {
		t.Fatal(err)
	}
	// The newest token is the list's first row.
	out = mustCLI(t, clock, "token", "list", strconv.FormatInt(u.ID, 10), "--db", db)
	newest := strings.Fields(strings.Split(out, "\n")[1])[0]
	mustCLI(t, clock, "token", "revoke", newest, "--db", db)
	if _, err := s.Authenticate(context.Background(), tok); workflow.ErrorCode(err) != workflow.EUNAUTHORIZED {
		t.Fatalf("token %s after token revoke: %v", newest, err)
	}

	// A criteria set for the communes, and a campaign of it.
	yaml := strings.Replace(string(testkit.Sample(t, "criteria-department.yaml")), "agency_kind: department", "agency_kind: commune", 1)
	yaml = strings.Replace(yaml, "code: SO-2021", "code: XA-2026", 1)
	file := filepath.Join(t.TempDir(), "xa.yaml")
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	mustCLI(t, clock, "criteria", "import", file, "--db", db)
	out = mustCLI(t, clock, "campaign", "create", "--name", "Chỉ số CCHC cấp xã 2026", "--year", "2026",
		"--opens", "2026-11-25T08:00", "--closes", "2026-12-15T17:00", "--set", "commune=XA-2026", "--db", db)
	if !strings.Contains(out, "created campaign 1") {
		t.Fatalf("campaign create: %q", out)
	}
	if _, errOut, code := cli(t, clock, "campaign", "create", "--name", "Chỉ số CCHC cấp xã 2026", "--year", "2026",
		"--opens", "2026-11-25T08:00", "--closes", "2026-12-15T17:00", "--set", "commune=XA-2026", "--db", db); code != 1 || errOut == "" {
		t.Fatalf("the same campaign twice: status %d, %q", code, errOut)
	}
	out = mustCLI(t, clock, "campaign", "list", "--db", db)
	if !strings.Contains(out, "25/11/2026 08:00") || !strings.Contains(out, "15/12/2026 17:00") {
		t.Fatalf("campaign list shows the window in the province's time:\n%s", out)
	}
	mustCLI(t, clock, "campaign", "cancel", "1", "--db", db)
	if n := storetest.Count(t, s, `SELECT COUNT(*) FROM campaigns`); n != 0 {
		t.Fatalf("%d campaigns after the cancel", n)
	}
}

// Every command and subcommand answers --help with its usage on standard
// output and exit status 0; a wrong flag is status 2 with the usage on
// standard error.
func TestEveryCommandHelps(t *testing.T) {
	t.Parallel()
	var paths [][]string
	for _, c := range commands {
		paths = append(paths, []string{c.name})
		out, _, code := cli(t, nil, c.name, "--help")
		if code != 0 || out == "" {
			t.Errorf("%s --help: status %d, stdout %q", c.name, code, out)
		}
		// The subcommands are the usage's lines "  parindex NAME SUB …".
		for _, m := range regexp.MustCompile(`(?m)^  parindex `+c.name+` ([a-z-]+)`).FindAllStringSubmatch(out, -1) {
			paths = append(paths, []string{c.name, m[1]})
		}
	}
	if len(paths) < len(commands)+15 {
		t.Fatalf("found only %d commands and subcommands: %v", len(paths), paths)
	}
	for _, p := range paths {
		out, errOut, code := cli(t, nil, append(p, "--help")...)
		if code != 0 || !strings.Contains(strings.ToLower(out), "usage") || errOut != "" {
			t.Errorf("%v --help: status %d, stdout %q, stderr %q", p, code, out, errOut)
		}
		if len(p) == 2 || p[0] == "serve" || p[0] == "version" {
			out, errOut, code = cli(t, nil, append(p, "--no-such-flag")...)
			if code != 2 || !strings.Contains(errOut, "Usage") || out != "" {
				t.Errorf("%v --no-such-flag: status %d, stdout %q, stderr %q", p, code, out, errOut)
			}
		}
	}
	if _, _, code := cli(t, nil, "frobnicate"); code != 2 {
		t.Errorf("an unknown command: status %d, want 2", code)
	}
}

// The built binary exits 0 on --help, 2 on a wrong flag and 1 on a failure,
// and prints the version set with -ldflags.
func TestBinaryExitStatus(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	t.Parallel()
	bin := filepath.Join(t.TempDir(), "parindex")
	build := exec.Command("go", "build", "-ldflags", "-X main.version=v9.9.9-test -X main.date=2026-12-03", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	db := filepath.Join(t.TempDir(), "p.db")
	for _, tc := range []struct {
		args []string
		code int
		out  string
	}{
		{[]string{"version"}, 0, "parindex v9.9.9-test"},
		{[]string{"user", "--help"}, 0, "parindex user list"},
		{[]string{"user", "list", "--help"}, 0, "Usage: parindex user list"},
		{[]string{"user", "list", "--bogus"}, 2, ""},
		{[]string{"frobnicate"}, 2, ""},
		{[]string{"migrate", "up", "--db", db}, 0, "applied"},
		{[]string{"campaign", "cancel", "42", "--db", db}, 1, ""},
		{[]string{"token", "issue", "--email", "moi@example.vn", "--db", db}, 1, ""},
	} {
		cmd := exec.Command(bin, tc.args...)
		cmd.Env = append(os.Environ(), "PARINDEX_DB=")
		out, _ := cmd.Output()
		if got := cmd.ProcessState.ExitCode(); got != tc.code || !strings.Contains(string(out), tc.out) {
			t.Errorf("parindex %v: status %d, stdout %q; want %d and %q", tc.args, got, out, tc.code, tc.out)
		}
	}
	out, _ := exec.Command(bin, "version").Output()
	if !strings.Contains(string(out), "go:      go1.") || !strings.Contains(string(out), "built:   2026-12-03") {
		t.Errorf("version:\n%s", out)
	}
}
