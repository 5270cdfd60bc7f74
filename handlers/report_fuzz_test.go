package handlers_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/unicode/norm"

	"parindex/handlers"
	"parindex/internal/testkit"
	"parindex/store"
	"parindex/store/storetest"
	"parindex/workflow"
)

// The fuzz targets here send fuzzed JSON bodies through the whole server to
// a real SQLite store. Every input starts from the same database, put back
// before it, so that it never depends on the inputs before it: an input that
// fails, fails again on its own, and the fuzzer sees the same coverage for
// the same input (the store's code and SQLite's are instrumented too, and
// would otherwise report new coverage wherever the database had grown).

// fuzzEnv is the world a fuzz target's inputs go to, built once in each
// process (each fuzzing worker builds its own) on a database in memory
// (tmpfs), where synchronous=FULL costs nothing: an input never waits on a
// busy disk. Requests are served in process, with no network, and the clock
// stands still at start.
type fuzzEnv struct {
	*env
	dir  string                    // in memory
	live string                    // the database the store has open
	kept map[workflow.State]string // copies of it, by the Dept report's state
	at   workflow.State            // the copy live was last put back from
}

// fuzzTimeout bounds each request of an input, well under the 10 s after
// which Go's fuzzer gives up on a worker: a request that hangs fails its
// input, which is then kept under testdata/fuzz.
const fuzzTimeout = 5 * time.Second

func newFuzzEnv(f *testing.F) *fuzzEnv {
	f.Helper()
	dir := testkit.MemDir(f)
	fe := &fuzzEnv{dir: dir, live: filepath.Join(dir, "live.db"), kept: map[workflow.State]string{}}
	clock := storetest.NewClock(start)
	s := storetest.OpenURL(f, "sqlite:"+fe.live, clock)
	if _, err := s.MigrateUp(context.Background()); err != nil {
		f.Fatalf("migrate up: %v", err)
	}
	// No metrics: they observe durations, which would make the coverage of
	// an input depend on how long it took.
	fe.env = newEnvOn(f, s, clock, func(c *handlers.Config) { c.Metrics = nil })
	fe.client = testkit.InProcess(fe.server, fuzzTimeout)
	// Each caller signs in once now, so that no input writes its token's
	// first use (see written).
	for name := range fe.tokens {
		fe.send(f, req{method: http.MethodGet, path: "/api/v1/me", as: name})
	}
	return fe
}

// keep copies the database as it is now, for the inputs that start with
// the Dept report in state.
func (fe *fuzzEnv) keep(t testing.TB, state workflow.State) {
	t.Helper()
	if got := fe.Report(t, fe.Dept).State; got != state {
		t.Fatalf("keep %s: the report is %s", state, got)
	}
	path := filepath.Join(fe.dir, string(state)+".db")
	if _, err := fe.Store.DB().Exec(`VACUUM INTO ?`, path); err != nil {
		t.Fatalf("keep %s: %v", state, err)
	}
	fe.kept[state] = path
}

// startAt returns the Dept agency with its report in state, the database
// as it was kept for state: put back unless the last input started there
// and wrote nothing (most inputs are refused). The file is copied while
// the store has no connection open, so the input's queries run on a new
// connection. The store's decision cache, which outlives the file, is then
// made to read the report afresh, as it would after a failed decision, so
// that it holds what the file holds.
func (fe *fuzzEnv) startAt(t *testing.T, state workflow.State) *storetest.Agency {
	t.Helper()
	if state == fe.at && !fe.written(t) {
		return fe.Dept
	}
	db := fe.Store.DB()
	idle := db.Stats().MaxOpenConnections // the store keeps as many idle as it may open
	db.SetMaxIdleConns(0)                 // closes the idle ones
	if n := db.Stats().OpenConnections; n != 0 {
		t.Fatalf("%d database connections still open between inputs", n)
	}
	data, err := os.ReadFile(fe.kept[state])
	for _, suffix := range []string{"-wal", "-shm"} {
		if err == nil {
			if err = os.Remove(fe.live + suffix); errors.Is(err, fs.ErrNotExist) {
				err = nil
			}
		}
	}
	if err == nil {
		err = os.WriteFile(fe.live, data, 0o600)
	}
	db.SetMaxIdleConns(idle)
	if err != nil {
		t.Fatalf("put back the database of %s: %v", state, err)
	}
	_, err = fe.Store.Transition(context.Background(), fe.Admin, fe.Dept.ReportID, workflow.TransitionRequest{Event: "prime"}, nil, store.Meta{})
	if workflow.ErrorCode(err) != workflow.EINVALID {
		t.Fatalf("an unknown event to read the report afresh: %v, want %s", err, workflow.EINVALID)
	}
	fe.at = state
	return fe.Dept
}

