package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/language"

	"parindex/i18n"
	"parindex/internal/testkit"
	"parindex/store"
	"parindex/workflow"
)

// Sample reads a sample file of the repository, e.g.
// Sample(t, "criteria-department.yaml"): see testkit.Sample.
func Sample(t testing.TB, name string) []byte {
	t.Helper()
	return testkit.Sample(t, name)
}

// Agency is an agency of the world with its two officials.
type Agency struct {
	workflow.Agency
	Updater  *workflow.User
	Approver *workflow.User
	ReportID int64
}

// World is a small province: an admin, a council member, two departments and
// one district, the sample criteria sets and a campaign open from Opens to
// Closes (clock time at creation ± a day), with one report per agency.
type World struct {
	Store    *store.Store
	Clock    *Clock
	Admin    *workflow.User
	Council  *workflow.User
	Dept     *Agency // first department
	Dept2    *Agency // second department
	District *Agency
	DeptSet  *workflow.CriteriaSet
	DistSet  *workflow.CriteriaSet
	Campaign *workflow.Campaign

	campaigns map[string]int // names given to NewCampaign, which a year holds once
}

// NewWorld builds the world in s; the clock must be the store's.
func NewWorld(t testing.TB, s *store.Store, clock *Clock) *World {
	t.Helper()
	w := &World{Store: s, Clock: clock}
	w.Admin = MustUser(t, s, "admin@test.example.vn", workflow.Grant{Role: workflow.RoleAdmin})
	w.Council = MustUser(t, s, "council@test.example.vn", workflow.Grant{Role: workflow.RoleCouncil})
	w.DeptSet = MustCriteriaSet(t, s, "criteria-department.yaml")
	w.DistSet = MustCriteriaSet(t, s, "criteria-district.yaml")
	w.Dept = MustAgency(t, s, "STP", "Sở Tư pháp", workflow.KindDepartment)
	w.Dept2 = MustAgency(t, s, "STC", "Sở Tài chính", workflow.KindDepartment)
	w.District = MustAgency(t, s, "ALUOI", "UBND huyện A Lưới", workflow.KindDistrict)
	now := clock.Now()
	var reports map[int64]int64
	w.Campaign, reports = w.NewCampaign(t, "Chỉ số CCHC 2026", now.Add(-24*time.Hour), now.Add(24*time.Hour))
	for _, a := range []*Agency{w.Dept, w.Dept2, w.District} {
		if a.ReportID = reports[a.ID]; a.ReportID == 0 {
			t.Fatalf("no report for agency %s", a.Code)
		}
	}
	return w
}

// NewCampaign creates a campaign of the world's two criteria sets, open from
// opens to closes, and returns it with its report id per agency id.
func (w *World) NewCampaign(t testing.TB, name string, opens, closes time.Time) (*workflow.Campaign, map[int64]int64) {
	t.Helper()
	ctx := context.Background()
	// A year holds a name once: a name asked for again gets a number.
	if w.campaigns == nil {
		w.campaigns = map[string]int{}
	}
	if w.campaigns[name]++; w.campaigns[name] > 1 {
		name = fmt.Sprintf("%s (%d)", name, w.campaigns[name])
	}
	c := &workflow.Campaign{Name: name, Year: 2026, OpensAt: opens, ClosesAt: closes,
		CriteriaSets: map[workflow.AgencyKind]int64{workflow.KindDepartment: w.DeptSet.ID, workflow.KindDistrict: w.DistSet.ID}}
	if err := w.Store.CreateCampaign(ctx, c, w.Admin, store.Meta{}); err != nil {
		t.Fatalf("create campaign %s: %v", name, err)
	}
	reports, err := w.Store.ListReports(ctx, w.Admin, store.ReportFilter{CampaignID: c.ID})
	if err != nil {
		t.Fatalf("list reports: %v", err)
	}
	ids := map[int64]int64{}
	for _, r := range reports {
		ids[r.AgencyID] = r.ID
	}
	return c, ids
}

