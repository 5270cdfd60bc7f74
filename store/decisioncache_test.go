package store_test

import (
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"parindex/store"
	"parindex/store/storetest"
	"parindex/workflow"
)

// decisionInputs is everything a transition may decide on from this
// replica's decision cache (reportcache.go), read straight from the tables:
// the report's header and window, its exemptions, its entries with their
// evidence, and its latest signed summary.
func decisionInputs(t *testing.T, s *store.Store, reportID int64) string {
	t.Helper()
	var b strings.Builder
	q := func(query string, args ...any) {
		rows, err := s.DB().Queryx(s.DB().Rebind(query), args...)
		if err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		defer rows.Close()
		for rows.Next() {
			vals, err := rows.SliceScan()
			if err != nil {
				t.Fatal(err)
			}
			for _, v := range vals {
				if bs, ok := v.([]byte); ok {
					v = string(bs)
				}
				fmt.Fprintf(&b, "%v|", v)
			}
			b.WriteString("\n")
		}
	}
	q(`SELECT r.state, r.round, r.version, r.locked_from, r.closes_at, r.criteria_set_id, c.opens_at, c.closes_at
		FROM reports r JOIN campaigns c ON c.id = r.campaign_id WHERE r.id = ?`, reportID)
	q(`SELECT number, opens_at, closes_at, criteria FROM report_rounds WHERE report_id = ? ORDER BY number`, reportID)
	q(`SELECT code FROM exemptions WHERE report_id = ? ORDER BY code`, reportID)
	q(`SELECT code, self_score, explanation, round FROM entries WHERE report_id = ? ORDER BY code`, reportID)
	q(`SELECT code, COUNT(*) FROM evidence WHERE report_id = ? AND deleted_at IS NULL GROUP BY code ORDER BY code`, reportID)
	q(`SELECT id, matches_version, signature FROM signed_summaries WHERE report_id = ? ORDER BY id DESC LIMIT 1`, reportID)
	return b.String()
}

// guarded is what a transition's write is guarded by: the state and version
// (every guard) and the newest signed summary (sign and submit).
func guarded(t *testing.T, s *store.Store, reportID int64) string {
	t.Helper()
	var state string
	var version, summary int64
	if err := s.DB().QueryRow(s.DB().Rebind(`SELECT state, version, COALESCE((SELECT MAX(id) FROM signed_summaries WHERE report_id = reports.id), 0)
		FROM reports WHERE id = ?`), reportID).Scan(&state, &version, &summary); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%s v%d summary %d", state, version, summary)
}

// A write path of the store that touches reports, run on a report prepared
// in the state it needs.
type writePath struct {
	method string // the Store method it exercises
	state  workflow.State
	run    func(t *testing.T, w *storetest.World, a *storetest.Agency, write func(what string, f func()))
}

