package store_test

import (
	"reflect"
	"testing"
	"time"

	"parindex/store"
	"parindex/store/storetest"
	"parindex/workflow"
)

func openRound(w *storetest.World, u *workflow.User, a *storetest.Agency, rr *workflow.RoundRequest) (*workflow.Report, error) {
	return w.Store.Transition(ctx, u, a.ReportID, workflow.TransitionRequest{Event: workflow.EventOpenRound, Reason: "Bổ sung"}, rr, store.Meta{RequestID: "req-round"})
}

func TestOpenRoundOnReport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		t.Parallel()
		w := newWorld(t, dialect)
		s, a := w.Store, w.Dept
		w.Put(t, a, "1.1.1", "0.5", "Chậm hạn") // a round-0 revision before the final value
		w.Submit(t, a)
		round0 := w.Report(t, a)

		// The council opens the round after the campaign's window closed.
		w.Clock.Set(w.Campaign.ClosesAt.Add(48 * time.Hour))
		now := w.Clock.Now()
		closes := now.Add(72 * time.Hour)

		t.Run("refusals", func(t *testing.T) {
			before := snapshot(t, s, a.ReportID)
			for _, tc := range []struct {
				name string
				u    *workflow.User
				rr   *workflow.RoundRequest
				want string
			}{
				{"no round", w.Council, nil, workflow.EINVALID},
				{"no closes_at", w.Council, &workflow.RoundRequest{}, workflow.EINVALID},
				{"closes_at now", w.Council, &workflow.RoundRequest{ClosesAt: now}, workflow.EINVALID},
				{"closes_at past", w.Council, &workflow.RoundRequest{ClosesAt: now.Add(-time.Hour)}, workflow.EINVALID},
				{"empty criteria", w.Council, &workflow.RoundRequest{ClosesAt: closes, Criteria: []string{}}, workflow.EINVALID},
				{"council-scored criterion", w.Council, &workflow.RoundRequest{ClosesAt: closes, Criteria: []string{"1.1.1", "1.5"}}, workflow.EINVALID},
				{"unknown criterion", w.Council, &workflow.RoundRequest{ClosesAt: closes, Criteria: []string{"9.9"}}, workflow.EINVALID},
				{"admin", w.Admin, &workflow.RoundRequest{ClosesAt: closes}, workflow.EFORBIDDEN},
				{"approver", a.Approver, &workflow.RoundRequest{ClosesAt: closes}, workflow.EFORBIDDEN},
				{"updater", a.Updater, &workflow.RoundRequest{ClosesAt: closes}, workflow.EFORBIDDEN},
			} {
				_, err := openRound(w, tc.u, a, tc.rr)
				if workflow.ErrorCode(err) != tc.want {
					t.Fatalf("%s: %v, want %s", tc.name, err, tc.want)
				}
				unchanged(t, s, a.ReportID, before, tc.name)
			}
			// A report that is not submitted cannot get a round.
			b := w.Dept2
			before = snapshot(t, s, b.ReportID)
			_, err := openRound(w, w.Council, b, &workflow.RoundRequest{ClosesAt: closes})
			wantCode(t, err, workflow.ECONFLICT)
			unchanged(t, s, b.ReportID, before, "open_round on a draft")
		})

		r, err := openRound(w, w.Council, a, &workflow.RoundRequest{ClosesAt: closes, Criteria: []string{"2.1", "1.1.1"}})
		if err != nil {
			t.Fatal(err)
		}
		if r.State != workflow.StateDraft || r.Round != 1 || r.Version != round0.Version+1 {
			t.Fatalf("after open_round: %s round %d version %d", r.State, r.Round, r.Version)
		}
		got := w.Report(t, a)
		if got.State != workflow.StateDraft || got.Round != 1 || !got.OpensAt.Equal(now) || !got.ClosesAt.Equal(closes) {
			t.Fatalf("round 1: %s round %d window [%s, %s), want draft 1 [%s, %s)", got.State, got.Round, got.OpensAt, got.ClosesAt, now, closes)
		}
		if !reflect.DeepEqual(got.RoundCriteria, []string{"2.1", "1.1.1"}) {
			t.Fatalf("round criteria %q", got.RoundCriteria)
		}
		for i, e := range got.Entries {
			if want := e.Code == "1.1.1" || e.Code == "2.1"; e.Editable != want {
				t.Fatalf("entry %s editable=%v in round 1", e.Code, e.Editable)
			}
			// Round 0's values are all still there.
			if old := round0.Entries[i]; !reflect.DeepEqual(e.SelfScore, old.SelfScore) || e.Explanation != old.Explanation {
				t.Fatalf("entry %s changed by open_round: %+v → %+v", e.Code, old, e)
			}
		}
		if got.SelfTotal != round0.SelfTotal || got.SelfTotal == 0 {
			t.Fatalf("self total %s, was %s", got.SelfTotal, round0.SelfTotal)
		}
		h := lastHistory(t, w, a)
		if h.Event != "open_round" || h.From != workflow.StateSubmitted || h.To != workflow.StateDraft || h.Round != 1 ||
			h.Role != workflow.RoleCouncil || h.Actor == nil || h.Actor.ID != w.Council.ID || h.Reason != "Bổ sung" || !h.At.Equal(now) {
			t.Fatalf("history row %s", historyString([]store.HistoryEntry{h}))
		}

		t.Run("only the round's criteria", func(t *testing.T) {
			before := snapshot(t, s, a.ReportID)
			for _, code := range []string{"1.2", "1.1.2", "5.5"} {
				_, _, err := s.PutEntry(ctx, a.Updater, a.ReportID, code, workflow.EntryValue{SelfScore: pts(t, "1"), Explanation: "bổ sung"}, nil, store.Meta{})
				wantCode(t, err, workflow.EINVALID)
			}
			unchanged(t, s, a.ReportID, before, "writes outside the round's criteria")

			w.Clock.Add(time.Hour)
			w.Put(t, a, "1.1.1", "1", "Bổ sung quyết định ban hành kế hoạch")
			revs, err := s.Revisions(ctx, a.Updater, a.ReportID, "1.1.1")
			if err != nil {
				t.Fatal(err)
			}
			var rounds []int
			for _, r := range revs {
				rounds = append(rounds, r.Round)
			}
			if !reflect.DeepEqual(rounds, []int{0, 0, 1}) {
				t.Fatalf("revision rounds %v, want [0 0 1]", rounds)
			}
			last := revs[len(revs)-1]
			if last.OldExplanation != "Giải trình cho tiêu chí 1.1.1" || last.NewExplanation != "Bổ sung quyết định ban hành kế hoạch" || *last.OldScore != 100 {
				t.Fatalf("round-1 revision %s", revString(revs[len(revs)-1:]))
			}
			if n := count(t, s, `SELECT COUNT(*) FROM entries WHERE report_id = ? AND round = 1`, a.ReportID); n != 1 {
				t.Fatalf("%d entries marked round 1, want 1", n)
			}
		})

		t.Run("the round's window", func(t *testing.T) {
			w.Clock.Set(closes)
			_, _, err := s.PutEntry(ctx, a.Updater, a.ReportID, "2.1", workflow.EntryValue{SelfScore: pts(t, "1"), Explanation: "x"}, nil, store.Meta{})
			wantCode(t, err, workflow.ELOCKED)
			wantCode(t, fire(w, a.Updater, a, workflow.EventComplete, ""), workflow.ELOCKED)
			w.Clock.Set(closes.Add(-time.Millisecond))
			w.Put(t, a, "2.1", "1.5", "Bổ sung danh mục văn bản")
			w.Fire(t, a.Updater, a, workflow.EventComplete, "")
			w.Fire(t, a.Approver, a, workflow.EventApprove, "")
			w.Fire(t, a.Approver, a, workflow.EventSign, "")
			w.Fire(t, a.Approver, a, workflow.EventSubmit, "")
			h := lastHistory(t, w, a)
			if h.Event != "submit" || h.Round != 1 || h.To != workflow.StateSubmitted {
				t.Fatalf("history row %s", historyString([]store.HistoryEntry{h}))
			}
		})

		t.Run("all self leaves when criteria are absent", func(t *testing.T) {
			now := w.Clock.Now()
			r, err := openRound(w, w.Council, a, &workflow.RoundRequest{ClosesAt: now.Add(time.Hour)})
			if err != nil {
				t.Fatal(err)
			}
			if r.Round != 2 {
				t.Fatalf("round %d, want 2", r.Round)
			}
			got := w.Report(t, a)
			for _, e := range got.Entries {
				if e.Editable != (e.Method == workflow.MethodSelf) {
					t.Fatalf("entry %s (%s) editable=%v in round 2", e.Code, e.Method, e.Editable)
				}
			}
		})
	})
}

