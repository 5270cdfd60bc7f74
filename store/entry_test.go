package store_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"

	"parindex/store"
	"parindex/store/storetest"
	"parindex/workflow"
)

func TestPutEntry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		t.Parallel()
		w := newWorld(t, dialect)
		s, a := w.Store, w.Dept
		v0 := w.Report(t, a).Version

		// First write of a leaf: score and explanation, version + 1.
		entry, version, err := s.PutEntry(ctx, a.Updater, a.ReportID, "1.1.1",
			workflow.EntryValue{SelfScore: pts(t, "0.75"), Explanation: "Kế hoạch số 12/KH-STP"}, nil, store.Meta{RequestID: "req-1"})
		if err != nil {
			t.Fatal(err)
		}
		if version != v0+1 || entry.Code != "1.1.1" || *entry.SelfScore != 75 || entry.Explanation != "Kế hoạch số 12/KH-STP" {
			t.Fatalf("put = %+v version %d, want 0.75 at version %d", entry, version, v0+1)
		}
		t1 := w.Clock.Now()

		// A second write an hour later, matching If-Match.
		w.Clock.Add(time.Hour)
		_, version, err = s.PutEntry(ctx, a.Updater, a.ReportID, "1.1.1",
			workflow.EntryValue{SelfScore: pts(t, "1"), Explanation: nfd("Đã ban hành đúng hạn")}, &version, store.Meta{RequestID: "req-2"})
		if err != nil {
			t.Fatal(err)
		}
		if version != v0+2 {
			t.Fatalf("version %d, want %d", version, v0+2)
		}
		t2 := w.Clock.Now()

		// null clears the score, the explanation stays.
		w.Clock.Add(time.Minute)
		_, version, err = s.PutEntry(ctx, a.Updater, a.ReportID, "1.1.1",
			workflow.EntryValue{SelfScore: nil, Explanation: "Đã ban hành đúng hạn"}, nil, store.Meta{})
		if err != nil {
			t.Fatal(err)
		}
		t3 := w.Clock.Now()

		r, err := s.GetReport(ctx, a.Updater, a.ReportID)
		if err != nil {
			t.Fatal(err)
		}
		if r.Version != v0+3 || version != v0+3 {
			t.Fatalf("version %d (returned %d), want %d: each write raises it by one", r.Version, version, v0+3)
		}
		e := entryOf(t, r, "1.1.1")
		if e.SelfScore != nil || e.Explanation != "Đã ban hành đúng hạn" {
			t.Fatalf("entry = %+v, want a cleared score and the NFC explanation", e)
		}
		if n := count(t, s, `SELECT COUNT(*) FROM entries WHERE report_id = ? AND code = ? AND self_score IS NULL`, a.ReportID, "1.1.1"); n != 1 {
			t.Fatal("the cleared score is not NULL in the database")
		}
		if r.SelfTotal != 0 {
			t.Fatalf("self_total %s after clearing the only score", r.SelfTotal)
		}

		revs, err := s.Revisions(ctx, a.Updater, a.ReportID, "1.1.1")
		if err != nil {
			t.Fatal(err)
		}
		actor := &store.Actor{ID: a.Updater.ID, Email: a.Updater.Email}
		want := []store.Revision{
			{Code: "1.1.1", Round: 0, At: t1, Actor: actor, OldScore: nil, NewScore: pts(t, "0.75"), OldExplanation: "", NewExplanation: "Kế hoạch số 12/KH-STP"},
			{Code: "1.1.1", Round: 0, At: t2, Actor: actor, OldScore: pts(t, "0.75"), NewScore: pts(t, "1"), OldExplanation: "Kế hoạch số 12/KH-STP", NewExplanation: "Đã ban hành đúng hạn"},
			{Code: "1.1.1", Round: 0, At: t3, Actor: actor, OldScore: pts(t, "1"), NewScore: nil, OldExplanation: "Đã ban hành đúng hạn", NewExplanation: "Đã ban hành đúng hạn"},
		}
		if !reflect.DeepEqual(revs, want) {
			t.Fatalf("revisions:\n got %s\nwant %s", revString(revs), revString(want))
		}
		if all, err := s.Revisions(ctx, w.Council, a.ReportID, ""); err != nil || !reflect.DeepEqual(all, want) {
			t.Fatalf("all revisions read by the council: %s, %v", revString(all), err)
		}
		_, err = s.Revisions(ctx, w.Dept2.Updater, a.ReportID, "1.1.1")
		wantCode(t, err, workflow.ENOTFOUND)
		if n := count(t, s, `SELECT COUNT(*) FROM entry_revisions WHERE report_id = ? AND request_id = ?`, a.ReportID, "req-2"); n != 1 {
			t.Fatal("the request id is not on the revision")
		}

		t.Run("decomposed input is stored NFC", func(t *testing.T) {
			raw := nfd("  Báo cáo quý, 6 tháng, năm đầy đủ  ")
			_, _, err := s.PutEntry(ctx, a.Updater, a.ReportID, "1.2", workflow.EntryValue{SelfScore: pts(t, "1"), Explanation: raw}, nil, store.Meta{})
			if err != nil {
				t.Fatal(err)
			}
			var stored string
			if err := s.DB().Get(&stored, s.DB().Rebind(`SELECT explanation FROM entries WHERE report_id = ? AND code = ?`), a.ReportID, "1.2"); err != nil {
				t.Fatal(err)
			}
			if stored != "Báo cáo quý, 6 tháng, năm đầy đủ" || !norm.NFC.IsNormalString(stored) {
				t.Fatalf("stored %q (%d bytes), want the trimmed NFC text", stored, len(stored))
			}
			revs, _ := s.Revisions(ctx, a.Updater, a.ReportID, "1.2")
			if len(revs) != 1 || revs[0].NewExplanation != stored {
				t.Fatalf("revision %+v", revs)
			}
		})

		t.Run("others' entries are untouched", func(t *testing.T) {
			if n := count(t, s, `SELECT COUNT(*) FROM entries WHERE report_id <> ?`, a.ReportID); n != 0 {
				t.Fatalf("%d entries on other reports", n)
			}
			if v := w.Report(t, w.Dept2).Version; v != 1 {
				t.Fatalf("another report's version moved to %d", v)
			}
		})
	})
}

