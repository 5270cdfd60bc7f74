package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// benchConfig is what `parindex bench` was asked to do.
type benchConfig struct {
	DB       string        // sqlite:PATH or postgres://; empty is a fresh SQLite file
	URL      string        // a running service on DB; empty starts one
	Agencies int           // agencies provisioned (half departments, half districts)
	Clients  int           // concurrent HTTP clients, and baseline clients
	Surge    time.Duration // the deadline-surge window; 0 skips the surge
	Keep     bool          // keep the SQLite file or the PostgreSQL schema
	Profile  string        // a file for a CPU profile of the started service
	Exe      string        // the parindex binary to start; empty is this one
}

const benchUsage = `Usage: parindex bench [--db URL] [--agencies 1000] [--clients 32] [--surge 20s] [--url URL]

Provisions agencies with the sample criteria sets on a fresh database (a new
SQLite file by default; with --db postgres://... a new schema that is dropped
afterwards), starts "parindex serve" on it as a child process (or drives
--url, a service already running on that database), and drives whole reports
over HTTP: entry saves, complete, return, approve, export + signed summary,
sign, submit. Then, in the same run, a raw-SQL baseline issues the writes of
each transition directly with as many clients, and a deadline surge has every
agency work against a campaign that closes after --surge.
`

// runBench is `parindex bench`. It reads no PARINDEX_* variables: a benchmark
// must never write into the database the environment points at.
func (m *Main) runBench(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	fs.Usage = func() { fmt.Fprint(m.Stderr, benchUsage); fs.PrintDefaults() }
	var cfg benchConfig
	fs.StringVar(&cfg.DB, "db", "", "database: sqlite:PATH (must not exist yet) or postgres://... (a fresh schema is made); empty is a new SQLite file in a temporary directory")
	fs.StringVar(&cfg.URL, "url", "", "drive a service already running on --db at this URL instead of starting one")
	fs.IntVar(&cfg.Agencies, "agencies", 1000, "agencies to provision")
	fs.IntVar(&cfg.Clients, "clients", 32, "concurrent clients")
	fs.DurationVar(&cfg.Surge, "surge", 20*time.Second, "window of the deadline surge (0 skips it)")
	fs.BoolVar(&cfg.Keep, "keep", false, "keep the database afterwards")
	fs.StringVar(&cfg.Profile, "cpuprofile", "", "write a CPU profile of the started service, over its whole run, to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if cfg.Agencies < 2 || cfg.Clients < 1 {
		return fmt.Errorf("bench: --agencies must be at least 2 and --clients at least 1")
	}
	if cfg.URL != "" && cfg.DB == "" {
		return fmt.Errorf("bench: --url needs --db, the database that service runs on (the bench provisions it directly)")
	}
	_, err := runBenchWith(ctx, cfg, m.Stdout)
	return err
}

