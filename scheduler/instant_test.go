package scheduler

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/robfig/cron/v3"
	"github.com/rs/zerolog"

	"parindex/internal/testkit"
	"parindex/store"
	"parindex/store/storetest"
	"parindex/workflow"
)

// A deadline is an instant: in a zone with daylight saving, a wall-clock time
// in the skipped hour or in the repeated hour still names one instant, which
// the instant schedule fires exactly once and the sweep locks exactly once.

var paris = testkit.Zone("Europe/Paris")

// dstCases are local times in Paris that a clock shows never (29 March 2026,
// 02:00 → 03:00) or twice (25 October 2026, 03:00 → 02:00).
var dstCases = []struct {
	name  string
	local string
	date  time.Time
}{
	{"skipped hour", "2026-03-29T02:30", time.Date(2026, 3, 29, 2, 30, 0, 0, paris)},
	{"repeated hour", "2026-10-25 02:30", time.Date(2026, 10, 25, 2, 30, 0, 0, paris)},
}

// steps returns instants from d−3h to d+3h every 10 minutes, plus d − 1 ms,
// d and d + 1 ms, in order and shown in zone (as cron hands them to Next).
func steps(d time.Time, zone *time.Location) []time.Time {
	var out []time.Time
	for t := d.Add(-3 * time.Hour); !t.After(d.Add(3 * time.Hour)); t = t.Add(10 * time.Minute) {
		out = append(out, t.In(zone))
	}
	out = append(out, d.Add(-time.Millisecond).In(zone), d.In(zone), d.Add(time.Millisecond).In(zone))
	slices.SortFunc(out, func(a, b time.Time) int { return a.Compare(b) })
	return slices.CompactFunc(out, func(a, b time.Time) bool { return a.Equal(b) })
}

// fire runs cron's loop over the times: plan at the first, then at each
// later time run the entry if it is due and ask for its next time.
func fire(s cron.Schedule, times []time.Time) []time.Time {
	var fired []time.Time
	next := s.Next(times[0])
	for _, now := range times[1:] {
		if !next.IsZero() && !next.After(now) {
			fired = append(fired, next)
			next = s.Next(now)
		}
	}
	return fired
}

func TestInstantAcrossDaylightSaving(t *testing.T) {
	for _, tc := range dstCases {
		t.Run(tc.name, func(t *testing.T) {
			d, err := workflow.ParseTime(tc.local, paris)
			if err != nil {
				t.Fatal(err)
			}
			if !d.Equal(tc.date) {
				t.Fatalf("ParseTime(%q) = %s, time.Date = %s: two instants for one deadline", tc.local, d, tc.date)
			}
			t.Logf("%s in Paris is the instant %s (%s)", tc.local, d.UTC().Format(time.RFC3339), d.In(paris).Format("15:04 MST"))

			times := steps(d, paris)
			// Across the transition the wall clock jumps or repeats; the
			// instant fires once, exactly at d.
			if got := fire(instant(d), times); len(got) != 1 || !got[0].Equal(d) {
				t.Fatalf("the instant schedule fired at %v, want once at %s", got, d)
			}
			// Next is the instant while it is ahead, and then never again.
			for _, now := range times {
				want := time.Time{}
				if now.Before(d) {
					want = d
				}
				if got := instant(d).Next(now); !got.Equal(want) {
					t.Fatalf("Next(%s) = %s, want %s", now.Format(time.RFC3339Nano), got, want)
				}
			}
			// A wall-clock cron spec for the same local time, by contrast,
			// depends on how the zone's rules resolve it.
			spec, err := cron.ParseStandard("CRON_TZ=Europe/Paris 30 2 * * *")
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("a daily 02:30 Paris cron spec fires %d time(s) in the same six hours: %v", len(fire(spec, times)), fire(spec, times))
		})
	}
}

// TestCronPlansInstantOnce: a cron running in Paris time plans an instant in
// the skipped or the repeated hour once, at that instant. (The cron reads
// the real clock, so the same local times of 2027 stand in for 2026's.)
func TestCronPlansInstantOnce(t *testing.T) {
	for _, local := range []time.Time{
		time.Date(2027, 3, 28, 2, 30, 0, 0, paris),  // skipped
		time.Date(2027, 10, 31, 2, 30, 0, 0, paris), // repeated
	} {
		c := cron.New(cron.WithSeconds(), cron.WithLocation(paris))
		if _, err := c.AddFunc("0 * * * * *", func() {}); err != nil {
			t.Fatal(err)
		}
		c.Start()
		id := c.Schedule(instant(local), cron.FuncJob(func() {}))
		n := 0
		for _, e := range c.Entries() {
			if e.Next.Equal(local) {
				n++
				if e.ID != id {
					t.Errorf("entry %d is planned at %s", e.ID, local)
				}
			}
		}
		<-c.Stop().Done()
		if n != 1 {
			t.Fatalf("%s: %d entries planned at it, want 1", local.Format(time.RFC3339), n)
		}
	}
}

