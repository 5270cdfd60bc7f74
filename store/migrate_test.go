package store_test

import (
	"context"
	"testing"
	"time"

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