// runBenchWith runs the whole bench, prints its figures to out and returns them.
func runBenchWith(ctx context.Context, cfg benchConfig, out io.Writer) (*benchResult, error) {
	tmp, err := os.MkdirTemp("", "parindex-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	db, cleanup, err := benchDatabase(ctx, cfg, tmp)
	if err != nil {
		return nil, err
	}
	defer cleanup()

	start := time.Now()
	w, err := provision(ctx, db, cfg.Agencies)
	if err != nil {
		return nil, fmt.Errorf("bench: provision: %w", err)
	}
	fmt.Fprintf(out, "parindex bench: %s, %d agencies, %d clients, GOMAXPROCS %d; provisioned in %s\n",
		w.describe(), cfg.Agencies, cfg.Clients, runtime.GOMAXPROCS(0), time.Since(start).Round(time.Millisecond))

	svc := &benchService{url: strings.TrimRight(cfg.URL, "/")}
	if svc.url == "" {
		if svc, err = startService(ctx, cfg.Exe, db, tmp, cfg.Profile); err != nil {
			return nil, err
		}
		defer svc.stop()
	}
	res, err := runLoad(ctx, cfg, w, svc)
	if err != nil {
		return nil, err
	}
	res.print(out, cfg, w)
	return res, nil
}

// benchDatabase picks the database: a fresh SQLite file, or a fresh schema on
// the given PostgreSQL server. cleanup removes what it made unless --keep.
func benchDatabase(ctx context.Context, cfg benchConfig, tmp string) (string, func(), error) {
	switch {
	case cfg.DB == "":
		dir := tmp
		if cfg.Keep {
			var err error
			if dir, err = os.MkdirTemp("", "parindex-bench-db-"); err != nil {
				return "", nil, err
			}
		}
		path := filepath.Join(dir, "bench.db")
		if cfg.Keep {
			fmt.Fprintln(os.Stderr, "bench: database kept at", path)
		}
		return "sqlite:" + path, func() {}, nil
	case strings.HasPrefix(cfg.DB, "sqlite:"):
		if cfg.URL == "" {
			if _, err := os.Stat(strings.TrimPrefix(cfg.DB, "sqlite:")); err == nil {
				return "", nil, fmt.Errorf("bench: %s exists; the bench provisions a new database", cfg.DB)
			}
		}
		return cfg.DB, func() {}, nil
	case strings.HasPrefix(cfg.DB, "postgres://"), strings.HasPrefix(cfg.DB, "postgresql://"):
		if cfg.URL != "" {
			return cfg.DB, func() {}, nil
		}
		return benchSchema(ctx, cfg.DB, cfg.Keep)
	}
	return "", nil, fmt.Errorf("bench: --db %q: want sqlite:PATH or postgres://...", cfg.DB)
}

// benchService is the service under load: a child process, or a URL.
type benchService struct {
	url    string
	cmd    *exec.Cmd
	logs   string
	exited chan struct{}
}

// startService runs this binary's `serve` on db as a child process, so that
// its memory is its own and measurable, and waits until it is ready.
func startService(ctx context.Context, exe, db, dir, profile string) (*benchService, error) {
	if exe == "" {
		var err error
		if exe, err = os.Executable(); err != nil {
			return nil, err
		}
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	s := &benchService{url: "http://127.0.0.1:" + strconv.Itoa(port),
		logs: filepath.Join(dir, "service.log"), exited: make(chan struct{})}
	logf, err := os.Create(s.logs)
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	args := []string{"serve", "--addr", "127.0.0.1:" + strconv.Itoa(port), "--db", db, "--data-dir", filepath.Join(dir, "data")}
	if profile != "" {
		abs, err := filepath.Abs(profile)
		if err != nil {
			return nil, err
		}
		args = append(args, "--cpuprofile", abs)
	}
	s.cmd = exec.Command(exe, args...)
	s.cmd.Env = benchEnv()
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("bench: start the service: %w", err)
	}
	go func() { _ = s.cmd.Wait(); close(s.exited) }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case <-s.exited:
			return nil, fmt.Errorf("bench: the service exited (%v); its log is %s", s.cmd.ProcessState, s.logs)
		case <-ctx.Done():
			s.stop()
			return nil, ctx.Err()
		default:
		}
		if resp, err := http.Get(s.url + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return s, nil
			}
		}
		if time.Now().After(deadline) {
			s.stop()
			return nil, fmt.Errorf("bench: the service was not ready within a minute; its log is %s", s.logs)
		}
		time.Sleep(20 * time.Millisecond) // polling readiness, not timing anything
	}
}

// benchEnv is the environment without PARINDEX_* settings, so the child runs
// on exactly the flags given.
func benchEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PARINDEX_") {
			env = append(env, kv)
		}
	}
	return env
}

// peakRSS is the child's peak resident set in bytes (Linux), or 0.
func (s *benchService) peakRSS() int64 {
	if s.cmd == nil || s.cmd.Process == nil {
		return 0
	}
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.cmd.Process.Pid))
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// stop asks the child to shut down and kills it after ten seconds.
func (s *benchService) stop() {
	if s.cmd == nil || s.cmd.Process == nil {
		return
	}
	_ = s.cmd.Process.Signal(os.Interrupt)
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
