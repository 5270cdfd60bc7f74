package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"

	"parindex/store"
)

// faultLoad plays return/complete ping-pong on a few reports from many
// goroutines at once: several workers per report, each firing complete as the
// updater and then return as the approver, so that every answer is 200 or a
// lost race (409), and every 200 is a transition the database must keep. Each
// request carries its own X-Request-Id, which the history row records beside
// the server's (client_request_id).
type faultLoad struct {
	base    string
	reports []faultReport
	workers int
	// phase is the test's stage (the fault not yet, under way, over), read as
	// each request is sent and as its answer arrives.
	phase atomic.Int32
	// onResult, when set, sees every result as it comes, on the worker's
	// goroutine; it must be safe for concurrent use.
	onResult func(faultResult)

	stop    chan struct{}
	wg      sync.WaitGroup
	mu      sync.Mutex
	results []faultResult
}

// faultResult is one transition request and what became of it.
type faultResult struct {
	worker    int
	report    int64
	event     string
	requestID string
	sent, got int32 // the phase when it was sent and when it was answered
	faultResponse
	// state and version are the 200 answer's.
	state   string
	version int64
}

func newFaultLoad(base string, reports []faultReport, workers int) *faultLoad {
	return &faultLoad{base: base, reports: reports, workers: workers, stop: make(chan struct{})}
}

func (l *faultLoad) start() {
	for w := range l.workers {
		l.wg.Go(func() { l.work(w) })
	}
}

// halt stops the workers and waits for them.
func (l *faultLoad) halt() {
	close(l.stop)
	l.wg.Wait()
}

func (l *faultLoad) work(w int) {
	r := l.reports[w%len(l.reports)]
	for i := 0; ; i++ {
		select {
		case <-l.stop:
			return
		default:
		}
		res := faultResult{worker: w, report: r.id, event: "complete", requestID: fmt.Sprintf("fault-w%d-%d", w, i)}
		token, body := r.updater, `{"event":"complete"}`
		if i%2 == 1 {
			res.event, token, body = "return", r.approver, `{"event":"return","reason":"Bổ sung giải trình (kiểm thử lỗi)"}`
		}
		res.sent = l.phase.Load()
		res.faultResponse = faultDo("POST", fmt.Sprintf("%s/api/v1/reports/%d/transitions", l.base, r.id),
			token, res.requestID, "application/json", []byte(body))
		res.got = l.phase.Load()
		if res.Status == 200 {
			var out struct {
				State   string `json:"state"`
				Version int64  `json:"version"`
			}
			if err := json.Unmarshal(res.Body, &out); err != nil || out.Version == 0 {
				res.err = fmt.Errorf("200 with body %q: %v", res.Body, err)
			}
			res.state, res.version = out.State, out.Version
		}
		if l.onResult != nil {
			l.onResult(res)
		}
		l.mu.Lock()
		l.results = append(l.results, res)
		l.mu.Unlock()
	}
}

// answered lists the transitions answered 200; call it after halt.
func (l *faultLoad) answered() []faultResult {
	var out []faultResult
	for _, r := range l.results {
		if r.err == nil && r.Status == 200 {
			out = append(out, r)
		}
	}
	return out
}

// summary counts the answers by phase and status, for the log.
func (l *faultLoad) summary() string {
	type key struct{ sent, got, status int32 } // status -1: no answer
	counts := map[key]int{}
	for _, r := range l.results {
		k := key{r.sent, r.got, int32(r.Status)}
		if r.err != nil {
			k.status = -1
		}
		counts[k]++
	}
	keys := slices.SortedFunc(maps.Keys(counts), func(a, b key) int {
		return cmp.Or(cmp.Compare(a.sent, b.sent), cmp.Compare(a.got, b.got), cmp.Compare(a.status, b.status))
	})
	out := fmt.Sprintf("%d requests", len(l.results))
	for _, k := range keys {
		status := strconv.Itoa(int(k.status))
		if k.status < 0 {
			status = "no answer"
		}
		out += fmt.Sprintf("; phase %d→%d: %s ×%d", k.sent, k.got, status, counts[k])
	}
	return out
}

