package store_test

import (
	"bytes"
	"context"
	"encoding/json"
	"path/filepath"
	"testing"
	"time"

	"parindex/evidence"
	"parindex/store"
	"parindex/store/storetest"
	"parindex/workflow"
)

// pngFile is a minimal PNG; n makes its bytes (and so its address) differ.
func pngFile(n byte) []byte {
	return []byte{0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 0x0d, 'I', 'H', 'D', 'R', 0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0, 0x90, 0x77, 0x53, n}
}

// stored writes content to the bucket, as an upload does before its row.
func stored(t *testing.T, b *evidence.Bucket, content []byte) *evidence.Upload {
	t.Helper()
	up, err := evidence.Receive(bytes.NewReader(content), 1<<20, b.SpoolDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { up.Close() })
	if err := b.Store(context.Background(), up); err != nil {
		t.Fatal(err)
	}
	return up
}

func record(up *evidence.Upload, code string) *store.Evidence {
	return &store.Evidence{Code: code, Filename: "Ảnh minh chứng.png", Size: up.Size, SHA256: up.SHA256, MediaType: up.MediaType,
		Signature: json.RawMessage(`{"present":false,"status":"scan"}`)}
}

// TestEvidenceRecords: adding and deleting evidence is guarded like an entry
// write, raises the version, leaves a history line, and never erases a row.
func TestEvidenceRecords(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		w := newWorld(t, dialect)
		s, ctx, a := w.Store, context.Background(), w.Dept
		b, err := evidence.Open(ctx, "file://"+filepath.ToSlash(t.TempDir()))
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		up := stored(t, b, pngFile(1))

		wantCode(t, s.AddEvidence(ctx, a.Approver, a.ReportID, record(up, "1.1.1"), store.Meta{}), workflow.EFORBIDDEN)
		wantCode(t, s.AddEvidence(ctx, w.Dept2.Updater, a.ReportID, record(up, "1.1.1"), store.Meta{}), workflow.ENOTFOUND)
		wantCode(t, s.AddEvidence(ctx, a.Updater, a.ReportID, record(up, "9.9"), store.Meta{}), workflow.ENOTFOUND)
		wantCode(t, s.AddEvidence(ctx, a.Updater, a.ReportID, record(up, "1.1"), store.Meta{}), workflow.EINVALID)
		if dialect == store.Postgres {
			// PostgreSQL cannot store a NUL (SQLSTATE 22021): a 422, never a 500.
			nul := record(up, "1.1.1")
			nul.Filename = "Ảnh\x00.png"
			wantCode(t, s.AddEvidence(ctx, a.Updater, a.ReportID, nul, store.Meta{}), workflow.EINVALID)
		}
		if n := count(t, s, `SELECT COUNT(*) FROM evidence`); n != 0 {
			t.Fatalf("%d rows after refusals", n)
		}

		v := w.Report(t, a).Version
		e := record(up, "1.1.1")
		e.Filename = nfd("Ảnh minh chứng.png") // stored NFC
		if err := s.AddEvidence(ctx, a.Updater, a.ReportID, e, store.Meta{RequestID: "req-ev"}); err != nil {
			t.Fatal(err)
		}
		if e.ID == 0 || e.Code != "1.1.1" || e.Round != 0 || e.UploadedBy == nil || *e.UploadedBy != a.Updater.ID {
			t.Errorf("added %+v", e)
		}
		r := w.Report(t, a)
		if r.Version != v+1 || r.Entries[0].Evidence != 1 {
			t.Errorf("version %d (want %d), evidence count %d", r.Version, v+1, r.Entries[0].Evidence)
		}
		got, err := s.GetEvidence(ctx, w.Council, e.ID)
		if err != nil || got.SHA256 != up.SHA256 || got.Filename != "Ảnh minh chứng.png" {
			t.Fatalf("get as council: %+v, %v", got, err)
		}
		_, err = s.GetEvidence(ctx, w.Dept2.Approver, e.ID)
		wantCode(t, err, workflow.ENOTFOUND)

		// Delete: hidden, kept, audited; not twice; not after the window.
		if err := s.DeleteEvidence(ctx, a.Updater, e.ID, store.Meta{}); err != nil {
			t.Fatal(err)
		}
		wantCode(t, s.DeleteEvidence(ctx, a.Updater, e.ID, store.Meta{}), workflow.ENOTFOUND)
		if list, _ := s.ListEvidence(ctx, a.Updater, a.ReportID, "1.1.1", false); len(list) != 0 {
			t.Errorf("deleted evidence still listed: %+v", list)
		}
		if list, _ := s.ListEvidence(ctx, w.Council, a.ReportID, "", true); len(list) != 1 || list[0].DeletedAt == nil {
			t.Errorf("with deleted: %+v", list)
		}
		h, err := s.History(ctx, w.Admin, a.ReportID)
		if err != nil || len(h) < 2 || h[len(h)-2].Event != "evidence_add" || h[len(h)-1].Event != "evidence_delete" || h[len(h)-2].RequestID != "req-ev" {
			t.Errorf("history %+v, %v", h, err)
		}
		e2 := record(up, "1.1.2")
		if err := s.AddEvidence(ctx, a.Updater, a.ReportID, e2, store.Meta{}); err != nil {
			t.Fatal(err)
		}
		w.Clock.Set(w.Campaign.ClosesAt)
		wantCode(t, s.DeleteEvidence(ctx, a.Updater, e2.ID, store.Meta{}), workflow.ELOCKED)
		wantCode(t, s.AddEvidence(ctx, a.Updater, a.ReportID, record(up, "1.1.2"), store.Meta{}), workflow.ELOCKED)
	})
}