func TestOpenCampaignRound(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		t.Parallel()
		w := newWorld(t, dialect)
		s := w.Store
		w.Submit(t, w.Dept)
		w.Submit(t, w.District)
		walk(t, w, w.Dept2, workflow.StateEntered)
		w.Clock.Set(w.Campaign.ClosesAt.Add(time.Hour))
		now := w.Clock.Now()
		rr := func(agencies ...int64) workflow.RoundRequest {
			return workflow.RoundRequest{OpensAt: now, ClosesAt: now.Add(48 * time.Hour), AgencyIDs: agencies, Note: nfd("Báo cáo bổ sung đợt 1")}
		}

		t.Run("refusals", func(t *testing.T) {
			before := map[int64]string{}
			for _, a := range []*storetest.Agency{w.Dept, w.Dept2, w.District} {
				before[a.ReportID] = snapshot(t, s, a.ReportID)
			}
			for _, tc := range []struct {
				name     string
				u        *workflow.User
				campaign int64
				rr       workflow.RoundRequest
				want     string
			}{
				{"admin", w.Admin, w.Campaign.ID, rr(), workflow.EFORBIDDEN},
				{"approver", w.Dept.Approver, w.Campaign.ID, rr(), workflow.EFORBIDDEN},
				{"unknown agency", w.Council, w.Campaign.ID, rr(w.Dept.ID, w.District.ID+1000), workflow.EINVALID},
				{"closes in the past", w.Council, w.Campaign.ID, workflow.RoundRequest{OpensAt: now.Add(-2 * time.Hour), ClosesAt: now.Add(-time.Hour)}, workflow.EINVALID},
				{"empty criteria", w.Council, w.Campaign.ID, workflow.RoundRequest{OpensAt: now, ClosesAt: now.Add(time.Hour), Criteria: []string{}}, workflow.EINVALID},
				{"unknown campaign", w.Council, w.Campaign.ID + 1000, rr(), workflow.ENOTFOUND},
			} {
				_, err := s.OpenCampaignRound(ctx, tc.u, tc.campaign, tc.rr, store.Meta{})
				if workflow.ErrorCode(err) != tc.want {
					t.Fatalf("%s: %v, want %s", tc.name, err, tc.want)
				}
				for id, b := range before {
					unchanged(t, s, id, b, tc.name)
				}
				if n := count(t, s, `SELECT COUNT(*) FROM campaign_rounds`); n != 0 {
					t.Fatalf("%s: a campaign round was stored", tc.name)
				}
			}
		})

		// Round 1 targets the two departments: one opens, one is skipped;
		// the district, submitted but not targeted, stays as it is.
		res, err := s.OpenCampaignRound(ctx, w.Council, w.Campaign.ID, rr(w.Dept.ID, w.Dept2.ID), store.Meta{RequestID: "req-r1"})
		if err != nil {
			t.Fatal(err)
		}
		want := &store.RoundResult{Number: 1, OpensAt: now, ClosesAt: now.Add(48 * time.Hour), Opened: []int64{w.Dept.ReportID},
			Skipped: []store.SkippedOpen{{ReportID: w.Dept2.ReportID, State: workflow.StateEntered}}}
		if !reflect.DeepEqual(res, want) {
			t.Fatalf("round 1 = %+v, want %+v", res, want)
		}
		for _, tc := range []struct {
			a     *storetest.Agency
			state workflow.State
			round int
		}{{w.Dept, workflow.StateDraft, 1}, {w.Dept2, workflow.StateEntered, 0}, {w.District, workflow.StateSubmitted, 0}} {
			r := w.Report(t, tc.a)
			if r.State != tc.state || r.Round != tc.round {
				t.Fatalf("%s: %s round %d, want %s round %d", tc.a.Code, r.State, r.Round, tc.state, tc.round)
			}
		}
		r := w.Report(t, w.Dept)
		if !r.OpensAt.Equal(now) || !r.ClosesAt.Equal(now.Add(48*time.Hour)) || len(r.RoundCriteria) != 20 {
			t.Fatalf("dept round window [%s, %s) with %d criteria", r.OpensAt, r.ClosesAt, len(r.RoundCriteria))
		}
		h := lastHistory(t, w, w.Dept)
		if h.Event != "open_round" || h.Round != 1 || h.Reason != "Báo cáo bổ sung đợt 1" || h.RequestID != "req-r1" || h.Actor == nil || h.Actor.ID != w.Council.ID {
			t.Fatalf("history row %s", historyString([]store.HistoryEntry{h}))
		}

		// Round 2 targets everyone: only the district is still submitted.
		w.Clock.Add(time.Hour)
		res2, err := s.OpenCampaignRound(ctx, w.Council, w.Campaign.ID, workflow.RoundRequest{OpensAt: w.Clock.Now(), ClosesAt: now.Add(96 * time.Hour),
			Criteria: []string{"1.1.1"}}, store.Meta{})
		if err != nil {
			t.Fatal(err)
		}
		if res2.Number != 2 || !reflect.DeepEqual(res2.Opened, []int64{w.District.ReportID}) ||
			!reflect.DeepEqual(res2.Skipped, []store.SkippedOpen{{w.Dept.ReportID, workflow.StateDraft}, {w.Dept2.ReportID, workflow.StateEntered}}) {
			t.Fatalf("round 2 = %+v", res2)
		}
		if d := w.Report(t, w.District); d.Round != 1 || d.State != workflow.StateDraft || !reflect.DeepEqual(d.RoundCriteria, []string{"1.1.1"}) {
			t.Fatalf("district: %s round %d criteria %q", d.State, d.Round, d.RoundCriteria)
		}

		c, err := s.GetCampaign(ctx, w.Campaign.ID)
		if err != nil {
			t.Fatal(err)
		}
		wantRounds := []workflow.CampaignRound{
			{Number: 1, OpensAt: now, ClosesAt: now.Add(48 * time.Hour), AgencyIDs: []int64{w.Dept.ID}, Criteria: []string{}, Note: "Báo cáo bổ sung đợt 1"},
			{Number: 2, OpensAt: now.Add(time.Hour), ClosesAt: now.Add(96 * time.Hour), AgencyIDs: []int64{w.District.ID}, Criteria: []string{"1.1.1"}, Note: ""},
		}
		if !reflect.DeepEqual(c.Rounds, wantRounds) {
			t.Fatalf("campaign rounds:\n got %+v\nwant %+v", c.Rounds, wantRounds)
		}
	})
}