// faultVerify checks the database behind db against what the service
// answered: each transition answered 200 has exactly one history row (found
// by its request id) with its report, event and resulting state, and the
// report's version is at least the answered one; no version was answered
// twice for a report; and every report's history is one unbroken chain of
// states that ends in the report's state.
func faultVerify(t *testing.T, db string, answered []faultResult) {
	t.Helper()
	ctx := context.Background()
	s, err := store.Open(ctx, db, nil)
	if err != nil {
		t.Fatalf("open %s: %v", db, err)
	}
	defer s.Close()
	var history []struct {
		ID        int64  `db:"id"`
		ReportID  int64  `db:"report_id"`
		Event     string `db:"event"`
		From      string `db:"from_state"`
		To        string `db:"to_state"`
		RequestID string `db:"client_request_id"` // the worker's own X-Request-Id
	}
	if err := s.DB().SelectContext(ctx, &history, `SELECT id, report_id, event, from_state, to_state, client_request_id FROM history ORDER BY id`); err != nil {
		t.Fatalf("read history: %v", err)
	}
	var reports []struct {
		ID      int64  `db:"id"`
		State   string `db:"state"`
		Version int64  `db:"version"`
	}
	if err := s.DB().SelectContext(ctx, &reports, `SELECT id, state, version FROM reports ORDER BY id`); err != nil {
		t.Fatalf("read reports: %v", err)
	}

	type row = struct {
		report          int64
		event, from, to string
	}
	byRequest := map[string][]row{}
	chains := map[int64][]row{}
	for _, h := range history {
		r := row{report: h.ReportID, event: h.Event, from: h.From, to: h.To}
		byRequest[h.RequestID] = append(byRequest[h.RequestID], r)
		chains[h.ReportID] = append(chains[h.ReportID], r)
	}
	version := map[int64]int64{}
	for _, r := range reports {
		version[r.ID] = r.Version
	}
	missing := 0
	versions := map[[2]int64]string{}
	for _, a := range answered {
		rows := byRequest[a.requestID]
		switch {
		case len(rows) == 0:
			missing++
			if missing <= 10 {
				t.Errorf("%s on report %d (request %s) was answered 200 → %s v%d but has no history row", a.event, a.report, a.requestID, a.state, a.version)
			}
		case len(rows) > 1:
			t.Errorf("request %s has %d history rows", a.requestID, len(rows))
		case rows[0].report != a.report || rows[0].event != a.event || rows[0].to != a.state:
			t.Errorf("request %s was answered %s on report %d → %s; its history row says %+v", a.requestID, a.event, a.report, a.state, rows[0])
		}
		if version[a.report] < a.version {
			t.Errorf("report %d is at version %d, but %s was answered with version %d", a.report, version[a.report], a.requestID, a.version)
		}
		key := [2]int64{a.report, a.version}
		if other, dup := versions[key]; dup {
			t.Errorf("report %d: both %s and %s were answered with version %d", a.report, other, a.requestID, a.version)
		}
		versions[key] = a.requestID
	}
	if missing > 0 {
		t.Errorf("%d of %d transitions answered 200 are missing from the history", missing, len(answered))
	}
	for _, r := range reports {
		chain := chains[r.ID]
		if len(chain) == 0 {
			if r.State != "draft" {
				t.Errorf("report %d is %s with no history", r.ID, r.State)
			}
			continue
		}
		for i := 1; i < len(chain); i++ {
			if chain[i].from != chain[i-1].to {
				t.Errorf("report %d: history row %d (%s) starts from %s, the row before ended in %s", r.ID, i, chain[i].event, chain[i].from, chain[i-1].to)
				break
			}
		}
		if last := chain[len(chain)-1]; last.to != r.State {
			t.Errorf("report %d is %s, its last history row (%s) says %s", r.ID, r.State, last.event, last.to)
		}
	}
	t.Logf("verified %d answered transitions against %d history rows of %d reports", len(answered), len(history), len(reports))
}