// TestSweepAcrossDaylightSaving: a scheduler in Paris time plans a deadline
// given in the skipped or the repeated hour once, and as the clock steps
// across the transition, one sweep locks the campaign's reports, once each.
func TestSweepAcrossDaylightSaving(t *testing.T) {
	for _, tc := range dstCases {
		t.Run(tc.name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, dialect string) {
				t.Parallel()
				ctx := context.Background()
				d, err := workflow.ParseTime(tc.local, paris)
				if err != nil {
					t.Fatal(err)
				}
				from := d.Add(-3 * time.Hour)
				clock := storetest.NewClock(from)
				s := storetest.Open(t, dialect, clock)
				w := storetest.NewWorld(t, s, clock)
				_, reports := w.NewCampaign(t, "Đợt giờ mùa hè", from.Add(-time.Hour), d)
				if len(reports) != 3 {
					t.Fatalf("%d reports, want 3", len(reports))
				}

				sched := New(s, Config{Zone: paris, Reminders: []time.Duration{2 * time.Hour}}, zerolog.Nop())
				if err := sched.Start(ctx); err != nil {
					t.Fatal(err)
				}
				upcoming, err := s.Upcoming(ctx, sched.cfg.Reminders, sched.cfg.Plan)
				if err != nil {
					t.Fatal(err)
				}
				sched.mu.Lock()
				var planned []time.Time
				for _, id := range sched.planned {
					planned = append(planned, time.Time(sched.cron.Entry(id).Schedule.(instant)))
				}
				sched.mu.Unlock()
				sched.Stop()
				if !slices.EqualFunc(planned, upcoming, time.Time.Equal) {
					t.Fatalf("planned %v, want the upcoming instants %v", planned, upcoming)
				}
				if n := len(slices.DeleteFunc(slices.Clone(planned), func(p time.Time) bool { return !p.Equal(d) })); n != 1 {
					t.Fatalf("the deadline is planned %d times: %v", n, planned)
				}

				var lockedAt []time.Time
				for _, now := range steps(d, paris)[1:] {
					clock.Set(now)
					run, err := sched.RunOnce(ctx)
					if err != nil {
						t.Fatal(err)
					}
					for _, id := range run.Sweep.Locked {
						for _, reportID := range reports {
							if reportID == id {
								lockedAt = append(lockedAt, now)
							}
						}
					}
				}
				if len(lockedAt) != len(reports) || !lockedAt[0].Equal(d) || !lockedAt[len(lockedAt)-1].Equal(d) {
					t.Fatalf("the campaign's reports were locked at %v, want all at %s", lockedAt, d)
				}
				for _, reportID := range reports {
					h, err := s.History(ctx, w.Admin, reportID)
					if err != nil {
						t.Fatal(err)
					}
					var locks []store.HistoryEntry
					for _, e := range h {
						if e.Event == "lock" {
							locks = append(locks, e)
						}
					}
					if len(locks) != 1 || locks[0].Actor != nil || !locks[0].At.Equal(d) {
						t.Fatalf("report %d lock rows %+v, want one by the system at %s", reportID, locks, d)
					}
				}
			})
		})
	}
}

// TestPlanSweepsAnInstantMissedWhilePlanning: an instant that passes between
// the store's answer and cron's taking the entry in would never run (cron
// plans only what is ahead); plan notices and sweeps at once. The store's
// clock runs two seconds behind the real one, so that the deadline is ahead
// for the store and already behind for cron, as it is for a moment when the
// two clocks agree.
func TestPlanSweepsAnInstantMissedWhilePlanning(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		t.Parallel()
		ctx := context.Background()
		s, err := store.Open(ctx, storetest.URL(t, dialect), func() time.Time { return time.Now().Add(-2 * time.Second) })
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		if _, err := s.MigrateUp(ctx); err != nil {
			t.Fatal(err)
		}
		w := storetest.NewWorld(t, s, storetest.NewClock(time.Now()))
		now := time.Now()
		c, _ := w.NewCampaign(t, "Đợt trễ", now.Add(-time.Hour), now.Add(-time.Second))
		runs := make(chan Run, 10)
		sched := New(s, Config{OnRun: func(r Run) { runs <- r }}, zerolog.Nop())
		if err := sched.Start(ctx); err != nil {
			t.Fatal(err)
		}
		defer sched.Stop()
		<-runs // Start's own catch-up
		sched.mu.Lock()
		var missed, instants int
		for _, id := range sched.planned {
			switch e := sched.cron.Entry(id); e.Schedule.(type) {
			case *soon:
				missed++
			case instant:
				if time.Time(e.Schedule.(instant)).Equal(c.ClosesAt) {
					instants++
				}
			}
		}
		sched.mu.Unlock()
		if instants != 1 || missed != 1 {
			t.Fatalf("planned the deadline %d times and %d sweeps for a missed instant; want 1 and 1", instants, missed)
		}
		select {
		case <-runs:
		case <-time.After(10 * time.Second):
			t.Fatal("no sweep for the instant missed while planning")
		}
	})
}
