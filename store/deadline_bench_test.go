package store_test

import (
	"os"
	"slices"
	"testing"
	"time"

	"parindex/store"
	"parindex/store/storetest"
	"parindex/workflow"
)

// lockBaseline is the plain bulk lock in PostgreSQL: one UPDATE ... RETURNING
// feeding the INSERT of the history rows, in one statement, against the
// campaign's deadline only. LockDue does this and more (a report's own and
// its round's deadline, the outbox event, the advisory lock); the benchmark
// says what that costs.
const lockBaseline = `WITH locked AS (
	UPDATE reports r SET state = 'locked', locked_from = r.state, version = r.version + 1, updated_at = $1
	FROM campaigns c
	WHERE c.id = r.campaign_id AND r.state IN ('draft', 'entered', 'reviewed', 'signed') AND c.closes_at <= $1
	RETURNING r.id, r.locked_from, r.round
)
INSERT INTO history (report_id, at, actor_id, role, event, from_state, to_state, round)
SELECT id, $1, NULL, 'system', 'lock', locked_from, 'locked', round FROM locked`

// BenchmarkLockDue100k locks 100,000 reports in one sweep on PostgreSQL and,
// on the same data reset between runs, with the plain bulk statement; it
// reports both times (median over b.N pairs) and their ratio. Run with
//
//	PARINDEX_TEST_POSTGRES=postgres://... go test ./store -run '^$' -bench LockDue100k -benchtime 5x
func BenchmarkLockDue100k(b *testing.B) {
	if os.Getenv(storetest.PostgresEnv) == "" {
		b.Skipf("%s is not set", storetest.PostgresEnv)
	}
	const n = 100_000
	start := time.Date(2026, 11, 20, 2, 0, 0, 0, time.UTC)
	clock := storetest.NewClock(start)
	s := storetest.Open(b, store.Postgres, clock)
	admin := storetest.MustUser(b, s, "admin@bench.example.vn", workflow.Grant{Role: workflow.RoleAdmin})
	set := storetest.MustCriteriaSet(b, s, "criteria-department.yaml")
	db := s.DB()
	began := time.Now()
	if _, err := db.Exec(`INSERT INTO agencies (code, name, kind, created_at)
		SELECT 'A' || i, 'Cơ quan số ' || i, 'department', $1 FROM generate_series(1, $2) AS i`, start, n); err != nil {
		b.Fatal(err)
	}
	c := &workflow.Campaign{Name: "Đợt 100k", Year: 2026, OpensAt: start.Add(-time.Hour), ClosesAt: start.Add(time.Hour),
		CriteriaSets: map[workflow.AgencyKind]int64{workflow.KindDepartment: set.ID}}
	if err := s.CreateCampaign(ctx, c, admin, store.Meta{}); err != nil {
		b.Fatal(err)
	}
	if _, err := db.Exec(`ANALYZE`); err != nil {
		b.Fatal(err)
	}
	b.Logf("provisioned %d reports in %s", n, time.Since(began).Round(time.Millisecond))
	clock.Set(c.ClosesAt.Add(time.Second))

	// reset puts the data back as provisioned, physically too: the table is
	// rewritten (no dead rows, no bloated indexes) and a checkpoint flushes
	// the last run's writes, so that each run starts from the same state.
	reset := func() {
		b.Helper()
		for _, q := range []string{
			`UPDATE reports SET state = 'draft', locked_from = NULL, version = 1`,
			`TRUNCATE history, emails, notifications, outbox`,
			`VACUUM FULL reports`,
			`ANALYZE reports`,
			`CHECKPOINT`,
		} {
			if _, err := db.Exec(q); err != nil {
				b.Fatal(err)
			}
		}
	}
	check := func(what string) {
		b.Helper()
		if got := storetest.Count(b, s, `SELECT COUNT(*) FROM history WHERE event = 'lock'`); got != n {
			b.Fatalf("%s wrote %d lock rows, want %d", what, got, n)
		}
	}
	runSweep := func() time.Duration {
		b.Helper()
		reset()
		t0 := time.Now()
		res, err := s.LockDue(ctx)
		d := time.Since(t0)
		if err != nil || len(res.Locked) != n {
			b.Fatalf("LockDue locked %d, %v", len(res.Locked), err)
		}
		check("LockDue")
		return d
	}
	runPlain := func() time.Duration {
		b.Helper()
		reset()
		t0 := time.Now()
		if _, err := db.Exec(lockBaseline, clock.Now()); err != nil {
			b.Fatal(err)
		}
		d := time.Since(t0)
		check("the baseline")
		return d
	}
	var sweep, plain []time.Duration
	b.ResetTimer()
	b.StopTimer() // the metrics below are the measurement; ns/op is everything
	for i := range b.N {
		// Alternate which goes first, so that neither always runs on a
		// warmer or a busier server.
		if i%2 == 0 {
			sweep = append(sweep, runSweep())
			plain = append(plain, runPlain())
		} else {
			plain = append(plain, runPlain())
			sweep = append(sweep, runSweep())
		}
	}
	b.StopTimer()
	ms := func(ds []time.Duration) float64 {
		slices.Sort(ds)
		return float64(ds[len(ds)/2]) / float64(time.Millisecond)
	}
	lockMS, plainMS := ms(sweep), ms(plain)
	b.ReportMetric(lockMS, "lockdue-ms")
	b.ReportMetric(plainMS, "baseline-ms")
	b.ReportMetric(lockMS/plainMS, "ratio")
	b.Logf("100k reports: LockDue %v, baseline %v (medians %.0f ms vs %.0f ms, ratio %.2f)", sweep, plain, lockMS, plainMS, lockMS/plainMS)
}
