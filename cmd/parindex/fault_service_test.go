package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"parindex/internal/testkit"
	"parindex/store"
	"parindex/workflow"
)

// The fault suite's service is the real binary in a child process, so that a
// kill -9 is a kill -9 and nothing of the test's process helps it survive.

// buildFaultService builds ./cmd/parindex once for the suite, with -race when
// the tests have it: every package is then in the build cache already, and
// the service's own races under faults are found too.
func buildFaultService(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "parindex")
	args := []string{"build", "-o", bin}
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "-race" && s.Value == "true" {
				args = append(args, "-race")
			}
		}
	}
	start := time.Now()
	out, err := exec.Command("go", append(args, ".")...).CombinedOutput()
	if err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	t.Logf("%s in %v", strings.Join(append([]string{"go build"}, args[3:]...), " "), time.Since(start).Round(time.Millisecond))
	return bin
}

// faultService is one `parindex serve` child process.
type faultService struct {
	t      *testing.T
	cmd    *exec.Cmd
	url    string
	log    *faultLog
	exited chan struct{} // closed once the process is reaped
	err    error         // what Wait returned, once exited is closed
}

// startFaultService runs `parindex serve --addr 127.0.0.1:0 ARGS...` with no
// PARINDEX_* variable of ours, and returns once it logs its address. The
// process is killed when the test ends, if it is still running.
func startFaultService(t *testing.T, bin string, args ...string) *faultService {
	t.Helper()
	s := &faultService{t: t, log: &faultLog{addr: make(chan string, 1)}, exited: make(chan struct{})}
	s.cmd = exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PARINDEX_") {
			s.cmd.Env = append(s.cmd.Env, kv)
		}
	}
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	go func() {
		s.err = s.cmd.Wait()
		close(s.exited)
	}()
	t.Cleanup(func() {
		s.kill()
		if race := s.log.race(); race != "" {
			t.Errorf("the service has a data race:\n%s", race)
		}
		if t.Failed() {
			t.Logf("service log (last lines):\n%s", s.log.tail(40))
		}
	})
	select {
	case addr := <-s.log.addr:
		s.url = "http://" + addr
	case <-s.exited:
		t.Fatalf("parindex serve %v exited: %v\n%s", args, s.err, s.log.tail(40))
	case <-time.After(30 * time.Second):
		t.Fatalf("parindex serve %v did not start in 30 s\n%s", args, s.log.tail(40))
	}
	if got := testkit.NewClient(s.url, "").Do(t, "GET", "/readyz", nil).Status; got != http.StatusOK {
		t.Fatalf("a fresh service: /readyz %d", got)
	}
	return s
}

// kill sends SIGKILL, if the process still runs, and reaps it.
func (s *faultService) kill() {
	select {
	case <-s.exited:
		return
	default:
	}
	s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.exited
}

// stop sends SIGTERM and fails the test unless the service exits cleanly.
func (s *faultService) stop() {
	s.t.Helper()
	s.cmd.Process.Signal(syscall.SIGTERM)
	testkit.Await(s.t, s.exited, 30*time.Second, "the service to exit on SIGTERM")
	if s.err != nil {
		s.t.Errorf("the service exited with %v on SIGTERM", s.err)
	}
}

// faultLog keeps what the service writes and hands over the address of its
// "serving" line.
type faultLog struct {
	mu      sync.Mutex
	b       bytes.Buffer
	scanned int
	addr    chan string
	found   bool
}

func (l *faultLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b.Write(p)
	for !l.found {
		rest := l.b.Bytes()[l.scanned:]
		i := bytes.IndexByte(rest, '\n')
		if i < 0 {
			break
		}
		l.scanned += i + 1
		var line struct{ Message, Addr string }
		if json.Unmarshal(rest[:i], &line) == nil && line.Message == "serving" {
			l.found = true
			l.addr <- line.Addr
		}
	}
	return len(p), nil
}

// race returns the first data race report, if any.
func (l *faultLog) race() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	_, report, found := strings.Cut(l.b.String(), "WARNING: DATA RACE")
	if !found {
		return ""
	}
	report, _, _ = strings.Cut(report, "==================")
	return report
}

// tail returns the last n lines, leaving out the emails the scheduler logs.
func (l *faultLog) tail(n int) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	var lines []string
	for line := range strings.Lines(l.b.String()) {
		if !strings.Contains(line, `"smtp not configured`) {
			lines = append(lines, line)
		}
	}
	return strings.Join(lines[max(0, len(lines)-n):], "")
}