// reportWrites are the store's write paths that touch a report.
var reportWrites = []writePath{
	{"PutEntry", workflow.StateDraft, func(t *testing.T, w *storetest.World, a *storetest.Agency, write func(string, func())) {
		write("put an entry", func() { w.Put(t, a, "1.1.1", "0.5", "Sửa giải trình") })
	}},
	{"PatchEntry", workflow.StateDraft, func(t *testing.T, w *storetest.World, a *storetest.Agency, write func(string, func())) {
		text := "Chỉ sửa giải trình"
		write("patch an entry", func() {
			_, _, err := w.Store.PatchEntry(ctx, a.Updater, a.ReportID, "1.1.1", store.EntryPatch{Explanation: &text}, nil, store.Meta{})
			must(t, err)
		})
	}},
	{"AddEvidence", workflow.StateDraft, func(t *testing.T, w *storetest.World, a *storetest.Agency, write func(string, func())) {
		e := &store.Evidence{Code: "1.1.1", Filename: "a.pdf", Size: 1, SHA256: strings.Repeat("cd", 32), MediaType: "application/pdf", Signature: []byte(storetest.ValidSignature)}
		write("add evidence", func() { must(t, w.Store.AddEvidence(ctx, a.Updater, a.ReportID, e, store.Meta{})) })
	}},
	{"DeleteEvidence", workflow.StateDraft, func(t *testing.T, w *storetest.World, a *storetest.Agency, write func(string, func())) {
		e := &store.Evidence{Code: "1.1.1", Filename: "b.pdf", Size: 1, SHA256: strings.Repeat("ef", 32), MediaType: "application/pdf", Signature: []byte(storetest.ValidSignature)}
		must(t, w.Store.AddEvidence(ctx, a.Updater, a.ReportID, e, store.Meta{}))
		write("delete evidence", func() { must(t, w.Store.DeleteEvidence(ctx, a.Updater, e.ID, store.Meta{})) })
	}},
	{"SetExemptions", workflow.StateDraft, func(t *testing.T, w *storetest.World, a *storetest.Agency, write func(string, func())) {
		write("set exemptions", func() {
			_, err := w.Store.SetExemptions(ctx, w.Admin, a.ReportID, []string{"3.1"}, "Theo công văn", store.Meta{})
			must(t, err)
		})
	}},
	{"AddSignedSummary", workflow.StateReviewed, func(t *testing.T, w *storetest.World, a *storetest.Agency, write func(string, func())) {
		write("attach a signed summary", func() { w.AttachSignedSummary(t, a) })
	}},
	{"Transition", workflow.StateDraft, func(t *testing.T, w *storetest.World, a *storetest.Agency, write func(string, func())) {
		w.FillEntries(t, a)
		for _, step := range []struct {
			u  *workflow.User
			ev workflow.Event
		}{{a.Updater, workflow.EventComplete}, {a.Updater, workflow.EventReopen}, {a.Updater, workflow.EventComplete},
			{a.Approver, workflow.EventReturn}, {a.Updater, workflow.EventComplete}, {a.Approver, workflow.EventApprove}} {
			write(string(step.ev), func() { w.Fire(t, step.u, a, step.ev, "Bổ sung") })
		}
		w.AttachSignedSummary(t, a)
		write("sign", func() { w.Fire(t, a.Approver, a, workflow.EventSign, "") })
		write("submit", func() { w.Fire(t, a.Approver, a, workflow.EventSubmit, "") })
		write("open_round", func() {
			_, err := w.Store.Transition(ctx, w.Council, a.ReportID, workflow.TransitionRequest{Event: workflow.EventOpenRound},
				&workflow.RoundRequest{ClosesAt: w.Clock.Now().Add(48 * time.Hour)}, store.Meta{})
			must(t, err)
		})
	}},
	{"LockDue", workflow.StateEntered, func(t *testing.T, w *storetest.World, a *storetest.Agency, write func(string, func())) {
		w.Clock.Set(w.Campaign.ClosesAt)
		write("lock", func() {
			_, err := w.Store.LockDue(ctx)
			must(t, err)
		})
	}},
	{"Transition:extend", workflow.StateEntered, func(t *testing.T, w *storetest.World, a *storetest.Agency, write func(string, func())) {
		w.Clock.Set(w.Campaign.ClosesAt)
		_, err := w.Store.LockDue(ctx)
		must(t, err)
		write("extend", func() {
			_, err = w.Store.Transition(ctx, w.Council, a.ReportID, workflow.TransitionRequest{Event: workflow.EventExtend, Reason: "Mất điện"},
				&workflow.RoundRequest{ClosesAt: w.Clock.Now().Add(24 * time.Hour)}, store.Meta{})
			must(t, err)
		})
	}},
	{"OpenCampaignRound", workflow.StateSubmitted, func(t *testing.T, w *storetest.World, a *storetest.Agency, write func(string, func())) {
		write("open a campaign round", func() {
			_, err := w.Store.OpenCampaignRound(ctx, w.Council, w.Campaign.ID, workflow.RoundRequest{
				OpensAt: w.Clock.Now(), ClosesAt: w.Clock.Now().Add(72 * time.Hour), AgencyIDs: []int64{a.ID}}, store.Meta{})
			must(t, err)
		})
	}},
}

