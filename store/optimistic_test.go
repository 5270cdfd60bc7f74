package store_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"parindex/store"
	"parindex/store/storetest"
	"parindex/workflow"
)

// A transition decides on a report read before its write; the write is
// guarded in SQL. These tests act in the gap between the two.

func TestTransitionDeadlinePassesBeforeWrite(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		t.Parallel()
		w := newWorld(t, dialect)
		s, a := w.Store, w.Dept
		closes := w.Campaign.ClosesAt
		w.FillEntries(t, a)
		w.Fire(t, a.Updater, a, workflow.EventComplete, "")
		before := snapshot(t, s, a.ReportID)

		w.Clock.Set(closes.Add(-time.Millisecond))
		store.SetBeforeWrite(s, func() { w.Clock.Set(closes) })
		defer store.SetBeforeWrite(s, nil)
		wantCode(t, fire(w, a.Approver, a, workflow.EventApprove, ""), workflow.ELOCKED)
		unchanged(t, s, a.ReportID, before, "an approve decided before the deadline and written at it")
	})
}

func TestTransitionConcurrentChangeBeforeWrite(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		t.Parallel()
		w := newWorld(t, dialect)
		s, a := w.Store, w.Dept
		w.FillEntries(t, a)
		w.Fire(t, a.Updater, a, workflow.EventComplete, "")
		before := snapshot(t, s, a.ReportID)

		// The updater reopens while the approver's approve is in flight.
		store.SetBeforeWrite(s, func() {
			store.SetBeforeWrite(s, nil)
			w.Fire(t, a.Updater, a, workflow.EventReopen, "")
		})
		wantCode(t, fire(w, a.Approver, a, workflow.EventApprove, ""), workflow.ECONFLICT)
		if after := snapshot(t, s, a.ReportID); after == before {
			t.Fatal("the reopen did not land")
		}
		if r := w.Report(t, a); r.State != workflow.StateDraft {
			t.Fatalf("state %s, want draft: the approve must not overwrite the reopen", r.State)
		}
	})
}

func TestSignRefusedWhenNewerSummaryArrivesBeforeWrite(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		t.Parallel()
		w := newWorld(t, dialect)
		s, a := w.Store, w.Dept
		w.FillEntries(t, a)
		w.Fire(t, a.Updater, a, workflow.EventComplete, "")
		w.Fire(t, a.Approver, a, workflow.EventApprove, "")
		w.AttachSignedSummary(t, a)
		version := w.Report(t, a).Version

		// An unsigned file replaces the checked summary before sign is written.
		store.SetBeforeWrite(s, func() {
			store.SetBeforeWrite(s, nil)
			r := w.Report(t, a)
			ss := &store.SignedSummary{Filename: "chưa ký.pdf", Size: 1, SHA256: strings.Repeat("cd", 32),
				Signature: json.RawMessage(`{"present":false,"valid":false,"covers_file":false}`)}
			if err := s.AddSignedSummary(ctx, a.Approver, a.ReportID, ss, r.Version, false, store.Meta{}); err != nil {
				t.Errorf("upload: %v", err)
			}
		})
		wantCode(t, fire(w, a.Approver, a, workflow.EventSign, ""), workflow.ECONFLICT)
		if r := w.Report(t, a); r.State != workflow.StateReviewed || r.Version != version {
			t.Fatalf("a sign whose checked summary was replaced left the report %s at version %d, want reviewed at %d", r.State, r.Version, version)
		}
		// Signing again checks the new, unsigned summary and says why.
		err := fire(w, a.Approver, a, workflow.EventSign, "")
		wantCode(t, err, workflow.EINVALID)
	})
}