// TestLockedReport: nothing in the store fires lock yet (the scheduler is
// the system role's), so the test locks the report in SQL as the scheduler
// would: state locked, locked_from, version + 1.
func TestLockedReport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		t.Parallel()
		w := newWorld(t, dialect)
		s, a := w.Store, w.Dept2
		walk(t, w, a, workflow.StateEntered)
		if _, err := s.DB().Exec(s.DB().Rebind(`UPDATE reports SET state = 'locked', locked_from = 'entered', version = version + 1 WHERE id = ?`), a.ReportID); err != nil {
			t.Fatal(err)
		}
		r := w.Report(t, a)
		if r.State != workflow.StateLocked || r.LockedFrom != workflow.StateEntered {
			t.Fatalf("%s locked from %q", r.State, r.LockedFrom)
		}

		before := snapshot(t, s, a.ReportID)
		_, _, err := s.PutEntry(ctx, a.Updater, a.ReportID, "1.1.1", workflow.EntryValue{SelfScore: pts(t, "1"), Explanation: "x"}, nil, store.Meta{})
		wantCode(t, err, workflow.ELOCKED)
		wantCode(t, fire(w, a.Updater, a, workflow.EventReopen, ""), workflow.ELOCKED)
		wantCode(t, fire(w, a.Approver, a, workflow.EventApprove, ""), workflow.ELOCKED)
		_, err = s.SetExemptions(ctx, w.Admin, a.ReportID, []string{"3.1"}, "Theo đề nghị của cơ quan", store.Meta{})
		wantCode(t, err, workflow.ELOCKED) // 423: the report is locked
		unchanged(t, s, a.ReportID, before, "writes to a locked report")

		p, err := s.CampaignProgress(ctx, w.Campaign.ID)
		if err != nil || p.ByState[workflow.StateLocked] != 1 || p.ByState[workflow.StateEntered] != 0 {
			t.Fatalf("progress %+v, %v", p, err)
		}

		// The council gives it a supplementary round.
		res, err := s.OpenCampaignRound(ctx, w.Council, w.Campaign.ID, workflow.RoundRequest{OpensAt: w.Clock.Now(), ClosesAt: w.Clock.Now().Add(time.Hour)}, store.Meta{})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(res.Opened, []int64{a.ReportID}) || len(res.Skipped) != 2 {
			t.Fatalf("round = %+v, want only the locked report opened", res)
		}
		r = w.Report(t, a)
		if r.State != workflow.StateDraft || r.Round != 1 || r.LockedFrom != "" {
			t.Fatalf("after open_round: %s round %d locked from %q", r.State, r.Round, r.LockedFrom)
		}
		if h := lastHistory(t, w, a); h.Event != "open_round" || h.From != workflow.StateLocked || h.To != workflow.StateDraft {
			t.Fatalf("history row %s", historyString([]store.HistoryEntry{h}))
		}
		w.Put(t, a, "1.1.1", "0.5", "Bổ sung")
	})
}
