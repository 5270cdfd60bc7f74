package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"os"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"parindex/store"
)

// recorder collects latencies and errors per operation.
type recorder struct {
	mu    sync.Mutex
	ops   map[string]*opStat
	order []string
	cpu   cpuMeter
}

// opStat is one operation's figures: its latencies, errors, the first error
// seen, and the wall time of the phases it ran in.
type opStat struct {
	lat   []time.Duration
	errs  int
	first string
	wall  time.Duration
	cpu   cpuUse
}

func newRecorder() *recorder { return &recorder{ops: map[string]*opStat{}} }

func (r *recorder) stat(op string) *opStat {
	st, ok := r.ops[op]
	if !ok {
		st = &opStat{}
		r.ops[op] = st
		r.order = append(r.order, op)
	}
	return st
}

func (r *recorder) observe(op string, d time.Duration, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	st := r.stat(op)
	st.lat = append(st.lat, d)
	if err != nil {
		if st.errs == 0 {
			st.first = err.Error()
		}
		st.errs++
	}
}

func (r *recorder) addPhase(op string, d time.Duration, cpu cpuUse) {
	r.mu.Lock()
	defer r.mu.Unlock()
	st := r.stat(op)
	st.wall += d
	st.cpu = st.cpu.add(cpu)
}

// merged is the union of several operations' figures.
func (r *recorder) merged(ops ...string) *opStat {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := &opStat{}
	for _, op := range ops {
		if st, ok := r.ops[op]; ok {
			out.lat = append(out.lat, st.lat...)
			out.errs += st.errs
			out.wall += st.wall
			out.cpu = out.cpu.add(st.cpu)
			if out.first == "" {
				out.first = st.first
			}
		}
	}
	return out
}

// summary is an operation's count, throughput and latency percentiles.
type summary struct {
	N, Errors     int
	PerSecond     float64
	P50, P95, P99 time.Duration
	First         string
	CPU           cpuUse
}

func (st *opStat) summary() summary {
	s := summary{N: len(st.lat), Errors: st.errs, First: st.first, CPU: st.cpu}
	if s.N == 0 {
		return s
	}
	lat := append([]time.Duration(nil), st.lat...)
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	pct := func(p float64) time.Duration { return lat[min(len(lat)-1, int(p*float64(len(lat))))] }
	s.P50, s.P95, s.P99 = pct(0.50), pct(0.95), pct(0.99)
	if st.wall > 0 {
		s.PerSecond = float64(s.N) / st.wall.Seconds()
	}
	return s
}

// benchClient speaks the service's HTTP API and records every call.
type benchClient struct {
	base string
	http *http.Client
	rec  *recorder
}

func newBenchClient(base string, clients int, rec *recorder) *benchClient {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns, tr.MaxIdleConnsPerHost = clients*2, clients*2
	return &benchClient{base: base, http: &http.Client{Transport: tr, Timeout: 2 * time.Minute}, rec: rec}
}

// call sends one request, records it under op and returns the body; an answer
// other than want is an error carrying the problem's title.
func (c *benchClient) call(ctx context.Context, op, method, path, token, contentType string, body []byte, want int) ([]byte, int, error) {
	start := time.Now()
	out, status, err := c.send(ctx, method, path, token, contentType, body)
	if err == nil && status != want {
		err = &answerError{Status: status, msg: fmt.Sprintf("%s %s: %d %s", method, path, status, problemTitle(out))}
	}
	c.rec.observe(op, time.Since(start), err)
	return out, status, err
}

func (c *benchClient) send(ctx context.Context, method, path, token, contentType string, body []byte) ([]byte, int, error) {
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, bytes.NewReader(body))
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	return out, resp.StatusCode, err
}

// answerError is an answer other than the one expected.
type answerError struct {
	Status int
	msg    string
}

func (e *answerError) Error() string { return e.msg }

func problemTitle(body []byte) string {
	var p struct {
		Title  string `json:"title"`
		Detail string `json:"detail"`
	}
	if json.Unmarshal(body, &p) == nil && p.Title != "" {
		return strings.TrimSpace(p.Title + " " + p.Detail)
	}
	if len(body) > 120 {
		body = body[:120]
	}
	return string(body)
}

// benchOps are the steps of a report's life, each a call or two.
type benchOps struct {
	c      *benchClient
	w      *benchWorld
	signer *benchSigner
}

// entries saves every self leaf of the agency's report: the maximum score and
// an explanation, so that complete's guard holds without evidence files.
func (o *benchOps) entries(ctx context.Context, a *benchAgency, op string) error {
	for _, leaf := range o.w.leaves[a.SetID] {
		body, _ := json.Marshal(map[string]any{"self_score": leaf.MaxPoints, "explanation": "Đã thực hiện đầy đủ; hồ sơ lưu tại đơn vị (thử tải)."})
		if _, _, err := o.c.call(ctx, op, http.MethodPut, fmt.Sprintf("/api/v1/reports/%d/entries/%s", a.Report, leaf.Code), a.Updater, "application/json", body, http.StatusOK); err != nil {
			return err
		}
	}
	return nil
}

// fire posts one transition as the role that may fire it.
func (o *benchOps) fire(ctx context.Context, a *benchAgency, op, event string) error {
	token, reason := a.Approver, ""
	switch event {
	case "complete", "reopen":
		token = a.Updater
	case "return":
		reason = "Đề nghị bổ sung giải trình (thử tải)."
	}
	body, _ := json.Marshal(map[string]string{"event": event, "reason": reason})
	_, _, err := o.c.call(ctx, op, http.MethodPost, fmt.Sprintf("/api/v1/reports/%d/transitions", a.Report), token, "application/json", body, http.StatusOK)
	return err
}

