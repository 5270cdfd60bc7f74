package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"testing"
	"time"

	"parindex/internal/testkit"
	"parindex/store/storetest"
)

func TestGracefulShutdown(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		clock := storetest.NewClock(time.Date(2026, 11, 20, 9, 0, 0, 0, hcm))
		db := storetest.URL(t, dialect)
		m, _, stderr := newMain(clock, withDataDir(t, nil, nil))
		if err := m.Run(context.Background(), []string{"serve", "--addr", "127.0.0.1:0", "--db", db}); err != nil {
			m.Close()
			t.Fatalf("serve: %v", err)
		}
		addr := m.listener.Addr().String()
		w := storetest.NewWorld(t, m.Store(), clock)
		updater := testkit.NewClient(m.URL(), storetest.MustToken(t, m.Store(), w.Dept.Updater))

		// Serve a few requests, leaving idle keep-alive connections behind.
		for range 3 {
			updater.Do(t, "GET", fmt.Sprintf("/api/v1/reports/%d", w.Dept.ReportID), nil).Want(t, http.StatusOK, nil)
		}

		// One request is in flight when Close starts: its handler is reading the
		// body (the server has answered 100 Continue), and the rest of the body
		// arrives only once the listener is closed. It must still be answered.
		shuttingDown := make(chan struct{})
		m.server.RegisterOnShutdown(func() { close(shuttingDown) })
		flight := startInFlight(t, m.URL(), w.Dept.ReportID, updater.Token)

		closed := make(chan error, 1)
		go func() { closed <- m.Close() }()
		testkit.Await(t, shuttingDown, 10*time.Second, "Close to start a graceful shutdown") // the listener is closed from here on
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			t.Fatal("the port accepts connections while shutting down")
		}
		flight.finish(t)
		res := testkit.Await(t, flight.answered, 10*time.Second, "the answer to the in-flight request")
		if res.err != nil || res.status != http.StatusOK {
			t.Fatalf("in-flight request: status %d, %v, %s", res.status, res.err, res.body)
		}
		if err := testkit.Await(t, closed, 10*time.Second, "Close to return"); err != nil {
			t.Fatalf("Close: %v\n%s", err, stderr)
		}
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			t.Fatal("the port still accepts connections after Close")
		}
		if _, err := http.Get(m.URL() + "/healthz"); err == nil {
			t.Fatal("GET /healthz answered after Close")
		}
		if m.Serving() || m.Store() != nil {
			t.Fatal("Close left the server or the store behind")
		}
		if err := m.Close(); err != nil {
			t.Fatalf("a second Close: %v", err)
		}
		// The write made in flight was committed before the database closed.
		rep, err := storetest.OpenURL(t, db, clock).GetReport(context.Background(), w.Dept.Updater, w.Dept.ReportID)
		if err != nil {
			t.Fatalf("reopen: %v", err)
		}
		for _, e := range rep.Entries {
			if e.Code == "1.1.1" && (e.SelfScore == nil || e.SelfScore.String() != "1") {
				t.Fatalf("entry 1.1.1 after shutdown: %v", e.SelfScore)
			}
		}
	})
}
