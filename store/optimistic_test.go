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
		// The write finds a newer summary than the one checked; the sign is
		// decided again on the newer, unsigned one and refused for it.
		err := fire(w, a.Approver, a, workflow.EventSign, "")
		wantCode(t, err, workflow.EINVALID)
		if !strings.Contains(err.Error(), "chưa ký.pdf") {
			t.Errorf("the refusal names another file: %v", err)
		}
		if r := w.Report(t, a); r.State != workflow.StateReviewed || r.Version != version {
			t.Fatalf("a sign whose checked summary was replaced left the report %s at version %d, want reviewed at %d", r.State, r.Version, version)
		}
	})
}

// Two replicas each keep report headers they read: a transition decided on
// one replica's stale header is written against a version that is gone, and
// then decided again on the database's report, never written twice.
func TestTransitionStaleCacheAcrossReplicas(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		t.Parallel()
		clock, s1, s2 := replicas(t, dialect)
		w := storetest.NewWorld(t, s1, clock)
		a := w.Dept
		w.FillEntries(t, a)
		on := func(s *store.Store, u *workflow.User, ev workflow.Event) error {
			_, err := s.Transition(ctx, u, a.ReportID, workflow.TransitionRequest{Event: ev, Reason: "Bổ sung"}, nil, store.Meta{})
			return err
		}
		// Replica 1 completes and caches the report as entered.
		if err := on(s1, a.Updater, workflow.EventComplete); err != nil {
			t.Fatal(err)
		}
		// Replica 2 reopens it: replica 1's header is stale.
		if err := on(s2, a.Updater, workflow.EventReopen); err != nil {
			t.Fatal(err)
		}
		// On its stale header replica 1 would approve; the database says draft.
		wantCode(t, on(s1, a.Approver, workflow.EventApprove), workflow.ECONFLICT)
		// Replica 2 completes again: replica 1's header is stale once more,
		// but the approve is right on the database's report, so it succeeds.
		if err := on(s2, a.Updater, workflow.EventComplete); err != nil {
			t.Fatal(err)
		}
		if err := on(s1, a.Approver, workflow.EventApprove); err != nil {
			t.Fatalf("approve after a change on the other replica: %v", err)
		}
		if r := w.Report(t, a); r.State != workflow.StateReviewed {
			t.Fatalf("state %s, want reviewed", r.State)
		}
		var events []string
		if err := s1.DB().Select(&events, s1.DB().Rebind(`SELECT event FROM history WHERE report_id = ? ORDER BY id`), a.ReportID); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(events, ","); got != "complete,reopen,complete,approve" {
			t.Fatalf("history %s, want each transition once", got)
		}
	})
}

// A caller with a credential (a user as Authenticate read it, TokenID set),
// possibly from a cache, is checked again in the write: once its token is
// revoked, a transition answers EUNAUTHORIZED and changes nothing, on the
// cached path and on the fresh one.
func TestTransitionRevokedTokenOfCachedCaller(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		t.Parallel()
		w := newWorld(t, dialect)
		s, a := w.Store, w.Dept
		w.FillEntries(t, a)
		tok, err := s.CreateToken(ctx, nil, a.Updater.ID, store.TokenExpiry{}, store.Meta{})
		if err != nil {
			t.Fatal(err)
		}
		caller, err := s.Authenticate(ctx, tok.Token)
		if err != nil {
			t.Fatal(err)
		}
		fire := func(ev workflow.Event) error {
			_, err := s.Transition(ctx, caller, a.ReportID, workflow.TransitionRequest{Event: ev}, nil, store.Meta{})
			return err
		}
		if err := fire(workflow.EventComplete); err != nil {
			t.Fatalf("complete with a valid token: %v", err)
		}
		if err := s.RevokeToken(ctx, nil, tok.ID, store.Meta{}); err != nil {
			t.Fatal(err)
		}
		before := snapshot(t, s, a.ReportID)
		wantCode(t, fire(workflow.EventReopen), workflow.EUNAUTHORIZED) // the header is cached
		unchanged(t, s, a.ReportID, before, "a reopen with a revoked token")

		// A credential whose grant is gone is refused the same way: a cached
		// caller carrying another updater's token, which holds no grant on
		// this report.
		other, err := s.CreateToken(ctx, nil, w.Dept2.Updater.ID, store.TokenExpiry{}, store.Meta{})
		if err != nil {
			t.Fatal(err)
		}
		otherCaller, err := s.Authenticate(ctx, other.Token)
		if err != nil {
			t.Fatal(err)
		}
		stale := *a.Updater
		stale.TokenID = otherCaller.TokenID
		_, err = s.Transition(ctx, &stale, a.ReportID, workflow.TransitionRequest{Event: workflow.EventReopen}, nil, store.Meta{})
		wantCode(t, err, workflow.ENOTFOUND) // decided afresh as the token's own user
		unchanged(t, s, a.ReportID, before, "a reopen under a token without the grant")
	})
}

