package store_test

import (
	"testing"

	"parindex/store"
	"parindex/store/storetest"
	"parindex/workflow"
)

// BenchmarkTransition fires complete and reopen in turn on one report: the
// store's whole transition (read, decide, guarded write, history) without HTTP.
func BenchmarkTransition(b *testing.B) {
	for _, dialect := range storetest.Dialects(b) {
		b.Run(dialect, func(b *testing.B) {
			clock := storetest.NewClock(start)
			w := storetest.NewWorld(b, storetest.Open(b, dialect, clock), clock)
			a := w.Dept
			w.FillEntries(b, a)
			events := []struct {
				by *workflow.User
				ev workflow.Event
			}{{a.Updater, workflow.EventComplete}, {a.Updater, workflow.EventReopen}}
			b.ResetTimer()
			for i := range b.N {
				e := events[i%2]
				if _, err := w.Store.Transition(ctx, e.by, a.ReportID, workflow.TransitionRequest{Event: e.ev}, nil, store.Meta{}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