// written reports whether anything was written to the database since it
// was put back: SQLite writes every change to the WAL first.
func (fe *fuzzEnv) written(t *testing.T) bool {
	t.Helper()
	st, err := os.Stat(fe.live + "-wal")
	if errors.Is(err, fs.ErrNotExist) {
		return false
	} else if err != nil {
		t.Fatal(err)
	}
	return st.Size() > 0
}

// fuzzSnap is what a refused write must leave alone: the report with its
// entries and totals, and how many history rows and revisions it has.
type fuzzSnap struct {
	Report    *workflow.Report
	History   int
	Revisions int
}

func (e *env) fuzzSnap(t testing.TB, reportID int64) fuzzSnap {
	t.Helper()
	r, err := e.Store.GetReport(context.Background(), e.Admin, reportID)
	if err != nil {
		t.Fatalf("get report %d: %v", reportID, err)
	}
	return fuzzSnap{
		Report:    r,
		History:   storetest.Count(t, e.Store, `SELECT COUNT(*) FROM history WHERE report_id = ?`, reportID),
		Revisions: storetest.Count(t, e.Store, `SELECT COUNT(*) FROM entry_revisions WHERE report_id = ?`, reportID),
	}
}

// checkRefusal fails unless res is a 2xx, or a 4xx problem document with a
// title that left the report as it was. It reports whether res is a 2xx.
func (e *env) checkRefusal(t *testing.T, res *resp, before fuzzSnap) bool {
	t.Helper()
	if res.status >= 500 {
		t.Fatalf("server error: %s", res)
	}
	if res.status < 300 {
		return true
	}
	if ct := res.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("%s: Content-Type %q, want application/problem+json", res, ct)
	}
	var p problem
	if err := json.Unmarshal(res.body, &p); err != nil || p.Title == "" || p.Status != res.status {
		t.Fatalf("%s: not a problem document with a title (%v)", res, err)
	}
	if after := e.fuzzSnap(t, before.Report.ID); !reflect.DeepEqual(before, after) {
		b, _ := json.Marshal(before)
		a, _ := json.Marshal(after)
		t.Fatalf("%s changed the report:\nbefore %s\nafter  %s", res, b, a)
	}
	return false
}

// checkTotals fails unless the report's totals are the sums of its entries.
func checkTotals(t *testing.T, r *workflow.Report) {
	t.Helper()
	var self, maxTotal workflow.Points
	for _, en := range r.Entries {
		if en.Exempt {
			continue
		}
		maxTotal += en.MaxPoints
		if en.SelfScore != nil {
			self += *en.SelfScore
		}
	}
	if self != r.SelfTotal || maxTotal != r.MaxTotal {
		t.Fatalf("totals %s / %s, entries add up to %s / %s", r.SelfTotal, r.MaxTotal, self, maxTotal)
	}
}

