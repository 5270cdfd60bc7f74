package main

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"parindex/internal/testkit"
	"parindex/store/storetest"
)

func TestDrainThenClose(t *testing.T) {
	// SIGTERM: /readyz answers 503 while a slow request is in flight and new
	// requests are still served; the in-flight request is answered once its
	// body arrives, after the listener has closed; every step is logged.
	t.Parallel()
	clock := storetest.NewClock(time.Date(2026, 11, 20, 9, 0, 0, 0, hcm))
	m, _, stderr := newMain(clock, withDataDir(t, nil, nil))
	if err := m.Run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--db", storetest.URL(t, "sqlite"), "--shutdown-delay", "1h"}); err != nil {
		m.Close()
		t.Fatalf("serve: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	w := storetest.NewWorld(t, m.Store(), clock)
	updater := testkit.NewClient(m.URL(), storetest.MustToken(t, m.Store(), w.Dept.Updater))
	ready := func() int {
		res, err := http.Get(m.URL() + "/readyz")
		if err != nil {
			t.Fatalf("GET /readyz: %v", err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	if s := ready(); s != http.StatusOK {
		t.Fatalf("/readyz before the shutdown: %d", s)
	}

	// The slow request: its handler reads the body, which comes later.
	flight := startInFlight(t, m.URL(), w.Dept.ReportID, updater.Token)

	signals := make(chan os.Signal, 1)
	drained := make(chan struct{})
	go func() { m.Drain(true, signals); close(drained) }()
	// Drain logs once /readyz has turned.
	stderr.WaitLine(t, 10*time.Second, "saying /readyz answers 503", func(l string) bool { return strings.Contains(l, "shutdown: /readyz answers 503") })
	if s := ready(); s != http.StatusServiceUnavailable {
		t.Fatalf("/readyz while draining: %d, want 503", s)
	}
	// Still serving everything else during the delay.
	updater.Do(t, "GET", fmt.Sprintf("/api/v1/reports/%d", w.Dept.ReportID), nil).Want(t, http.StatusOK, nil)
	select {
	case <-drained:
		t.Fatal("Drain returned before the delay or a second signal")
	default:
	}
	signals <- syscall.SIGTERM // the second signal cuts the delay short
	testkit.Await(t, drained, 10*time.Second, "Drain to return on the second signal")

	closed := make(chan error, 1)
	go func() { closed <- m.Close() }()
	stderr.WaitLine(t, 10*time.Second, "saying Close closes the listener", func(l string) bool { return strings.Contains(l, "shutdown: closing the listener") })
	select {
	case r := <-flight.answered:
		t.Fatalf("the in-flight request was answered %d before its body came", r.status)
	default:
	}
	flight.finish(t)
	if r := testkit.Await(t, flight.answered, 10*time.Second, "the in-flight request's answer"); r.status != http.StatusOK {
		t.Fatalf("in-flight request: %d %v %s", r.status, r.err, r.body)
	}
	if err := testkit.Await(t, closed, 10*time.Second, "Close"); err != nil {
		t.Fatalf("Close: %v", err)
	}
	log := stderr.String()
	last := -1
	for _, phase := range []string{
		"shutdown: /readyz answers 503", "shutdown: a second signal",
		"shutdown: closing the listener", "shutdown: every request in flight is answered",
		"shutdown: scheduler stopped, evidence store and database closed",
	} {
		i := strings.Index(log, phase)
		if i < last {
			t.Fatalf("%q not logged after the step before it:\n%s", phase, log)
		}
		last = i
	}
}
