package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestSystemdUnit runs systemd-analyze verify on deploy/parindex.service,
// with ExecStart pointing at a file that exists (verify checks it). In CI
// (CI set) a missing systemd-analyze fails the test: .ci/run installs it.
func TestSystemdUnit(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("systemd-analyze is not installed (apt-get install systemd); CI must verify the unit")
		}
		t.Skip("systemd-analyze is not installed")
	}
	unit, err := os.ReadFile("../../deploy/parindex.service")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(unit), "\nExecStart=/usr/local/bin/parindex serve\n") {
		t.Fatal("the unit does not start /usr/local/bin/parindex serve")
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "parindex.service")
	text := strings.Replace(string(unit), "ExecStart=/usr/local/bin/parindex", "ExecStart="+self, 1)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(analyze, "verify", path).CombinedOutput()
	// verify exits 0 on an unknown key or a bad value, but says so.
	if err != nil || strings.Contains(string(out), "parindex.service") {
		t.Fatalf("systemd-analyze verify: %v\n%s", err, out)
	}
	for _, want := range []string{"DynamicUser=yes", "EnvironmentFile=/etc/parindex/parindex.env", "StateDirectory=parindex",
		"NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes", "PrivateTmp=yes", "CapabilityBoundingSet=\n", "RestrictAddressFamilies="} {
		if !strings.Contains(text, want) {
			t.Errorf("the unit lacks %s", strings.TrimSpace(want))
		}
	}
	checkVariables(t, "deploy/parindex.service", text)
}

// TestEnvFile: the sample environment file names every variable serve
// reads, and nothing else under PARINDEX_.
func TestEnvFile(t *testing.T) {
	env, err := os.ReadFile("../../deploy/parindex.env")
	if err != nil {
		t.Fatal(err)
	}
	names := checkVariables(t, "deploy/parindex.env", string(env))
	for _, flag := range serveVariables(t) {
		if !slices.Contains(names, flag) {
			t.Errorf("deploy/parindex.env does not mention %s", flag)
		}
	}
	// Every setting line, commented or not, is NAME=VALUE as systemd reads it.
	setting := regexp.MustCompile(`^#?([A-Z][A-Z0-9_]*)=("[^"]*"|[^ "]*)$`)
	for _, line := range strings.Split(string(env), "\n") {
		if strings.Contains(line, "=") && strings.HasPrefix(strings.TrimPrefix(line, "#"), "PARINDEX_") && !setting.MatchString(line) {
			t.Errorf("not a NAME=VALUE line: %q", line)
		}
	}
}

var variableName = regexp.MustCompile(`PARINDEX_[A-Z0-9_]+`)

// checkVariables fails the test for every PARINDEX_ name in text that serve
// does not read, and returns the names.
func checkVariables(t *testing.T, file, text string) []string {
	t.Helper()
	known := serveVariables(t)
	names := variableName.FindAllString(text, -1)
	for _, name := range names {
		if !slices.Contains(known, name) {
			t.Errorf("%s names %s, which serve does not read", file, name)
		}
	}
	return names
}

// serveVariables are the PARINDEX_* names `parindex serve --help` lists.
func serveVariables(t *testing.T) []string {
	t.Helper()
	m, stdout, stderr := newMain(nil, nil)
	m.Run(context.Background(), []string{"serve", "--help"})
	names := variableName.FindAllString(stdout.String()+stderr.String(), -1)
	if len(names) < 20 {
		t.Fatalf("serve --help lists %d variables:\n%s%s", len(names), stdout, stderr)
	}
	return names
}