// FuzzEntryPut sends any body, criterion code and If-Match to
// PUT /reports/{id}/entries/{code} as the agency's updater, on a draft report.
// Never a 5xx; a refusal is a problem document that changed nothing; a 2xx
// wrote exactly that entry (one revision, version + 1, text in NFC without
// NUL, which PostgreSQL refuses) and the
// totals still add up.
func FuzzEntryPut(f *testing.F) {
	e := newFuzzEnv(f)
	// One entry written already, so that a PUT may replace one as well as
	// write the first value of another.
	e.Put(f, e.Dept, "1.1.2", "0.5", "Hoàn thành một nửa kế hoạch")
	e.keep(f, workflow.StateDraft)
	for _, s := range []struct {
		code, body string
		match      uint8
	}{
		{"1.1.1", `{"self_score": 1, "explanation": "Đã thực hiện đầy đủ, đúng hạn."}`, 0},
		{"1.1.2", `{"self_score": 0.5, "explanation": "` + norm.NFD.String("Hoàn thành 90% kế hoạch") + `"}`, 1},
		{"1.2", `{"self_score": null, "explanation": ""}`, 0},
		{"1.1.1", `{"self_score": 0.125, "explanation": "ba chữ số thập phân"}`, 0},
		{"1.1.1", `{"self_score": 99999999999999999999999, "explanation": "x"}`, 0},
		{"1.1.1", `{"self_score": 1e2, "explanation": "x"}`, 0},
		{"1.1.1", `{"self_score": -0.00, "explanation": " \u00a0 "}`, 2},
		{"1.1.1", `{"self_score": 1, "explanation": "x"}`, 3},
		{"1.1", `{"self_score": 1}`, 0},
		{"1.5", `{"self_score": 1}`, 0},
		{"9.9.9", `{"self_score": 1}`, 0},
		{"1.1.1", `{"self_score": "1"}`, 0},
		{"1.1.1", `{"self_score": [1], "explanation": {"a": [[[[[]]]]]}}`, 0},
		{"1.1.1", `{"self_score": 1, "explanation": "x", "evidence": 1}`, 0},
		{"1.1.1", `{"self_score": 1} {}`, 0},
		{"1.1.1", "\ufeff" + `{"self_score": 1}`, 0},
		{"1.1.1", `{"self_score": 1, "explanation": "\u0000\ud800"}`, 0},
		{"1.1.1", ``, 0},
		{"", `{"self_score": 1}`, 0},
		{"1.1.1 ", `{"self_score": 0.25}`, 0},
	} {
		f.Add(s.code, []byte(s.body), s.match)
	}
	f.Fuzz(func(t *testing.T, code string, body []byte, match uint8) {
		a := e.startAt(t, workflow.StateDraft)
		before := e.fuzzSnap(t, a.ReportID)
		r := req{method: http.MethodPut, path: fmt.Sprintf("/api/v1/reports/%d/entries/%s", a.ReportID, url.PathEscape(code)),
			as: "updater", body: string(body), ctype: "application/json"}
		switch match % 4 {
		case 1:
			r.header = map[string]string{"If-Match": etagOf(before.Report.Version)}
		case 2:
			r.header = map[string]string{"If-Match": etagOf(before.Report.Version - 1)}
		case 3:
			r.header = map[string]string{"If-Match": `W/"abc"`}
		}
		_, res := e.send(t, r)
		if !e.checkRefusal(t, res, before) {
			return
		}
		var out struct {
			Code        string           `json:"code"`
			SelfScore   *workflow.Points `json:"self_score"`
			Explanation string           `json:"explanation"`
			Version     int64            `json:"version"`
		}
		decode(t, res, &out)
		after := e.fuzzSnap(t, a.ReportID)
		rb, ra := before.Report, after.Report
		if ra.Version != rb.Version+1 || out.Version != ra.Version || ra.State != rb.State || ra.Round != rb.Round ||
			after.Revisions != before.Revisions+1 || after.History != before.History {
			t.Fatalf("%s: version %d → %d, state %s → %s, revisions %d → %d, history %d → %d", res,
				rb.Version, ra.Version, rb.State, ra.State, before.Revisions, after.Revisions, before.History, after.History)
		}
		if out.Explanation != workflow.NormalizeText(out.Explanation) || strings.ContainsRune(out.Explanation, 0) {
			t.Fatalf("%s: explanation not trimmed NFC without NUL", res)
		}
		for i, en := range ra.Entries {
			old := rb.Entries[i]
			if en.Code == out.Code {
				old.SelfScore, old.Explanation = out.SelfScore, out.Explanation
			}
			if !reflect.DeepEqual(en, old) {
				t.Fatalf("%s: entry %s is %+v, want %+v", res, en.Code, en, old)
			}
		}
		checkTotals(t, ra)
	})
}

// etagOf is a version as If-Match sends it.
func etagOf(version int64) string { return fmt.Sprintf(`"%d"`, version) }

// fuzzCallers are who fuzzed transitions are sent as, with the role each holds.
var fuzzCallers = []struct {
	name string
	role workflow.Role
}{{"updater", workflow.RoleUpdater}, {"approver", workflow.RoleApprover}, {"council", workflow.RoleCouncil}}

// fuzzStarts are the states a fuzzed transition may start from.
var fuzzStarts = []workflow.State{workflow.StateDraft, workflow.StateEntered, workflow.StateReviewed, workflow.StateSigned, workflow.StateLocked}

