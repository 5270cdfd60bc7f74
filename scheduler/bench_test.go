package scheduler_test

import (
	"fmt"
	"math"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"parindex/notify/smtptest"
	"parindex/scheduler"
	"parindex/store"
	"parindex/store/storetest"
	"parindex/workflow"
)

// benchDialects are the dialects to measure: SQLite, and PostgreSQL when
// PARINDEX_TEST_POSTGRES is set.
func benchDialects(b *testing.B, fn func(b *testing.B, dialect string)) {
	for _, d := range storetest.Dialects(b) {
		b.Run(d, func(b *testing.B) { fn(b, d) })
	}
}

// percentile is the nearest-rank percentile of sorted durations.
func percentile(sorted []time.Duration, p float64) time.Duration {
	i := int(math.Ceil(p/100*float64(len(sorted)))) - 1
	return sorted[max(i, 0)]
}

// BenchmarkDeadlineLag: a running scheduler (real clock, its own cron)
// meets 20 deadlines one second apart; the lag of a deadline is from the
// deadline to the commit of the sweep that locked its last report
// (Run.Finished − deadline). Reports p50, p99 and max; the target is
// p99 ≤ 1 s. It takes about 25 s per dialect, so it runs only with
// PARINDEX_BENCH=1:
//
//	PARINDEX_BENCH=1 PARINDEX_TEST_POSTGRES=postgres://... go test ./scheduler -run '^$' -bench DeadlineLag -benchtime 1x
func BenchmarkDeadlineLag(b *testing.B) {
	if os.Getenv("PARINDEX_BENCH") != "1" {
		b.Skip("set PARINDEX_BENCH=1: this benchmark waits for 20 real deadlines")
	}
	benchDialects(b, func(b *testing.B, dialect string) {
		const deadlines = 20
		var lags []time.Duration
		for range b.N {
			s := storetest.Open(b, dialect, nil) // the real clock
			w := storetest.NewWorld(b, s, storetest.NewClock(time.Now()))
			for i := range 20 {
				storetest.MustAgency(b, s, fmt.Sprintf("SO%02d", i), fmt.Sprintf("Sở số %d", i), workflow.KindDepartment)
			}
			var mu sync.Mutex
			deadlineOf := map[int64]time.Time{}   // report → its deadline
			left := map[time.Time]int{}           // deadline → reports not yet locked
			lastLock := map[time.Time]time.Time{} // deadline → commit of the sweep that locked its last report
			// The deadlines are set before the scheduler starts: its
			// catch-up announces the campaigns and sends the reminders
			// (every deadline is within 2 hours), so that what is measured
			// is the deadlines alone.
			first := time.Now().Add(8 * time.Second).Truncate(time.Millisecond)
			var all []time.Time
			for i := range deadlines {
				d := first.Add(time.Duration(i) * time.Second)
				all = append(all, d)
				_, reports := w.NewCampaign(b, fmt.Sprintf("Đợt %d", i), time.Now().Add(-time.Hour), d)
				for _, id := range reports {
					deadlineOf[id] = d
				}
				left[d] = len(reports)
			}
			sched := scheduler.New(s, scheduler.Config{Zone: hcm, OnRun: func(r scheduler.Run) {
				mu.Lock()
				defer mu.Unlock()
				for _, id := range r.Sweep.Locked {
					d, ok := deadlineOf[id]
					if !ok {
						continue
					}
					if left[d]--; left[d] == 0 {
						lastLock[d] = r.Finished
					}
				}
			}}, zerolog.Nop())
			if err := sched.Start(ctx); err != nil {
				b.Fatal(err)
			}
			if time.Now().After(first) {
				b.Fatalf("the set-up and the scheduler's start took past the first deadline")
			}
			b.ResetTimer()
			// Wait for the last deadline's sweep, polling with a deadline.
			last := all[len(all)-1]
			for {
				mu.Lock()
				_, done := lastLock[last]
				mu.Unlock()
				if done {
					break
				}
				if time.Now().After(last.Add(90 * time.Second)) {
					b.Fatalf("the last deadline was not met within 90 s")
				}
				time.Sleep(20 * time.Millisecond)
			}
			b.StopTimer()
			sched.Stop()
			mu.Lock()
			for _, d := range all {
				at, ok := lastLock[d]
				if !ok {
					b.Fatalf("deadline %s: its reports were never all locked", d)
				}
				lags = append(lags, at.Sub(d))
			}
			mu.Unlock()
			if n := storetest.Count(b, s, `SELECT COUNT(*) FROM history WHERE event = 'lock'`); n != len(deadlineOf) {
				b.Fatalf("%d lock rows for %d reports", n, len(deadlineOf))
			}
		}
		slices.Sort(lags)
		ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
		b.ReportMetric(ms(percentile(lags, 50)), "p50-lag-ms")
		b.ReportMetric(ms(percentile(lags, 99)), "p99-lag-ms")
		b.ReportMetric(ms(lags[len(lags)-1]), "max-lag-ms")
		b.Logf("%s: %d deadlines, lag p50 %s, p99 %s, max %s; all %v", dialect, len(lags), percentile(lags, 50), percentile(lags, 99), lags[len(lags)-1], lags)
	})
}

