package store

import (
	"maps"
	"sync"

	"parindex/workflow"
)

// reportCache is the decision cache: what this replica last knew of
// recently used reports — the header (state, version, round, window,
// exemptions), when known the entries' values at that version, and the
// latest signed summary's verdict — so that a transition may decide without
// reading the report first (step 1 of transition.go). Nothing that answers
// a read uses it.
//
// The invariant that keeps it correct, stated once: every write that
// changes anything a decision reads also changes what the transition's
// write is guarded by — the report's state and version (every write to a
// report or its entries, evidence or exemptions raises the version), or,
// for the signed summary, the id of the newest one — and the caller's
// credential is checked in the write itself. A stale entry then costs only
// the write that finds it stale and a fresh decision. Data read after the
// header is never older than it, so what is kept under a version is that
// version's or belongs to a version that is already gone.
// TestEveryWriteKeepsCachedDecisionsHonest runs every write path of the
// store and fails on a write that breaks the invariant.
type reportCache struct {
	mu        sync.Mutex
	reports   map[int64]cachedReport
	summaries map[int64]workflow.SignedSummary // the latest signed summary, as sign judges it
}

type cachedReport struct {
	header workflow.Report
	values map[string]workflow.EntryValue // nil: not known
}

// maxCachedReports bounds the cache; past it, it starts again empty. A
// province has a few thousand reports a year.
const maxCachedReports = 100_000

// cachedReport returns a copy of the header and the values (shared, never
// changed in place) cached for id.
func (s *Store) cachedReport(id int64) (*workflow.Report, map[string]workflow.EntryValue, bool) {
	c := &s.reportCache
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.reports[id]
	if !ok {
		return nil, nil, false
	}
	r := e.header
	return &r, e.values, true
}

// cacheReport keeps r's header (not its entries or totals) with the entries'
// values at r's version, if known. Slices and maps kept are never changed in
// place afterwards, so sharing them is safe.
func (s *Store) cacheReport(r *workflow.Report, values map[string]workflow.EntryValue) {
	c := &s.reportCache
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.reports == nil || len(c.reports) >= maxCachedReports {
		c.reports = map[int64]cachedReport{}
	}
	h := *r
	h.Entries, h.SelfTotal, h.MaxTotal = nil, 0, 0
	c.reports[r.ID] = cachedReport{header: h, values: values}
}

// cacheEntry records an entry write that made version from version-1: the
// cached values move along when they were those of version-1, and are
// dropped otherwise.
func (s *Store) cacheEntry(r *workflow.Report, version int64, code string, v workflow.EntryValue) {
	c := &s.reportCache
	c.mu.Lock()
	var values map[string]workflow.EntryValue
	if e, ok := c.reports[r.ID]; ok && e.header.Version == version-1 && e.values != nil {
		values = maps.Clone(e.values)
		v.Evidence = values[code].Evidence
		values[code] = v
	}
	c.mu.Unlock()
	h := *r
	h.Version = version
	s.cacheReport(&h, values)
}

func (s *Store) forgetReport(id int64) {
	c := &s.reportCache
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.reports, id)
}

func (s *Store) cachedSummary(reportID int64) (workflow.SignedSummary, bool) {
	c := &s.reportCache
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.summaries[reportID]
	return v, ok
}

func (s *Store) cacheSummary(reportID int64, v workflow.SignedSummary) {
	c := &s.reportCache
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.summaries == nil || len(c.summaries) >= maxCachedReports {
		c.summaries = map[int64]workflow.SignedSummary{}
	}
	c.summaries[reportID] = v
}

func (s *Store) forgetSummary(reportID int64) {
	c := &s.reportCache
	c.mu.Lock()
	defer c.mu.Unlock()
	delete(c.summaries, reportID)
}