// FuzzTransitionCreate sends any body to POST /reports/{id}/transitions as
// the agency's updater or approver or the council, on a report that starts
// in draft, entered, reviewed, signed or locked. Never a 5xx; a refusal is a
// problem document that changed nothing; a 2xx made exactly the move the
// workflow's table allows that caller from that state (one history row,
// version + 1, entries untouched).
func FuzzTransitionCreate(f *testing.F) {
	e := newFuzzEnv(f)
	a := e.Dept
	e.FillEntries(f, a)
	e.keep(f, workflow.StateDraft)
	e.Fire(f, a.Updater, a, workflow.EventComplete, "")
	e.keep(f, workflow.StateEntered)
	e.Fire(f, a.Approver, a, workflow.EventApprove, "")
	e.keep(f, workflow.StateReviewed)
	e.Fire(f, a.Approver, a, workflow.EventSign, "")
	e.keep(f, workflow.StateSigned)
	e.Fire(f, a.Approver, a, workflow.EventReturn, "Trả lại")
	e.lockReport(f, a.ReportID) // locked from draft
	e.keep(f, workflow.StateLocked)
	for _, s := range []struct {
		caller, from uint8
		body         string
	}{
		{0, 0, `{"event": "complete"}`},
		{0, 1, `{"event": "reopen"}`},
		{1, 1, `{"event": "approve"}`},
		{1, 1, `{"event": "return", "reason": "Bổ sung giải trình tiêu chí 1.2"}`},
		{1, 2, `{"event": "return", "reason": "` + norm.NFD.String("Thiếu tài liệu kiểm chứng") + `"}`},
		{1, 2, `{"event": "return", "reason": " \t "}`},
		{1, 2, `{"event": "sign"}`},
		{1, 3, `{"event": "submit"}`},
		{1, 3, `{"event": "return", "reason": "Ký lại"}`},
		{2, 4, `{"event": "extend", "closes_at": "2026-11-25T17:00:00", "reason": "Gia hạn"}`},
		{2, 4, `{"event": "extend", "closes_at": "9999-12-31T23:59:59-23:59", "reason": "Gia hạn"}`},
		{2, 4, `{"event": "extend", "closes_at": "2026-11-25", "reason": "Gia hạn"}`},
		{2, 4, `{"event": "open_round", "closes_at": "2026-11-25T17:00:00+07:00", "criteria": ["1.2", "2.1"], "reason": "Bổ sung"}`},
		{2, 4, `{"event": "open_round", "closes_at": "2026-11-25T17:00:00", "criteria": []}`},
		{2, 4, `{"event": "open_round", "closes_at": "2026-11-25T17:00:00", "criteria": ["1.1", "9.9", "` + norm.NFD.String("1.ế") + `"]}`},
		{0, 0, `{"event": "complete", "criteria": ["1.2"]}`},
		{1, 1, `{"event": "approve", "closes_at": "2026-11-25T17:00:00"}`},
		{0, 0, `{"event": "lock"}`},
		{1, 1, `{"event": "APPROVE"}`},
		{1, 1, `{"event": 1}`},
		{1, 1, `{"event": "approve"} []`},
		{1, 1, `{"event": "approve", "reason": "` + strings.Repeat("dài ", 5000) + `"}`},
		{1, 1, `[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]`},
		{1, 1, ``},
	} {
		f.Add(s.caller, s.from, []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, caller, from uint8, body []byte) {
		c := fuzzCallers[int(caller)%len(fuzzCallers)]
		a := e.startAt(t, fuzzStarts[int(from)%len(fuzzStarts)])
		before := e.fuzzSnap(t, a.ReportID)
		_, res := e.send(t, req{method: http.MethodPost, path: fmt.Sprintf("/api/v1/reports/%d/transitions", a.ReportID),
			as: c.name, body: string(body), ctype: "application/json"})
		if !e.checkRefusal(t, res, before) {
			return
		}
		var in struct {
			Event workflow.Event `json:"event"`
		}
		var out struct {
			State   workflow.State `json:"state"`
			Round   int            `json:"round"`
			Version int64          `json:"version"`
		}
		if err := json.Unmarshal(body, &in); err != nil {
			t.Fatalf("%s accepted a body that is not JSON: %q", res, body)
		}
		decode(t, res, &out)
		after := e.fuzzSnap(t, a.ReportID)
		rb, ra := before.Report, after.Report
		tr := transitionOf(in.Event)
		switch {
		case tr == nil:
			t.Fatalf("%s: unknown event %q accepted", res, in.Event)
		case !slices.Contains(tr.From, rb.State) || !slices.Contains(tr.Roles, c.role):
			t.Fatalf("%s: %s by %s from %s is not in the workflow", res, in.Event, c.role, rb.State)
		case tr.Restores && ra.State != rb.LockedFrom, !tr.Restores && ra.State != tr.To:
			t.Fatalf("%s: %s from %s (locked from %q) went to %s", res, in.Event, rb.State, rb.LockedFrom, ra.State)
		case tr.NextRound && ra.Round != rb.Round+1, !tr.NextRound && ra.Round != rb.Round:
			t.Fatalf("%s: round %d → %d", res, rb.Round, ra.Round)
		case ra.Version != rb.Version+1 || out.Version != ra.Version || out.State != ra.State || out.Round != ra.Round:
			t.Fatalf("%s: version %d → %d, stored %s round %d", res, rb.Version, ra.Version, ra.State, ra.Round)
		case after.History != before.History+1 || after.Revisions != before.Revisions:
			t.Fatalf("%s: history %d → %d, revisions %d → %d", res, before.History, after.History, before.Revisions, after.Revisions)
		}
		for i, en := range ra.Entries {
			old := rb.Entries[i]
			if en.Code != old.Code || !reflect.DeepEqual(en.SelfScore, old.SelfScore) || en.Explanation != old.Explanation {
				t.Fatalf("%s: entry %+v was %+v", res, en, old)
			}
		}
		checkTotals(t, ra)
	})
}