// signSummary exports summary.pdf, signs it as the approver's signing tool
// would, and uploads it as the signed summary.
func (o *benchOps) signSummary(ctx context.Context, a *benchAgency, exportOp, uploadOp string) error {
	pdf, _, err := o.c.call(ctx, exportOp, http.MethodGet, fmt.Sprintf("/api/v1/reports/%d/summary.pdf", a.Report), a.Approver, "", nil, http.StatusOK)
	if err != nil {
		return err
	}
	signed, err := o.signer.sign(pdf)
	if err != nil {
		return fmt.Errorf("sign the export: %w", err)
	}
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	h := textproto.MIMEHeader{}
	h.Set("Content-Disposition", `form-data; name="file"; filename="bang-tong-hop-da-ky.pdf"`)
	h.Set("Content-Type", "application/pdf")
	part, err := mw.CreatePart(h)
	if err != nil {
		return err
	}
	part.Write(signed)
	mw.Close()
	_, _, err = o.c.call(ctx, uploadOp, http.MethodPost, fmt.Sprintf("/api/v1/reports/%d/signed-summary", a.Report), a.Approver, mw.FormDataContentType(), body.Bytes(), http.StatusCreated)
	return err
}

// phase runs fn for every agency with n concurrent clients and adds the
// phase's wall time and CPU use to op.
func phase(ctx context.Context, rec *recorder, op string, n int, agencies []*benchAgency, fn func(ctx context.Context, a *benchAgency) error) {
	cpu := rec.cpu.sample()
	start := time.Now()
	spread(ctx, n, len(agencies), func(i int) { _ = fn(ctx, agencies[i]) })
	rec.addPhase(op, time.Since(start), rec.cpu.since(cpu))
}

// spread calls fn(0) … fn(n-1) from clients goroutines, each taking the next
// index as it finishes one, and returns when all are done or ctx ends.
func spread(ctx context.Context, clients, n int, fn func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := next.Add(1) - 1
				if i >= int64(n) || ctx.Err() != nil {
					return
				}
				fn(int(i))
			}
		}()
	}
	wg.Wait()
}

// transitionOps are the operations counted as transitions.
var transitionOps = []string{"complete", "return", "approve", "sign", "submit"}

// transitionsPerReport is how many transitions a report's life fires here:
// complete, return, complete, approve, sign, submit.
const transitionsPerReport = 6

// benchResult is everything the run measured.
type benchResult struct {
	rec      *recorder
	baseline summary
	surge    *surgeResult
	rss      int64
	pages    *pagesResult // --pages: the pages phase, and nothing else
}

// runLoad drives the whole run: the reports' lives phase by phase, the
// raw-SQL baseline, then the deadline surge.
func runLoad(ctx context.Context, cfg benchConfig, w *benchWorld, svc *benchService) (*benchResult, error) {
	signer, err := newBenchSigner()
	if err != nil {
		return nil, err
	}
	rec := newRecorder()
	if svc.cmd != nil && svc.cmd.Process != nil {
		rec.cpu.servicePID = svc.cmd.Process.Pid
	}
	ops := &benchOps{c: newBenchClient(svc.url, cfg.Clients, rec), w: w, signer: signer}
	res := &benchResult{rec: rec}
	st, err := store.Open(ctx, w.db, nil)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	// Every phase, the baseline's too, starts once the scheduler has sent the
	// notifications that earlier phases caused: each measures its own work.
	each := func(op string, fn func(ctx context.Context, a *benchAgency) error) {
		if err := waitQuiet(ctx, st); err != nil {
			fmt.Fprintln(os.Stderr, "parindex-bench:", err)
		}
		phase(ctx, rec, op, cfg.Clients, w.agencies, fn)
	}
	fire := func(event string) {
		each(event, func(ctx context.Context, a *benchAgency) error { return ops.fire(ctx, a, event, event) })
	}
	// The baseline runs before the reports' lives and again after them,
	// so that neither side has the machine's warmer or colder half.
	baselineN := transitionsPerReport * len(w.agencies) / 2
	if err := runBaseline(ctx, w, cfg.Clients, baselineN, rec); err != nil {
		return nil, fmt.Errorf("baseline: %w", err)
	}
	each("entry", func(ctx context.Context, a *benchAgency) error { return ops.entries(ctx, a, "entry") })
	fire("complete")
	fire("return")
	fire("complete")
	fire("approve")
	each("export", func(ctx context.Context, a *benchAgency) error {
		return ops.signSummary(ctx, a, "export", "signed_summary")
	})
	fire("sign")
	fire("submit")
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	transitions := rec.merged(transitionOps...)
	if transitions.errs > 0 {
		return nil, fmt.Errorf("%d of %d transitions failed; first: %s", transitions.errs, len(transitions.lat), transitions.first)
	}
	if err := runBaseline(ctx, w, cfg.Clients, len(transitions.lat)-baselineN, rec); err != nil {
		return nil, fmt.Errorf("baseline: %w", err)
	}
	res.baseline = rec.merged("baseline").summary()
	if cfg.Surge > 0 {
		if res.surge, err = runSurge(ctx, cfg, w, ops); err != nil {
			return nil, fmt.Errorf("surge: %w", err)
		}
	}
	res.rss = svc.peakRSS()
	return res, nil
}