// A signed summary read its report in its transaction; if the deadline's
// lock commits before it writes, it is refused rather than recorded on a
// locked report. (PostgreSQL only: on SQLite every writer holds the database
// for its whole transaction, so nothing can commit in between.)
func TestSignedSummaryRefusedOnReportLockedMeanwhile(t *testing.T) {
	if len(storetest.Dialects(t)) < 2 {
		t.Skip("needs PostgreSQL")
	}
	clock, s1, s2 := replicas(t, store.Postgres)
	w := storetest.NewWorld(t, s1, clock)
	a := w.Dept
	w.FillEntries(t, a)
	w.Fire(t, a.Updater, a, workflow.EventComplete, "")
	w.Fire(t, a.Approver, a, workflow.EventApprove, "")
	version := w.Report(t, a).Version

	store.SetBeforeWrite(s1, func() {
		store.SetBeforeWrite(s1, nil)
		clock.Set(w.Campaign.ClosesAt)
		if _, err := s2.LockDue(ctx); err != nil {
			t.Errorf("lock: %v", err)
		}
	})
	clock.Set(w.Campaign.ClosesAt.Add(-time.Second))
	ss := &store.SignedSummary{Filename: "Bảng tổng hợp.pdf", Size: 1, SHA256: strings.Repeat("ab", 32), Signature: json.RawMessage(storetest.ValidSignature)}
	wantCode(t, s1.AddSignedSummary(ctx, a.Approver, a.ReportID, ss, version, true, store.Meta{}), workflow.ECONFLICT)
	var n int
	if err := s1.DB().Get(&n, s1.DB().Rebind(`SELECT COUNT(*) FROM signed_summaries WHERE report_id = ?`), a.ReportID); err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("%d signed summaries recorded on a report locked meanwhile", n)
	}
	if r := w.Report(t, a); r.State != workflow.StateLocked {
		t.Fatalf("state %s, want locked", r.State)
	}
}

// The entries a replica saw are cached with the report: an entry cleared on
// the other replica is not complete on the first one's say-so.
func TestCompleteStaleEntriesAcrossReplicas(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		t.Parallel()
		clock, s1, s2 := replicas(t, dialect)
		w := storetest.NewWorld(t, s1, clock) // fills and caches through s1
		a := w.Dept
		w.FillEntries(t, a)
		if _, _, err := s2.PutEntry(ctx, a.Updater, a.ReportID, "1.3", workflow.EntryValue{}, nil, store.Meta{}); err != nil {
			t.Fatal(err)
		}
		_, err := s1.Transition(ctx, a.Updater, a.ReportID, workflow.TransitionRequest{Event: workflow.EventComplete}, nil, store.Meta{})
		wantCode(t, err, workflow.EINVALID)
		if e, ok := err.(*workflow.Error); !ok || len(e.Fields) != 1 || e.Fields[0].Field != "entries/1.3" {
			t.Fatalf("refusal %v: want it to name entries/1.3 alone", err)
		}
		if r := w.Report(t, a); r.State != workflow.StateDraft {
			t.Fatalf("state %s, want draft", r.State)
		}
		// Filled again on s2, complete on s1 succeeds.
		w2 := *w
		w2.Store = s2
		w2.Put(t, a, "1.3", "1.5", "Đã kiểm tra")
		if _, err := s1.Transition(ctx, a.Updater, a.ReportID, workflow.TransitionRequest{Event: workflow.EventComplete}, nil, store.Meta{}); err != nil {
			t.Fatalf("complete after the entry was filled on the other replica: %v", err)
		}
	})
}

// A replica that cached a valid signed summary does not sign on it once the
// other replica recorded a newer, unsigned one.
func TestSignStaleSummaryAcrossReplicas(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		t.Parallel()
		clock, s1, s2 := replicas(t, dialect)
		w := storetest.NewWorld(t, s1, clock)
		a := w.Dept
		w.FillEntries(t, a)
		w.Fire(t, a.Updater, a, workflow.EventComplete, "")
		w.Fire(t, a.Approver, a, workflow.EventApprove, "")
		w.AttachSignedSummary(t, a) // through s1, which caches its verdict
		r := w.Report(t, a)
		unsigned := &store.SignedSummary{Filename: "bản chưa ký.pdf", Size: 1, SHA256: strings.Repeat("ef", 32),
			Signature: json.RawMessage(`{"present":false,"valid":false,"covers_file":false}`)}
		if err := s2.AddSignedSummary(ctx, a.Approver, a.ReportID, unsigned, r.Version, true, store.Meta{}); err != nil {
			t.Fatal(err)
		}
		_, err := s1.Transition(ctx, a.Approver, a.ReportID, workflow.TransitionRequest{Event: workflow.EventSign}, nil, store.Meta{})
		wantCode(t, err, workflow.EINVALID)
		if !strings.Contains(err.Error(), "bản chưa ký.pdf") {
			t.Fatalf("refused for another file: %v", err)
		}
		if got := w.Report(t, a); got.State != workflow.StateReviewed {
			t.Fatalf("state %s, want reviewed", got.State)
		}
	})
}