// dbTimeFor is t as the dialect stores it, for fixtures written in SQL.
func dbTimeFor(s *store.Store, t time.Time) any {
	t = t.UTC().Truncate(time.Microsecond)
	if s.Dialect() == store.SQLite {
		return t.Format("2006-01-02T15:04:05.000000Z")
	}
	return t
}

// BenchmarkDeliver: n pending emails, DeliverOnce in a loop to the local
// SMTP server until all are sent; reports messages per second (target ≥ 200).
//
//	PARINDEX_TEST_POSTGRES=postgres://... go test ./scheduler -run '^$' -bench Deliver -benchtime 1x
func BenchmarkDeliver(b *testing.B) {
	const n = 2000
	benchDialects(b, func(b *testing.B, dialect string) {
		var rates []float64
		for range b.N {
			b.StopTimer()
			clock := storetest.NewClock(start)
			s := storetest.Open(b, dialect, clock)
			srv := smtptest.Start(b)
			sched := scheduler.New(s, scheduler.Config{Zone: hcm, Mailer: newMailer(b, srv)}, zerolog.Nop())
			pending(b, s, n)
			b.StartTimer()
			t0 := time.Now()
			sent := 0
			for sent < n {
				d, err := sched.DeliverOnce(ctx)
				if err != nil {
					b.Fatal(err)
				}
				if d.Sent == 0 {
					b.Fatalf("nothing delivered with %d of %d sent: %+v", sent, n, d)
				}
				sent += d.Sent
			}
			elapsed := time.Since(t0)
			b.StopTimer()
			if got := len(srv.Messages()); got != n {
				b.Fatalf("%d messages at the server, want %d", got, n)
			}
			rates = append(rates, float64(n)/elapsed.Seconds())
		}
		slices.Sort(rates)
		b.ReportMetric(rates[(len(rates)-1)/2], "msgs/s")
		b.Logf("%s: %d emails, %.0f messages/s (median of %d)", dialect, n, rates[(len(rates)-1)/2], len(rates))
	})
}

// pending writes n pending emails to n users, each with its event and
// notification, in one transaction.
func pending(b *testing.B, s *store.Store, n int) {
	b.Helper()
	tx := s.DB().MustBegin()
	defer tx.Rollback()
	now := dbTimeFor(s, s.Now())
	for i := range n {
		var uid, ev, nid int64
		email := fmt.Sprintf("nguoi.nhan.%d@test.example.vn", i)
		if err := tx.QueryRowx(tx.Rebind(`INSERT INTO users (email, name, created_at) VALUES (?, ?, ?) RETURNING id`), email, fmt.Sprintf("Người nhận %d", i), now).Scan(&uid); err != nil {
			b.Fatal(err)
		}
		if err := tx.QueryRowx(tx.Rebind(`INSERT INTO outbox (kind, report_ids, data, created_at, done_at) VALUES ('submitted', '[]', '{}', ?, ?) RETURNING id`), now, now).Scan(&ev); err != nil {
			b.Fatal(err)
		}
		if err := tx.QueryRowx(tx.Rebind(`INSERT INTO notifications (user_id, event_id, kind, report_ids, title, body, created_at) VALUES (?, ?, 'submitted', '[]', ?, ?, ?) RETURNING id`),
			uid, ev, "Sở Tư pháp đã gửi báo cáo tự đánh giá", "Báo cáo đã sẵn sàng để Hội đồng thẩm định.", now).Scan(&nid); err != nil {
			b.Fatal(err)
		}
		if _, err := tx.Exec(tx.Rebind(`INSERT INTO emails (notification_id, to_addr, to_name, subject, text_body, html_body, next_attempt_at, created_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`), nid, email, fmt.Sprintf("Người nhận %d", i), "Sở Tư pháp đã gửi báo cáo tự đánh giá",
			"Kính gửi Người nhận,\n\nBáo cáo đã sẵn sàng để Hội đồng thẩm định.\n", "<p>Báo cáo đã sẵn sàng để Hội đồng thẩm định.</p>", now, now); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}