// The other exported methods of the Store: reads, and writes that touch no
// report's decision inputs (what they write is read fresh by every decision
// that needs it, or never by one). A new method must be sorted here or into
// reportWrites, so that nobody adds a write the decision cache misses.
var notReportWrites = map[string]string{
	"AgencyByCode": "read", "BoardCompletion": "read", "BoardCounts": "read", "BoardReports": "read", "CampaignStateCounts": "read", "CountUnread": "read", "SessionUser": "read", "Authenticate": "read, and a token's last use", "CampaignProgress": "read",
	"CheckEvidenceUpload": "read", "CheckSignedSummaryUpload": "read", "Close": "-", "DB": "-", "Dialect": "-",
	"ExportData": "read", "GetCampaign": "read", "GetCriteriaSet": "read", "GetEvidence": "read", "GetReport": "read",
	"GetReportState": "read", "GetUser": "read", "History": "read", "LatestSignedSummary": "read", "ListAgencies": "read",
	"ListAudit": "read", "ListCampaigns": "read", "ListCriteriaSets": "read", "ListEvidence": "read",
	"ListNotifications": "read", "ListReports": "read", "ListSigners": "read", "ListTokens": "read",
	"MigrationStatus": "read", "Now": "read", "OutboxStats": "read", "Ping": "read", "ReferencedBlobs": "read",
	"ReportRef": "read (never changes)", "Revisions": "read", "SchemaCurrent": "read", "SignaturePolicy": "read",
	"Upcoming":  "read",
	"AddSigner": "registered signers: read fresh by sign and submit", "DeleteSigner": "registered signers: read fresh by sign and submit",
	"CreateToken": "credentials: checked in the write", "RevokeToken": "credentials: checked in the write",
	"CreateUser": "credentials: grants checked in the write", "EnsureUser": "credentials: grants checked in the write",
	"ImportOfficials": "credentials: grants checked in the write", "CreateAgency": "no report yet",
	"CreateCampaign":    "new reports, not cached yet",
	"CreateCriteriaSet": "a set no campaign uses", "ReplaceCriteriaSet": "refused once a campaign uses the set",
	"RemindDue": "reminders", "NotifyOpenedCampaigns": "outbox", "FanOut": "notifications", "ClaimEmails": "emails",
	"EmailSent": "emails", "EmailFailed": "emails", "MarkNotificationRead": "notifications",
	"MigrateUp": "schema", "MigrateDown": "schema", "SetSignaturePolicy": "configuration, at start",
	"SetTokenTTL": "configuration, at start",
	"BlobRefs":    "read", "Dump": "read", "NotEmpty": "read", "ReportChains": "read", "RowCounts": "read",
	"SchemaVersion": "read", "Snapshot": "read", "Tables": "read",
}

// TestEveryWriteKeepsCachedDecisionsHonest is the decision cache's invariant
// (reportcache.go): a transition may decide on what this replica last knew
// of a report only because every write that changes anything a decision
// reads also changes what the transition's write is guarded by (the state
// and version, or the newest signed summary). Each write path of the store
// runs here on a report; if it changed a decision input without changing
// the guard, a cached decision would be written unnoticed, and this fails.
func TestEveryWriteKeepsCachedDecisionsHonest(t *testing.T) {
	covered := map[string]bool{}
	for _, p := range reportWrites {
		covered[strings.Split(p.method, ":")[0]] = true
	}
	st := reflect.TypeOf(&store.Store{})
	for i := 0; i < st.NumMethod(); i++ {
		name := st.Method(i).Name
		if _, ok := notReportWrites[name]; !ok && !covered[name] {
			t.Errorf("Store.%s is neither a report write exercised here nor listed as touching no decision input", name)
		}
	}
	storetest.Each(t, func(t *testing.T, dialect string) {
		for _, p := range reportWrites {
			t.Run(p.method, func(t *testing.T) {
				w := newWorld(t, dialect)
				a := w.Dept
				walk(t, w, a, p.state)
				writes := 0
				p.run(t, w, a, func(what string, f func()) {
					writes++
					before, guardBefore := decisionInputs(t, w.Store, a.ReportID), guarded(t, w.Store, a.ReportID)
					f()
					after, guardAfter := decisionInputs(t, w.Store, a.ReportID), guarded(t, w.Store, a.ReportID)
					if after == before {
						t.Fatalf("%s changed no decision input: the test does not exercise it", what)
					}
					if guardAfter == guardBefore {
						t.Errorf("%s changed what a decision reads without changing its guard (%s):\nbefore:\n%s\nafter:\n%s",
							what, guardAfter, before, after)
					}
				})
				if writes == 0 {
					t.Fatal("the path wrote nothing")
				}
			})
		}
	})
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
