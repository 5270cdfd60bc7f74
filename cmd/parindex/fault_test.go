package main

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"parindex/internal/testkit"
	"parindex/store"
	"parindex/store/storetest"
)

// The fault suite breaks the world under the real service, run as a child
// process: kill -9 in the middle of a load, PostgreSQL stopped and started
// again under a load, a full disk under an upload. It needs root (to mount
// tmpfs and to run a private PostgreSQL cluster as user postgres) and
// PostgreSQL's server binaries, so it runs only when asked:
//
//	PARINDEX_FAULTS=1 PARINDEX_TEST_POSTGRES='postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable' \
//	    go test -race -count=1 -run Fault -v ./cmd/parindex/
//
// With CI=true it always runs, and a missing prerequisite fails it.

// faultGate skips the suite unless it was asked for.
func faultGate(t *testing.T) {
	if os.Getenv("PARINDEX_FAULTS") != "1" && os.Getenv("CI") != "true" {
		t.Skip("the fault suite runs with PARINDEX_FAULTS=1, as root, with PostgreSQL's server installed: " +
			"PARINDEX_FAULTS=1 PARINDEX_TEST_POSTGRES=postgres://... go test -count=1 -run Fault -v ./cmd/parindex/")
	}
}

// faultNeed skips the test for a missing prerequisite, or fails it under CI.
func faultNeed(t *testing.T, ok bool, format string, args ...any) {
	t.Helper()
	if ok {
		return
	}
	if msg := fmt.Sprintf(format, args...); os.Getenv("CI") == "true" {
		t.Fatalf("CI=true, but %s", msg)
	} else {
		t.Skip(msg)
	}
}

// The load: eight reports, two workers on each (see faultLoad).
const faultReports, faultWorkers = 8, 16

// The phases of a fault, as the load sees them.
const (
	faultBefore     int32 = iota // the fault has not happened
	faultStarting                // it is being caused
	faultDown                    // it is complete: the service or the database is gone
	faultRecovering              // the database is being started again
	faultAfter                   // it is over
)

func TestFault(t *testing.T) {
	faultGate(t)
	bin := buildFaultService(t)
	t.Run("KillSQLite", func(t *testing.T) {
		t.Parallel()
		testKill(t, bin, faultSQLite(t))
	})
	t.Run("KillPostgres", func(t *testing.T) {
		t.Parallel()
		faultNeed(t, os.Getenv(storetest.PostgresEnv) != "", "%s is not set", storetest.PostgresEnv)
		testKill(t, bin, storetest.URL(t, store.Postgres))
	})
	t.Run("PostgresRestart", func(t *testing.T) {
		t.Parallel()
		testPostgresRestart(t, bin)
	})
	t.Run("DiskFull", func(t *testing.T) {
		t.Parallel()
		testDiskFull(t, bin, false)
	})
	t.Run("BlobStoreFull", func(t *testing.T) {
		t.Parallel()
		testDiskFull(t, bin, true)
	})
}

// testKill: kill -9 of the service in the middle of a load loses nothing it
// answered 200, and leaves no report disagreeing with its history.
func testKill(t *testing.T, bin, db string) {
	reports := seedFaultDemo(t, db, faultReports)
	args := []string{"--db", db, "--data-dir", t.TempDir()}
	svc := startFaultService(t, bin, args...)

	const killAfter = 100
	var ok atomic.Int64
	kill := make(chan struct{})
	l := newFaultLoad(svc.url, reports, faultWorkers)
	l.onResult = func(r faultResult) {
		if r.err == nil && r.Status == http.StatusOK && ok.Add(1) == killAfter {
			close(kill)
		}
	}
	start := time.Now()
	l.start()
	testkit.Await(t, kill, 30*time.Second, fmt.Sprintf("%d transitions answered 200", killAfter))
	l.phase.Store(faultDown)
	svc.cmd.Process.Kill() // SIGKILL, with requests in flight
	l.halt()
	svc.kill() // reaps it
	t.Logf("killed after %v: %s", time.Since(start).Round(time.Millisecond), l.summary())
	bad := &faultErrors{t: t}
	inFlight := 0
	for _, r := range l.results {
		switch {
		case r.err != nil && r.got == faultBefore:
			bad.add("%s on report %d before the kill: no answer: %v", r.event, r.report, r.err)
		case r.err != nil:
			if r.sent == faultBefore {
				inFlight++
			}
		case r.Status != http.StatusOK && r.Status != http.StatusConflict:
			bad.add("%s on report %d: %s", r.event, r.report, r)
		}
	}
	bad.report()
	t.Logf("%d requests were cut off by the kill", inFlight)

	// Restarted on the same data, nothing answered is missing.
	svc = startFaultService(t, bin, args...)
	faultVerify(t, db, l.answered())
	// And it takes transitions again: the report is in draft or entered.
	r := reports[0]
	url := fmt.Sprintf("%s/api/v1/reports/%d/transitions", svc.url, r.id)
	res := faultDo("POST", url, r.updater, "", "application/json", []byte(`{"event":"complete"}`))
	if res.Status == http.StatusConflict {
		res = faultDo("POST", url, r.approver, "", "application/json", []byte(`{"event":"return","reason":"Sau khi khởi động lại"}`))
	}
	if res.Status != http.StatusOK {
		t.Errorf("a transition after the restart: %s", res)
	}
	svc.stop()
}