func entryOf(t testing.TB, r *workflow.Report, code string) workflow.Entry {
	t.Helper()
	for _, e := range r.Entries {
		if e.Code == code {
			return e
		}
	}
	t.Fatalf("report %d has no entry %s", r.ID, code)
	return workflow.Entry{}
}

func revString(revs []store.Revision) string {
	var b strings.Builder
	for _, r := range revs {
		actor := "system"
		if r.Actor != nil {
			actor = r.Actor.Email
		}
		fmt.Fprintf(&b, "\n  %s round %d at %s by %s: %s → %s / %q → %q", r.Code, r.Round, r.At.Format(time.RFC3339Nano), actor,
			pointsString(r.OldScore), pointsString(r.NewScore), r.OldExplanation, r.NewExplanation)
	}
	return b.String()
}

func pointsString(p *workflow.Points) string {
	if p == nil {
		return "null"
	}
	return p.String()
}

// TestPutEntryRefusals checks every refusal of an entry write, and the order
// the API promises when several apply; none of them changes anything.
func TestPutEntryRefusals(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		t.Parallel()
		w := newWorld(t, dialect)
		s, a := w.Store, w.Dept
		w.Put(t, a, "1.1.1", "0.5", "Kế hoạch")
		version := w.Report(t, a).Version
		stale := version - 1
		good := workflow.EntryValue{SelfScore: pts(t, "1"), Explanation: "Đúng hạn"}
		closes := w.Campaign.ClosesAt

		cases := []struct {
			name    string
			u       *workflow.User
			report  int64
			code    string
			value   workflow.EntryValue
			ifMatch *int64
			at      time.Time // zero: inside the window
			want    string
		}{
			{"no such report", a.Updater, w.District.ReportID + 1000, "1.1.1", good, nil, time.Time{}, workflow.ENOTFOUND},
			{"other agency's updater", w.Dept2.Updater, a.ReportID, "1.1.1", good, nil, time.Time{}, workflow.ENOTFOUND},
			{"district updater", w.District.Updater, a.ReportID, "1.1.1", good, nil, time.Time{}, workflow.ENOTFOUND},
			{"approver of the agency", a.Approver, a.ReportID, "1.1.1", good, nil, time.Time{}, workflow.EFORBIDDEN},
			{"council", w.Council, a.ReportID, "1.1.1", good, nil, time.Time{}, workflow.EFORBIDDEN},
			{"admin", w.Admin, a.ReportID, "1.1.1", good, nil, time.Time{}, workflow.EFORBIDDEN},
			{"unknown code", a.Updater, a.ReportID, "9.9.9", good, nil, time.Time{}, workflow.ENOTFOUND},
			{"a field", a.Updater, a.ReportID, "1", good, nil, time.Time{}, workflow.EINVALID},
			{"a criterion with children", a.Updater, a.ReportID, "1.1", good, nil, time.Time{}, workflow.EINVALID},
			{"council-scored leaf", a.Updater, a.ReportID, "1.5", good, nil, time.Time{}, workflow.EINVALID},
			{"survey leaf", a.Updater, a.ReportID, "8.1", good, nil, time.Time{}, workflow.EINVALID},
			{"system leaf", a.Updater, a.ReportID, "3.3", good, nil, time.Time{}, workflow.EINVALID},
			{"above max", a.Updater, a.ReportID, "1.1.1", workflow.EntryValue{SelfScore: pts(t, "1.25")}, nil, time.Time{}, workflow.EINVALID},
			{"negative", a.Updater, a.ReportID, "1.1.1", workflow.EntryValue{SelfScore: pts(t, "-0.25")}, nil, time.Time{}, workflow.EINVALID},
			{"off step", a.Updater, a.ReportID, "1.3", workflow.EntryValue{SelfScore: pts(t, "0.1")}, nil, time.Time{}, workflow.EINVALID},
			{"unreadable value", a.Updater, a.ReportID, "1.3", workflow.EntryValue{Invalid: workflow.Errorf(workflow.EINVALID, "%q không phải số điểm hợp lệ: dùng dấu chấm thập phân, tối đa hai chữ số thập phân, ví dụ 0.25.", "0.125")}, nil, time.Time{}, workflow.EINVALID},
			{"stale If-Match", a.Updater, a.ReportID, "1.1.1", good, &stale, time.Time{}, workflow.EPRECONDITION},
			{"window closed", a.Updater, a.ReportID, "1.1.1", good, nil, closes, workflow.ELOCKED},

			// When several apply, the API's order decides.
			{"other agency beats role", w.Dept2.Approver, a.ReportID, "9.9.9", good, nil, closes, workflow.ENOTFOUND},
			{"role beats unknown code", a.Approver, a.ReportID, "9.9.9", good, nil, closes, workflow.EFORBIDDEN},
			{"unknown code beats If-Match", a.Updater, a.ReportID, "9.9.9", good, &stale, closes, workflow.ENOTFOUND},
			{"If-Match beats window", a.Updater, a.ReportID, "1.1.1", good, &stale, closes, workflow.EPRECONDITION},
			{"window beats leaf rules", a.Updater, a.ReportID, "1.5", workflow.EntryValue{SelfScore: pts(t, "9")}, nil, closes, workflow.ELOCKED},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				before := snapshot(t, s, a.ReportID)
				if !tc.at.IsZero() {
					w.Clock.Set(tc.at)
					defer w.Clock.Set(start)
				}
				_, _, err := s.PutEntry(ctx, tc.u, tc.report, tc.code, tc.value, tc.ifMatch, store.Meta{})
				wantCode(t, err, tc.want)
				unchanged(t, s, a.ReportID, before, tc.name)
			})
		}

		t.Run("field names", func(t *testing.T) {
			_, _, err := s.PutEntry(ctx, a.Updater, a.ReportID, "1.1.1", workflow.EntryValue{SelfScore: pts(t, "2")}, nil, store.Meta{})
			if f := fieldNames(err); !reflect.DeepEqual(f, []string{"entries/1.1.1/self_score"}) {
				t.Fatalf("fields = %q", f)
			}
			_, _, err = s.PutEntry(ctx, a.Updater, a.ReportID, "1.5", good, nil, store.Meta{})
			if f := fieldNames(err); !reflect.DeepEqual(f, []string{"entries/1.5"}) {
				t.Fatalf("fields = %q", f)
			}
		})

		// Outside draft: 409, but a closed window still answers 423 first and
		// a bad score comes after the state.
		t.Run("not in draft", func(t *testing.T) {
			w.FillEntries(t, a)
			w.Fire(t, a.Updater, a, workflow.EventComplete, "")
			before := snapshot(t, s, a.ReportID)
			_, _, err := s.PutEntry(ctx, a.Updater, a.ReportID, "1.1.1", good, nil, store.Meta{})
			wantCode(t, err, workflow.ECONFLICT)
			_, _, err = s.PutEntry(ctx, a.Updater, a.ReportID, "1.1.1", workflow.EntryValue{SelfScore: pts(t, "5")}, nil, store.Meta{})
			wantCode(t, err, workflow.ECONFLICT)
			w.Clock.Set(closes)
			_, _, err = s.PutEntry(ctx, a.Updater, a.ReportID, "1.1.1", good, nil, store.Meta{})
			wantCode(t, err, workflow.ELOCKED)
			w.Clock.Set(start)
			unchanged(t, s, a.ReportID, before, "writes outside draft")
		})
	})
}

