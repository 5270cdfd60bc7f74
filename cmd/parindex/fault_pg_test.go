package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// faultCluster is a private PostgreSQL server that a test may stop and start:
// the machine's shared one serves other test packages at the same time.
type faultCluster struct {
	t    *testing.T
	bin  string // where initdb and pg_ctl are
	dir  string // the cluster's data, socket and log, owned by its user
	port int
	cred *syscall.Credential // the user postgres, when we run as root
}

// startFaultCluster creates and starts a cluster on a free port, and removes it
// when the test ends.
func startFaultCluster(t *testing.T) *faultCluster {
	t.Helper()
	initdbs, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	faultNeed(t, len(initdbs) > 0, "there is no /usr/lib/postgresql/*/bin/initdb (install PostgreSQL's server)")
	slices.SortFunc(initdbs, func(a, b string) int { return faultPGMajor(a) - faultPGMajor(b) })
	c := &faultCluster{t: t, bin: filepath.Dir(initdbs[len(initdbs)-1])}
	dir, err := os.MkdirTemp("", "parindex-fault-pg-")
	if err != nil {
		t.Fatal(err)
	}
	c.dir = dir
	t.Cleanup(func() { os.RemoveAll(dir) })
	if os.Geteuid() == 0 {
		// PostgreSQL refuses to run as root.
		u, err := user.Lookup("postgres")
		faultNeed(t, err == nil, "running as root, and there is no user postgres to run PostgreSQL as: %v", err)
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(dir, uid, gid); err != nil {
			t.Fatal(err)
		}
		c.cred = &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}
	}
	start := time.Now()
	if err := c.run("initdb", "-D", c.data(), "-A", "trust", "-U", "postgres", "-E", "UTF8", "--locale", "C", "--no-sync"); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	c.port = l.Addr().(*net.TCPAddr).Port
	l.Close()
	c.start()
	t.Cleanup(func() { c.run("pg_ctl", "-D", c.data(), "-m", "immediate", "-w", "stop") })
	t.Logf("PostgreSQL %s on port %d, ready in %v", filepath.Base(filepath.Dir(c.bin)), c.port, time.Since(start).Round(time.Millisecond))
	return c
}

// faultPGMajor reads the major version from /usr/lib/postgresql/MAJOR/bin/initdb.
func faultPGMajor(initdb string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(initdb))))
	return n
}

func (c *faultCluster) data() string { return filepath.Join(c.dir, "data") }

// url is the cluster's postgres database for the service.
func (c *faultCluster) url() string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/postgres?sslmode=disable", c.port)
}

// start starts the server and waits until it accepts connections.
func (c *faultCluster) start() {
	c.t.Helper()
	opts := fmt.Sprintf("-p %d -k %s -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off", c.port, c.dir)
	if err := c.run("pg_ctl", "-D", c.data(), "-l", filepath.Join(c.dir, "server.log"), "-o", opts, "-w", "-t", "30", "start"); err != nil {
		log, _ := os.ReadFile(filepath.Join(c.dir, "server.log"))
		c.t.Fatalf("%v\nserver log:\n%s", err, log)
	}
}

// stop shuts the server down in mode fast (sessions are ended, then a
// checkpoint) or immediate (as a crash: the next start recovers from the
// WAL) and waits until it is gone.
func (c *faultCluster) stop(mode string) {
	c.t.Helper()
	if err := c.run("pg_ctl", "-D", c.data(), "-m", mode, "-w", "-t", "30", "stop"); err != nil {
		c.t.Fatal(err)
	}
}

// run runs one of PostgreSQL's programs as the cluster's user.
func (c *faultCluster) run(name string, args ...string) error {
	cmd := exec.Command(filepath.Join(c.bin, name), args...)
	cmd.Dir = c.dir
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PG") && !strings.HasPrefix(kv, "LC_") && !strings.HasPrefix(kv, "LANG") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	if c.cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred}
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return nil
}
