package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"parindex/store"
	"parindex/store/storetest"
)

func TestMigrationsUpDownUp(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		ctx := context.Background()
		clock := storetest.NewClock(time.Date(2026, 11, 20, 9, 0, 0, 0, time.UTC))
		s := storetest.OpenURL(t, storetest.URL(t, dialect), clock)
		if ok, _ := s.SchemaCurrent(ctx); ok {
			t.Fatal("an empty database reports a current schema")
		}
		if n, err := s.MigrateUp(ctx); err != nil || n == 0 {
			t.Fatalf("up: applied %d, %v", n, err)
		}
		if ok, err := s.SchemaCurrent(ctx); err != nil || !ok {
			t.Fatalf("after up: current=%v err=%v", ok, err)
		}
		if err := s.MigrateDown(ctx); err != nil {
			t.Fatalf("down: %v", err)
		}
		if ok, _ := s.SchemaCurrent(ctx); ok {
			t.Fatal("after down the schema still reports current")
		}
		if n, err := s.MigrateUp(ctx); err != nil || n == 0 {
			t.Fatalf("up again: applied %d, %v", n, err)
		}
		// The schema works after the round trip.
		w := storetest.NewWorld(t, s, clock)
		w.Submit(t, w.Dept)
	})
}

// TestReplicasMigrateOnce starts three replicas' migrations at once on one
// PostgreSQL database: goose's lock lets exactly one apply each migration and
// the others find the schema current.
func TestReplicasMigrateOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		if dialect != store.Postgres {
			t.Skip("replicas share PostgreSQL; SQLite serves one machine")
		}
		ctx := context.Background()
		url := storetest.URL(t, dialect)
		const replicas = 3
		stores := make([]*store.Store, replicas)
		for i := range stores {
			stores[i] = storetest.OpenURL(t, url, nil)
		}
		applied := make([]int, replicas)
		errs := make([]error, replicas)
		start := make(chan struct{})
		var wg sync.WaitGroup
		for i, s := range stores {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				applied[i], errs[i] = s.MigrateUp(ctx)
			}()
		}
		close(start)
		wg.Wait()
		total := 0
		for i := range stores {
			if errs[i] != nil {
				t.Fatalf("replica %d: %v", i, errs[i])
			}
			total += applied[i]
		}
		status, err := stores[0].MigrationStatus(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if total != len(status) {
			t.Errorf("the replicas applied %d migrations in all, want each of the %d once", total, len(status))
		}
		for i, s := range stores {
			if ok, err := s.SchemaCurrent(ctx); err != nil || !ok {
				t.Errorf("replica %d: schema current=%v err=%v", i, ok, err)
			}
		}
	})
}
