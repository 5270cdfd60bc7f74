package storetest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"parindex/store"
	"parindex/workflow"
)

// Blob stores a file's content where the rows about to refer to it will find
// it, and returns its address, size and media type. HashOnly stores nothing.
type Blob func(t testing.TB, content []byte) (sha string, size int64, mediaType string)

// HashOnly is a Blob for tests that have no blob store.
func HashOnly(t testing.TB, content []byte) (string, int64, string) {
	sum := sha256.Sum256(content)
	return hex.EncodeToString(sum[:]), int64(len(content)), "image/png"
}

// PNG is a small valid PNG whose last byte is n, so that each n is a new file.
func PNG(n byte) []byte {
	return []byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 0x0d, 'I', 'H', 'D', 'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0, 0x90, 0x77, 0x53, n}
}

// FillEveryTable writes through the store's own methods at least one row to
// every table the schema has today, so that a backup, restore or copy of the
// world is tested on all of them: tokens, entries and their revisions,
// evidence (one deleted), a signed summary of real content, the walk to
// submitted and a new round for the first department, an exemption, a
// registered signer, reminders, the outbox fanned out into
// notifications and emails, and the audit rows all that leaves.
func (w *World) FillEveryTable(t testing.TB, blob Blob) {
	t.Helper()
	ctx := context.Background()
	s := w.Store
	must := func(what string, err error) {
		t.Helper()
		if err != nil {
			t.Fatalf("fill: %s: %v", what, err)
		}
	}
	for _, u := range []*workflow.User{w.Admin, w.Dept.Updater, w.Dept.Approver} {
		MustToken(t, s, u)
	}

	// Evidence on the second department, one of them deleted again.
	for i, code := range []string{"1.1.1", "1.2", "1.1.1"} {
		sha, size, mt := blob(t, PNG(byte(10+i)))
		e := &store.Evidence{Code: code, Filename: "Minh chứng " + code + ".png", Size: size, SHA256: sha, MediaType: mt,
			Signature: json.RawMessage(`{"present":false,"status":"scan"}`)}
		must("add evidence", s.AddEvidence(ctx, w.Dept2.Updater, w.Dept2.ReportID, e, store.Meta{RequestID: "fill"}))
		if i == 2 {
			must("delete evidence", s.DeleteEvidence(ctx, w.Dept2.Updater, e.ID, store.Meta{}))
		}
	}
	w.Put(t, w.Dept2, "1.2", "0.5", "Một phần")

	// The first department walks to submitted with a signed summary whose
	// file is real, then the council opens a new round for it.
	a := w.Dept
	w.FillEntries(t, a)
	w.Fire(t, a.Updater, a, workflow.EventComplete, "")
	w.Fire(t, a.Approver, a, workflow.EventApprove, "")
	d, err := s.ExportData(ctx, w.Admin, a.ReportID)
	must("export data", err)
	sha, size, _ := blob(t, PNG(1))
	ss := &store.SignedSummary{Filename: "Bảng tổng hợp.pdf", Size: size, SHA256: sha, Signature: json.RawMessage(ValidSignature), Digest: d.ContentDigest()}
	must("signed summary", s.AddSignedSummary(ctx, a.Approver, a.ReportID, ss, d.Report.Version, true, store.Meta{}))
	for _, ev := range []workflow.Event{workflow.EventSign, workflow.EventSubmit} {
		_, err := s.Transition(ctx, a.Approver, a.ReportID, workflow.TransitionRequest{Event: ev}, nil, store.Meta{RequestID: "fill-" + string(ev)})
		must(string(ev), err)
	}
	now := w.Clock.Now()
	_, err = s.OpenCampaignRound(ctx, w.Council, w.Campaign.ID, workflow.RoundRequest{
		OpensAt: now, ClosesAt: now.Add(72 * time.Hour), AgencyIDs: []int64{a.ID}, Note: "Bổ sung minh chứng"}, store.Meta{})
	must("open round", err)

	// An exemption for the second department, a registered signer for the
	// district.
	var exemptible string
	var find func([]*workflow.Criterion)
	find = func(cs []*workflow.Criterion) {
		for _, c := range cs {
			if c.Exemptible && exemptible == "" {
				exemptible = c.Code
			}
			find(c.Children)
		}
	}
	find(w.DeptSet.Criteria)
	if exemptible == "" {
		t.Fatal("fill: the departments' criteria have no exemptible leaf")
	}
	_, err = s.SetExemptions(ctx, w.Admin, w.Dept2.ReportID, []string{exemptible}, "Không có đơn vị trực thuộc", store.Meta{})
	must("exemptions", err)
	must("signer", s.AddSigner(ctx, w.Admin, &store.Signer{AgencyID: w.District.ID, Organization: "UBND huyện A Lưới"}, store.Meta{}))

	// Reminders, and the outbox turned into notifications and emails.
	_, err = s.RemindDue(ctx, []time.Duration{48 * time.Hour})
	must("reminders", err)
	_, err = s.FanOut(ctx, 1000, func(n store.Notice) (store.Rendered, error) {
		return store.Rendered{Subject: n.Kind, Text: string(n.Data), HTML: "<p>" + n.Kind + "</p>"}, nil
	})
	must("fan out", err)

	// An identity from the province's single sign-on, linked at its first login.
	_, err = s.LoginIdentity(ctx, store.Identity{Issuer: "https://sso.example.vn/realms/tinh", Subject: "3f6c2a", Email: w.Dept.Updater.Email, EmailVerified: true})
	must("identity", err)
}

// SameRows fails the test unless the two stores, of any dialects, hold the
// same tables with the same rows (compared in one form: times as UTC text,
// flags as 0 and 1), and returns how many rows it compared.
func SameRows(t testing.TB, want, got *store.Store) int {
	t.Helper()
	ctx := context.Background()
	tables, err := want.Tables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	other, err := got.Tables(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(other) != len(tables) {
		t.Errorf("%d tables, want %d", len(other), len(tables))
	}
	compared := 0
	for _, tb := range tables {
		dump := func(s *store.Store) [][]any {
			var rows [][]any
			if err := s.Dump(ctx, tb, func(row []any) error { rows = append(rows, row); return nil }); err != nil {
				t.Fatalf("dump %s: %v", tb.Name, err)
			}
			return rows
		}
		a, b := dump(want), dump(got)
		if len(a) != len(b) {
			t.Errorf("table %s: %d rows, want %d", tb.Name, len(b), len(a))
			continue
		}
		for i := range a {
			if !reflect.DeepEqual(a[i], b[i]) {
				t.Errorf("table %s, row %d:\n got %v\nwant %v", tb.Name, i, b[i], a[i])
				break
			}
		}
		compared += len(a)
	}
	return compared
}