// TestPatchEntry: a PATCH changes only the fields it sets, on the entry as
// it is, with the same checks and revision as PUT; PUT stays a full replace.
func TestPatchEntry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		t.Parallel()
		w := newWorld(t, dialect)
		s, a := w.Store, w.Dept
		w.Put(t, a, "1.1.1", "0.75", "Kế hoạch số 12/KH-STP")
		entry := func() workflow.Entry {
			t.Helper()
			r, err := s.GetReport(ctx, a.Updater, a.ReportID)
			if err != nil {
				t.Fatal(err)
			}
			for _, e := range r.Entries {
				if e.Code == "1.1.1" {
					return e
				}
			}
			t.Fatal("no entry 1.1.1")
			return workflow.Entry{}
		}
		patch := func(p store.EntryPatch) error {
			_, _, err := s.PatchEntry(ctx, a.Updater, a.ReportID, "1.1.1", p, nil, store.Meta{})
			return err
		}

		t.Run("fixing the explanation keeps the score", func(t *testing.T) {
			text := "Kế hoạch số 12/KH-STP ngày 05/01/2026"
			if err := patch(store.EntryPatch{Explanation: &text}); err != nil {
				t.Fatal(err)
			}
			if v := entry(); v.SelfScore == nil || *v.SelfScore != 75 || v.Explanation != text {
				t.Fatalf("after patching the explanation: %+v", v)
			}
		})
		t.Run("a score alone keeps the explanation", func(t *testing.T) {
			p := pts(t, "0.5")
			if err := patch(store.EntryPatch{SelfScore: &p}); err != nil {
				t.Fatal(err)
			}
			if v := entry(); v.SelfScore == nil || *v.SelfScore != 50 || v.Explanation != "Kế hoạch số 12/KH-STP ngày 05/01/2026" {
				t.Fatalf("after patching the score: %+v", v)
			}
		})
		t.Run("a score set to nothing clears it", func(t *testing.T) {
			var none *workflow.Points
			if err := patch(store.EntryPatch{SelfScore: &none}); err != nil {
				t.Fatal(err)
			}
			if v := entry(); v.SelfScore != nil || v.Explanation == "" {
				t.Fatalf("after clearing the score: %+v", v)
			}
		})
		t.Run("a bad score changes nothing", func(t *testing.T) {
			before := w.Report(t, a).Version
			p := pts(t, "5")
			err := patch(store.EntryPatch{SelfScore: &p})
			wantCode(t, err, workflow.EINVALID)
			if after := w.Report(t, a).Version; after != before {
				t.Fatalf("a refused patch moved the version %d → %d", before, after)
			}
		})
		t.Run("every patch is a revision", func(t *testing.T) {
			revs, err := s.Revisions(ctx, w.Admin, a.ReportID, "1.1.1")
			if err != nil {
				t.Fatal(err)
			}
			if len(revs) != 4 { // the put and three patches
				t.Fatalf("%d revisions, want 4: %s", len(revs), revString(revs))
			}
		})
		t.Run("PUT without a score replaces the whole entry", func(t *testing.T) {
			w.Put(t, a, "1.1.1", "0.75", "Có điểm")
			w.Put(t, a, "1.1.1", "", "Không gửi điểm")
			if v := entry(); v.SelfScore != nil {
				t.Fatalf("PUT without a score kept %v", *v.SelfScore)
			}
		})
	})
}