// TestBlobSweep: a blob written without its row (a crash between the two, or
// a write refused after the file was stored) is removed by the sweep once it
// is older than the grace period; every referenced blob stays.
func TestBlobSweep(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		w := newWorld(t, dialect)
		s, ctx, a := w.Store, context.Background(), w.Dept
		b, err := evidence.Open(ctx, "file://"+filepath.ToSlash(t.TempDir()))
		if err != nil {
			t.Fatal(err)
		}
		defer b.Close()
		kept := stored(t, b, pngFile(1))
		if err := s.AddEvidence(ctx, a.Updater, a.ReportID, record(kept, "1.1.1"), store.Meta{}); err != nil {
			t.Fatal(err)
		}
		summary := stored(t, b, pngFile(2))
		w.FillEntries(t, a)
		w.Fire(t, a.Updater, a, workflow.EventComplete, "")
		w.Fire(t, a.Approver, a, workflow.EventApprove, "")
		ss := &store.SignedSummary{Filename: "bang.pdf", Size: summary.Size, SHA256: summary.SHA256, Signature: json.RawMessage(`{}`)}
		if err := s.AddSignedSummary(ctx, a.Approver, a.ReportID, ss, 0, false, store.Meta{}); err != nil {
			t.Fatal(err)
		}
		orphan := stored(t, b, pngFile(3)) // the process died before its row
		refused := stored(t, b, pngFile(4))
		wantCode(t, s.AddEvidence(ctx, a.Updater, a.ReportID, record(refused, "1.1.1"), store.Meta{}), workflow.ECONFLICT) // reviewed: no more evidence

		if n, err := b.Sweep(ctx, time.Now().Add(-time.Hour), s.ReferencedBlobs); err != nil || n != 0 {
			t.Fatalf("a sweep inside the grace period removed %d (%v)", n, err)
		}
		n, err := b.Sweep(ctx, time.Now().Add(time.Hour), s.ReferencedBlobs)
		if err != nil || n != 2 {
			t.Fatalf("the sweep removed %d blobs (%v), want the 2 unreferenced", n, err)
		}
		for _, up := range []*evidence.Upload{kept, summary} {
			rc, _, err := b.Open(ctx, up.SHA256)
			if err != nil {
				t.Fatalf("a referenced blob is gone: %v", err)
			}
			rc.Close()
		}
		for _, up := range []*evidence.Upload{orphan, refused} {
			_, _, err := b.Open(ctx, up.SHA256)
			wantCode(t, err, workflow.ENOTFOUND)
		}
	})
}
