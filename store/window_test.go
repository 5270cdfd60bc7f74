package store_test

import (
	"testing"
	"time"

	"parindex/store"
	"parindex/store/storetest"
	"parindex/workflow"
)

// The window is [opens_at, closes_at) by the store's clock, checked on every
// write: a scheduler that locks late must not leave a gap.

func TestWindowGuardEntries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		t.Parallel()
		w := newWorld(t, dialect)
		s, a := w.Store, w.Dept
		opens, closes := w.Campaign.OpensAt, w.Campaign.ClosesAt
		put := func(at time.Time, score string) error {
			w.Clock.Set(at.In(hcm)) // the clock may run in the province's zone
			_, _, err := s.PutEntry(ctx, a.Updater, a.ReportID, "1.3", workflow.EntryValue{SelfScore: pts(t, score), Explanation: "Kiểm tra"}, nil, store.Meta{})
			return err
		}
		for _, tc := range []struct {
			name string
			at   time.Time
			want string
		}{
			{"1 ms before opening", opens.Add(-time.Millisecond), workflow.ELOCKED},
			{"at opening", opens, ""},
			{"1 ms before closing", closes.Add(-time.Millisecond), ""},
			{"at closing", closes, workflow.ELOCKED},
			{"1 ms after closing", closes.Add(time.Millisecond), workflow.ELOCKED},
			{"a year later", closes.AddDate(1, 0, 0), workflow.ELOCKED},
		} {
			t.Run(tc.name, func(t *testing.T) {
				before := snapshot(t, s, a.ReportID)
				err := put(tc.at, "1.25")
				wantCode(t, err, tc.want)
				if tc.want != "" {
					unchanged(t, s, a.ReportID, before, "a write outside the window")
				} else if snapshot(t, s, a.ReportID) == before {
					t.Fatal("an accepted write changed nothing")
				}
			})
		}
	})
}

func TestWindowGuardTransitions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		t.Parallel()
		w := newWorld(t, dialect)
		s, a := w.Store, w.Dept
		opens, closes := w.Campaign.OpensAt, w.Campaign.ClosesAt
		w.FillEntries(t, a)

		// Each event of the path, refused at and after closes_at and before
		// opens_at, then accepted 1 ms before closes_at.
		for _, step := range []struct {
			by     *workflow.User
			ev     workflow.Event
			reason string
			to     workflow.State
		}{
			{a.Updater, workflow.EventComplete, "", workflow.StateEntered},
			{a.Updater, workflow.EventReopen, "", workflow.StateDraft},
			{a.Updater, workflow.EventComplete, "", workflow.StateEntered},
			{a.Approver, workflow.EventApprove, "", workflow.StateReviewed},
			{a.Approver, workflow.EventReturn, "Thiếu tài liệu", workflow.StateDraft},
			{a.Updater, workflow.EventComplete, "", workflow.StateEntered},
			{a.Approver, workflow.EventApprove, "", workflow.StateReviewed},
			{a.Approver, workflow.EventSign, "", workflow.StateSigned},
			{a.Approver, workflow.EventSubmit, "", workflow.StateSubmitted},
		} {
			before := snapshot(t, s, a.ReportID)
			for _, at := range []time.Time{closes, closes.Add(time.Millisecond), opens.Add(-time.Millisecond)} {
				w.Clock.Set(at)
				err := fire(w, step.by, a, step.ev, step.reason)
				if workflow.ErrorCode(err) != workflow.ELOCKED {
					t.Fatalf("%s at %s: %v, want %s", step.ev, at.Format(time.RFC3339Nano), err, workflow.ELOCKED)
				}
				unchanged(t, s, a.ReportID, before, string(step.ev)+" outside the window")
			}
			w.Clock.Set(closes.Add(-time.Millisecond))
			if step.ev == workflow.EventSign {
				w.AttachSignedSummary(t, a)
			}
			r, err := s.Transition(ctx, step.by, a.ReportID, workflow.TransitionRequest{Event: step.ev, Reason: step.reason}, nil, store.Meta{})
			if err != nil {
				t.Fatalf("%s 1 ms before closing: %v", step.ev, err)
			}
			if r.State != step.to {
				t.Fatalf("%s led to %s, want %s", step.ev, r.State, step.to)
			}
		}

		// A closed window answers 423 before the state (409) and before
		// content guards (422).
		w.Clock.Set(closes)
		wantCode(t, fire(w, a.Approver, a, workflow.EventApprove, ""), workflow.ELOCKED)
		wantCode(t, fire(w, w.Dept2.Updater, w.Dept2, workflow.EventComplete, ""), workflow.ELOCKED)
		wantCode(t, fire(w, w.Dept2.Approver, w.Dept2, workflow.EventReturn, ""), workflow.ELOCKED)
	})
}