// testPostgresRestart: while PostgreSQL is down every request is answered
// 503, and once it is back the same service answers 200 again, with nothing
// it answered 200 lost. PostgreSQL goes down twice under the load: a fast
// shutdown (sessions told "terminating connection due to administrator
// command"), then an immediate one (sessions cut off, crash recovery at start).
func testPostgresRestart(t *testing.T, bin string) {
	pg := startFaultCluster(t)
	db := pg.url()
	reports := seedFaultDemo(t, db, faultReports)
	svc := startFaultService(t, bin, "--db", db, "--data-dir", t.TempDir())

	// Cycle c runs the phases 10c+faultBefore … 10c+faultAfter.
	const warmAfter, downAnswers = 50, 50
	type cycle struct {
		mode                      string
		ok, down                  atomic.Int64
		warm, enoughDown, recover chan struct{}
		mu                        sync.Mutex
		back                      map[int]bool // workers answered 200 after the restart
	}
	cycles := []*cycle{{mode: "fast"}, {mode: "immediate"}}
	for _, c := range cycles {
		c.warm, c.enoughDown, c.recover, c.back = make(chan struct{}), make(chan struct{}), make(chan struct{}), map[int]bool{}
	}
	l := newFaultLoad(svc.url, reports, faultWorkers)
	l.onResult = func(r faultResult) {
		c, phase := cycles[r.sent/10], r.sent%10
		switch {
		case phase == faultBefore && r.Status == http.StatusOK:
			if c.ok.Add(1) == warmAfter {
				close(c.warm)
			}
		case phase == faultDown && r.got == r.sent:
			if c.down.Add(1) == downAnswers {
				close(c.enoughDown)
			}
		case phase == faultAfter && r.Status == http.StatusOK:
			c.mu.Lock()
			defer c.mu.Unlock()
			if !c.back[r.worker] {
				if c.back[r.worker] = true; len(c.back) == faultWorkers {
					close(c.recover)
				}
			}
		}
	}
	l.start()
	for i, c := range cycles {
		base := int32(10 * i)
		l.phase.Store(base + faultBefore)
		testkit.Await(t, c.warm, 30*time.Second, "the load to get going")
		l.phase.Store(base + faultStarting)
		pg.stop(c.mode)
		l.phase.Store(base + faultDown)
		testkit.Await(t, c.enoughDown, 30*time.Second, "answers while PostgreSQL is down")
		if got := testkit.NewClient(svc.url, "").Do(t, "GET", "/readyz", nil).Status; got != http.StatusServiceUnavailable {
			t.Errorf("/readyz while PostgreSQL is down (%s shutdown): %d, want 503", c.mode, got)
		}
		l.phase.Store(base + faultRecovering)
		pg.start()
		l.phase.Store(base + faultAfter)
		testkit.Await(t, c.recover, 30*time.Second, "every worker to get a 200 after PostgreSQL is back")
	}
	l.halt()
	t.Log(l.summary())

	bad := &faultErrors{t: t}
	for _, r := range l.results {
		switch {
		case r.err != nil:
			bad.add("%s on report %d (phase %d→%d): no answer: %v", r.event, r.report, r.sent, r.got, r.err)
		case r.Status != http.StatusOK && r.Status != http.StatusConflict && r.Status != http.StatusServiceUnavailable:
			bad.add("%s on report %d (phase %d→%d): %s", r.event, r.report, r.sent, r.got, r)
		case r.Status == http.StatusServiceUnavailable && !r.problem():
			bad.add("%s on report %d: a 503 that is not problem+json: %v %s", r.event, r.report, r.Header, r.Body)
		case r.sent%10 == faultDown && r.got == r.sent && r.Status != http.StatusServiceUnavailable:
			bad.add("%s on report %d while PostgreSQL was down: %s", r.event, r.report, r)
		}
	}
	bad.report()
	if got := testkit.NewClient(svc.url, "").Do(t, "GET", "/readyz", nil).Status; got != http.StatusOK {
		t.Errorf("/readyz after PostgreSQL is back: %d", got)
	}
	faultVerify(t, db, l.answered())
	svc.stop()
}

// faultSQLite is a fresh SQLite database in memory (/dev/shm) where there is
// one. A kill -9 is a process crash, not a power loss: the kernel keeps what
// the process wrote either way, so a tmpfs weakens no check of this suite,
// and it spares each commit two disk flushes.
func faultSQLite(t *testing.T) string {
	t.Helper()
	dir, err := os.MkdirTemp("/dev/shm", "parindex-fault-")
	if err != nil {
		dir = t.TempDir()
	} else {
		t.Cleanup(func() { os.RemoveAll(dir) })
	}
	return "sqlite:" + filepath.Join(dir, "parindex.db")
}

// faultErrors reports the first few of many similar failures, and how many.
type faultErrors struct {
	t *testing.T
	n int
}

func (e *faultErrors) add(format string, args ...any) {
	e.t.Helper()
	if e.n++; e.n <= 10 {
		e.t.Errorf(format, args...)
	}
}

func (e *faultErrors) report() {
	e.t.Helper()
	if e.n > 10 {
		e.t.Errorf("… %d failures in all", e.n)
	}
}