// transitionOf returns the workflow's row for an event, nil for none.
func transitionOf(ev workflow.Event) *workflow.Transition {
	for i := range workflow.Transitions {
		if workflow.Transitions[i].Event == ev {
			return &workflow.Transitions[i]
		}
	}
	return nil
}

// TestEntryFuzzFound keeps what FuzzEntryPut found as regular cases, on
// every dialect.
func TestEntryFuzzFound(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		// NUL in the explanation: stored on SQLite, 500 on PostgreSQL.
		before := e.snap(t, e.Dept.ReportID)
		_, res := e.send(t, req{method: http.MethodPut, path: fmt.Sprintf("/api/v1/reports/%d/entries/1.1.1", e.Dept.ReportID), as: "updater",
			body: `{"self_score": 1, "explanation": "Đã thực hiện\u0000"}`})
		wantProblem(t, res, http.StatusUnprocessableEntity, "entries/1.1.1/explanation")
		e.unchanged(t, before)
	})
}

// TestTransitionFuzzFound keeps what FuzzTransitionCreate found as regular
// cases, on every dialect.
func TestTransitionFuzzFound(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		path := fmt.Sprintf("/api/v1/reports/%d/transitions", e.Dept.ReportID)

		// NUL in a reason: stored on SQLite, 500 on PostgreSQL.
		e.FillEntries(t, e.Dept)
		before := e.snap(t, e.Dept.ReportID)
		_, res := e.send(t, req{method: http.MethodPost, path: path, as: "updater", body: `{"event": "complete", "reason": "\u0000"}`})
		wantProblem(t, res, http.StatusUnprocessableEntity, "reason")
		e.unchanged(t, before)

		// A deadline in year 10000 UTC ("-23:59" on the last second of 9999)
		// passed ParseTime, then failed to encode in the outbox: 500.
		e.lockReport(t, e.Dept.ReportID)
		before = e.snap(t, e.Dept.ReportID)
		_, res = e.send(t, req{method: http.MethodPost, path: path, as: "council",
			body: `{"event": "extend", "closes_at": "9999-12-31T23:59:59-23:59", "reason": "Gia hạn"}`})
		wantProblem(t, res, http.StatusUnprocessableEntity, "closes_at")
		e.unchanged(t, before)

		// The same NUL in an open_round's reason, which is the round's note.
		_, res = e.send(t, req{method: http.MethodPost, path: path, as: "council",
			body: `{"event": "open_round", "closes_at": "2026-11-25T17:00:00", "reason": "Bổ sung\u0000"}`})
		wantProblem(t, res, http.StatusUnprocessableEntity, "reason")
		e.unchanged(t, before)
	})
}