// MustAgency creates an agency with an updater and an approver.
func MustAgency(t testing.TB, s *store.Store, code, name string, kind workflow.AgencyKind) *Agency {
	t.Helper()
	a := &Agency{Agency: workflow.Agency{Code: code, Name: name, Kind: kind}}
	if err := s.CreateAgency(context.Background(), nil, &a.Agency, store.Meta{}); err != nil {
		t.Fatalf("create agency %s: %v", code, err)
	}
	a.Updater = MustUser(t, s, fmt.Sprintf("updater.%s@test.example.vn", code), workflow.Grant{Role: workflow.RoleUpdater, AgencyID: &a.ID})
	a.Approver = MustUser(t, s, fmt.Sprintf("approver.%s@test.example.vn", code), workflow.Grant{Role: workflow.RoleApprover, AgencyID: &a.ID})
	return a
}

// MustUser creates a user with the grants.
func MustUser(t testing.TB, s *store.Store, email string, grants ...workflow.Grant) *workflow.User {
	t.Helper()
	u := &workflow.User{Email: email, Name: "Người dùng " + email, Grants: grants}
	if err := s.CreateUser(context.Background(), nil, u, store.Meta{}); err != nil {
		t.Fatalf("create user %s: %v", email, err)
	}
	return u
}

// MustCriteriaSet imports a sample criteria set.
func MustCriteriaSet(t testing.TB, s *store.Store, sample string) *workflow.CriteriaSet {
	t.Helper()
	set, err := workflow.ParseCriteriaSet(Sample(t, sample), false)
	if err != nil {
		t.Fatalf("parse %s: %v", sample, err)
	}
	if err := s.CreateCriteriaSet(context.Background(), nil, set, store.Meta{}); err != nil {
		t.Fatalf("create criteria set %s: %v", sample, err)
	}
	return set
}

// MustToken issues a token for u, as the command line at the server does:
// no issuer, the store's default lifetime.
func MustToken(t testing.TB, s *store.Store, u *workflow.User) string {
	t.Helper()
	tok, err := s.CreateToken(context.Background(), nil, u.ID, store.TokenExpiry{}, store.Meta{})
	if err != nil {
		t.Fatalf("token for %s: %v", u.Email, err)
	}
	return tok.Token
}

// FillEntries gives every editable self leaf of the report a score (its
// maximum) and an explanation, so that complete succeeds.
func (w *World) FillEntries(t testing.TB, a *Agency) {
	t.Helper()
	ctx := context.Background()
	r, err := w.Store.GetReport(ctx, a.Updater, a.ReportID)
	if err != nil {
		t.Fatalf("get report: %v", err)
	}
	for _, e := range r.Entries {
		if !e.Editable {
			continue
		}
		score := e.MaxPoints
		if _, _, err := w.Store.PutEntry(ctx, a.Updater, a.ReportID, e.Code,
			workflow.EntryValue{SelfScore: &score, Explanation: "Giải trình cho tiêu chí " + e.Code}, nil, store.Meta{}); err != nil {
			t.Fatalf("put entry %s: %v", e.Code, err)
		}
	}
}

// Fire fires an event as u and fails the test on error. Before sign it
// attaches a validly signed summary of the current version, as the approver
// must.
func (w *World) Fire(t testing.TB, u *workflow.User, a *Agency, ev workflow.Event, reason string) *workflow.Report {
	t.Helper()
	if ev == workflow.EventSign {
		w.AttachSignedSummary(t, a)
	}
	r, err := w.Store.Transition(context.Background(), u, a.ReportID, workflow.TransitionRequest{Event: ev, Reason: reason}, nil, store.Meta{})
	if err != nil {
		t.Fatalf("%s on report %d: %v", ev, a.ReportID, err)
	}
	return r
}

