package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// servicePackage is the service's import path, which `go list` resolves only
// inside the parindex module.
const servicePackage = "parindex/cmd/parindex"

// findParindex is the parindex binary the bench starts and how it was found:
// the one given; else, inside the parindex module, one built from it into
// dir, so that the service measured is the code beside the bench and never a
// stale install; else parindex beside this executable; else on PATH.
func findParindex(ctx context.Context, given, dir string) (path, how string, err error) {
	if given != "" {
		if path, err = exec.LookPath(given); err != nil {
			return "", "", fmt.Errorf("--parindex: %w", err)
		}
		return path, "--parindex", nil
	}
	if src := serviceSource(ctx); src != "" {
		start := time.Now()
		if path, err = buildParindex(ctx, src, dir); err != nil {
			return "", "", err
		}
		return path, fmt.Sprintf("built from %s in %s", src, time.Since(start).Round(time.Millisecond)), nil
	}
	if self, err := os.Executable(); err == nil {
		beside := filepath.Join(filepath.Dir(self), "parindex")
		if info, err := os.Stat(beside); err == nil && info.Mode().IsRegular() && info.Mode()&0o111 != 0 {
			return beside, "beside parindex-bench", nil
		}
	}
	if path, err = exec.LookPath("parindex"); err == nil {
		return path, "on PATH", nil
	}
	return "", "", errors.New("no parindex binary: run the bench inside the parindex repository, put parindex beside parindex-bench or on PATH, or give --parindex PATH")
}

// serviceSource is the directory of cmd/parindex when the bench runs inside
// the parindex module and a Go toolchain is at hand, else "".
func serviceSource(ctx context.Context) string {
	out, err := exec.CommandContext(ctx, "go", "list", "-f", "{{.Dir}}", servicePackage).Output()
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(out))
}

// buildParindex builds the service at src into dir/parindex with go build and
// any extra flags (the test passes -race).
func buildParindex(ctx context.Context, src, dir string, extra ...string) (string, error) {
	bin := filepath.Join(dir, "parindex")
	args := append(append([]string{"build", "-o", bin}, extra...), ".")
	cmd := exec.CommandContext(ctx, "go", args...)
	cmd.Dir = src
	if out, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go %s in %s: %w\n%s", strings.Join(args, " "), src, err, out)
	}
	return bin, nil
}

// benchService is the service under load: a child process, or a URL.
type benchService struct {
	url    string
	cmd    *exec.Cmd
	logs   string
	exited chan struct{}
}

// serviceOptions are what a phase adds to the child's command line: a port
// chosen beforehand (0 picks one), extra flags and environment variables.
type serviceOptions struct {
	port int
	args []string
	env  []string
}

// startService runs `exe serve` on db as a child process, so that its memory
// and CPU are its own and measurable, and waits until it is ready.
func startService(ctx context.Context, exe, db, dir, profile string, opt serviceOptions) (*benchService, error) {
	port := opt.port
	if port == 0 {
		var err error
		if port, err = freePort(); err != nil {
			return nil, err
		}
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
	s.cmd = exec.Command(exe, append(args, opt.args...)...)
	s.cmd.Env = append(benchEnv(), opt.env...)
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	if err := s.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start the service: %w", err)
	}
	go func() { _ = s.cmd.Wait(); close(s.exited) }()
	deadline := time.Now().Add(60 * time.Second)
	for {
		select {
		case <-s.exited:
			return nil, fmt.Errorf("the service exited (%v); its log is %s", s.cmd.ProcessState, s.logs)
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
			return nil, fmt.Errorf("the service was not ready within a minute; its log is %s", s.logs)
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