// faultReport is a demo department's report, filled so that complete
// succeeds, with a token for its updater and its approver.
type faultReport struct {
	id                int64
	updater, approver string
}

// seedFaultDemo loads the demo into the empty database db (what `serve --demo`
// does) and prepares the first n departments' reports, before any service
// runs on it.
func seedFaultDemo(t *testing.T, db string, n int) []faultReport {
	t.Helper()
	start := time.Now()
	ctx := context.Background()
	s, err := store.Open(ctx, db, nil)
	if err != nil {
		t.Fatalf("open %s: %v", db, err)
	}
	defer s.Close()
	if _, err := s.MigrateUp(ctx); err != nil {
		t.Fatalf("migrate: %v", err)
	}
	if err := loadDemo(ctx, s, time.UTC, 2*time.Hour, io.Discard); err != nil {
		t.Fatalf("demo: %v", err)
	}
	user := func(email string) *workflow.User {
		u := &workflow.User{Email: email, Name: email}
		if err := s.EnsureUser(ctx, u, nil); err != nil {
			t.Fatalf("user %s: %v", email, err)
		}
		return u
	}
	token := func(u *workflow.User) string {
		tok, err := s.CreateToken(ctx, nil, u.ID, store.TokenExpiry{}, store.Meta{})
		if err != nil {
			t.Fatalf("token for %s: %v", u.Email, err)
		}
		return tok.Token
	}
	reports, err := s.ListReports(ctx, user(demoAdmin), store.ReportFilter{})
	if err != nil {
		t.Fatal(err)
	}
	reportOf := map[int64]int64{}
	for _, r := range reports {
		reportOf[r.AgencyID] = r.ID
	}
	agencies, err := s.ListAgencies(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var out []faultReport
	for _, a := range agencies {
		if a.Kind != workflow.KindDepartment || len(out) == n {
			continue
		}
		updater, approver := user(demoEmail("updater", a.Code)), user(demoEmail("approver", a.Code))
		r, err := s.GetReport(ctx, updater, reportOf[a.ID])
		if err != nil {
			t.Fatalf("report of %s: %v", a.Code, err)
		}
		for _, e := range r.Entries {
			if !e.Editable {
				continue
			}
			score := e.MaxPoints
			if _, _, err := s.PutEntry(ctx, updater, r.ID, e.Code,
				workflow.EntryValue{SelfScore: &score, Explanation: "Giải trình " + e.Code}, nil, store.Meta{}); err != nil {
				t.Fatalf("entry %s of report %d: %v", e.Code, r.ID, err)
			}
		}
		out = append(out, faultReport{id: r.ID, updater: token(updater), approver: token(approver)})
	}
	if len(out) != n {
		t.Fatalf("the demo has %d departments, want %d", len(out), n)
	}
	t.Logf("seeded the demo and %d reports in %v", n, time.Since(start).Round(time.Millisecond))
	return out
}

// faultHTTP answers requests whatever happens to the service: a broken
// connection is an error, not a failed test.
var faultHTTP = &http.Client{
	Timeout:   20 * time.Second,
	Transport: &http.Transport{MaxIdleConnsPerHost: 64, MaxConnsPerHost: 64},
}

// faultResponse is an answer read whole, or the error that prevented it
// (Status 0).
type faultResponse struct {
	testkit.Response
	err error
}

// problem reports whether the answer is an RFC 9457 problem with its status.
func (r faultResponse) problem() bool {
	var p testkit.Problem
	return r.Header.Get("Content-Type") == "application/problem+json" &&
		json.Unmarshal(r.Body, &p) == nil && p.Status == r.Status
}

func (r faultResponse) String() string {
	if r.err != nil {
		return r.err.Error()
	}
	return r.Response.String()
}

// faultDo sends one request with a bearer token and X-Request-Id (both when
// not empty); it never fails the test, whatever happens to the service.
func faultDo(method, url, token, requestID, contentType string, body []byte) faultResponse {
	var header []string
	if requestID != "" {
		header = []string{"X-Request-Id", requestID}
	}
	c := testkit.Client{Base: url, Token: token, HTTP: faultHTTP}
	res, err := c.Send(context.Background(), method, "", testkit.Raw{ContentType: contentType, Data: body}, header...)
	if err != nil {
		return faultResponse{err: err}
	}
	return faultResponse{Response: *res}
}