// ValidSignature is the signature report of a correctly signed file.
const ValidSignature = `{"present":true,"valid":true,"covers_file":true,"signer":"Nguyễn Văn An","organization":"Sở Tư pháp","signed_at":null,"trusted":true,"status":"valid"}`

// AttachSignedSummary records, as the agency's approver, a validly signed
// summary that is the export of the report's current version (the report
// must be reviewed and its window open).
func (w *World) AttachSignedSummary(t testing.TB, a *Agency) {
	t.Helper()
	d, err := w.Store.ExportData(context.Background(), w.Admin, a.ReportID)
	if err != nil {
		t.Fatal(err)
	}
	ss := &store.SignedSummary{Filename: "Bảng tổng hợp.pdf", Size: 1, SHA256: strings.Repeat("ab", 32), Signature: json.RawMessage(ValidSignature), Digest: d.ContentDigest()}
	if err := w.Store.AddSignedSummary(context.Background(), a.Approver, a.ReportID, ss, d.Report.Version, true, store.Meta{}); err != nil {
		t.Fatalf("attach signed summary to report %d: %v", a.ReportID, err)
	}
}

// Submit walks the agency's report from draft to submitted.
func (w *World) Submit(t testing.TB, a *Agency) {
	t.Helper()
	w.FillEntries(t, a)
	w.Fire(t, a.Updater, a, workflow.EventComplete, "")
	w.Fire(t, a.Approver, a, workflow.EventApprove, "")
	w.Fire(t, a.Approver, a, workflow.EventSign, "")
	w.Fire(t, a.Approver, a, workflow.EventSubmit, "")
}

// Report reads the agency's report as the admin, with entries and totals.
func (w *World) Report(t testing.TB, a *Agency) *workflow.Report {
	t.Helper()
	r, err := w.Store.GetReport(context.Background(), w.Admin, a.ReportID)
	if err != nil {
		t.Fatalf("get report %d: %v", a.ReportID, err)
	}
	return r
}

// Put writes one entry of the agency's report as its updater; score is a
// decimal such as "0.75", or "" to clear the score.
func (w *World) Put(t testing.TB, a *Agency, code, score, explanation string) int64 {
	t.Helper()
	v := workflow.EntryValue{Explanation: explanation}
	if score != "" {
		p := MustPoints(t, score)
		v.SelfScore = &p
	}
	_, version, err := w.Store.PutEntry(context.Background(), a.Updater, a.ReportID, code, v, nil, store.Meta{})
	if err != nil {
		t.Fatalf("put entry %s of report %d: %v", code, a.ReportID, err)
	}
	return version
}

// MustPoints parses a decimal such as "0.75".
func MustPoints(t testing.TB, s string) workflow.Points {
	t.Helper()
	p, err := workflow.ParsePoints(s)
	if err != nil {
		t.Fatalf("points %q: %v", s, err)
	}
	return p
}

// Count runs a SELECT COUNT(*) (or any single-integer query) with ?
// placeholders on the store's database.
func Count(t testing.TB, s *store.Store, query string, args ...any) int {
	t.Helper()
	var n int
	if err := s.DB().Get(&n, s.DB().Rebind(query), args...); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
	return n
}

// WantCode fails the test unless err carries the domain error code (use ""
// for no error). It renders the error's message and field messages in both
// languages as an answer would, so that a test binary whose TestMain is
// testkit.MainCheckingMessages fails on a text the catalogue lacks.
func WantCode(t testing.TB, err error, code string) {
	t.Helper()
	if got := workflow.ErrorCode(err); got != code {
		t.Fatalf("got error %v (code %q), want code %q", err, got, code)
	}
	if err == nil {
		return
	}
	for _, lang := range []language.Tag{i18n.VI, i18n.EN} {
		format, args := workflow.ErrorFormat(err)
		i18n.Sprintf(lang, format, args...)
		for _, f := range workflow.ErrorFields(err) {
			i18n.Sprintf(lang, f.Message, f.Args...)
		}
	}
}
