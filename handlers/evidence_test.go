package handlers_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/png"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"

	"parindex/evidence"
	"parindex/export"
	"parindex/handlers"
	"parindex/internal/testkit"
	"parindex/signature"
	"parindex/signature/signtest"
	"parindex/store/storetest"
	"parindex/workflow"
)

// upload is a multipart body with one file field, and its Content-Type.
func upload(t *testing.T, field, filename string, content []byte) (body, ctype string) {
	t.Helper()
	raw := testkit.Upload(t, field, filename, content)
	return string(raw.Data), raw.ContentType
}

// pngBytes is a small real PNG image.
func pngBytes(t *testing.T) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := png.Encode(&b, image.NewRGBA(image.Rect(0, 0, 4, 4))); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// signing is a trust store with one root, a signer it issued and one it did not.
type signing struct {
	roots     *x509.CertPool
	trusted   *signtest.Signer
	untrusted *signtest.Signer
}

func newSigning(t *testing.T) signing {
	ca := signtest.NewCA(t, "CA Chính phủ thử nghiệm")
	other := signtest.NewCA(t, "CA lạ")
	pool := x509.NewCertPool()
	pool.AddCert(ca.Cert)
	return signing{roots: pool, trusted: ca.Issue(t, "Nguyễn Văn An", "Sở Tư pháp"), untrusted: other.Issue(t, "Kẻ giả mạo", "Không rõ")}
}

// s3Bucket serves an in-process S3 (gofakes3) and opens a bucket on it.
func s3Bucket(t *testing.T) *evidence.Bucket {
	t.Helper()
	backend := s3mem.New()
	if err := backend.CreateBucket("parindex"); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	t.Setenv("AWS_ACCESS_KEY_ID", "test")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "test")
	b, err := evidence.Open(context.Background(), "s3://parindex?endpoint="+srv.URL+"&region=us-east-1&use_path_style=true")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func evidencePath(reportID int64, code string) string {
	return fmt.Sprintf("/api/v1/reports/%d/entries/%s/evidence", reportID, code)
}

func countRows(t *testing.T, e *env, table string) int {
	return storetest.Count(t, e.Store, "SELECT COUNT(*) FROM "+table)
}

// TestEvidence uploads, lists, downloads and deletes evidence over HTTP, on
// both databases and both blob backends.
func TestEvidence(t *testing.T) {
	sg := newSigning(t)
	storetest.Each(t, func(t *testing.T, dialect string) {
		for _, backend := range []string{"file", "s3"} {
			t.Run(backend, func(t *testing.T) {
				e := newEnv(t, dialect, func(c *handlers.Config) {
					c.TrustRoots = sg.roots
					c.MaxUpload = 256 << 10
					if backend == "s3" {
						c.Bucket = s3Bucket(t)
					}
				})
				a := e.Dept
				path := evidencePath(a.ReportID, "1.1.1")
				signed := sg.trusted.Sign(t, signtest.MinimalPDF(t, "Kế hoạch CCHC năm 2026"))
				name := "Kế hoạch cải cách hành chính 2026 (bản ký số).pdf"

				before := e.snap(t, a.ReportID)
				body, ctype := upload(t, "file", name, signed)
				res := e.do(t, 201, req{method: "POST", path: path, as: "updater", body: body, ctype: ctype})
				var ev handlers.EvidenceJSON
				decode(t, res, &ev)
				var sig struct {
					Present, Valid, Trusted bool
					CoversFile              bool `json:"covers_file"`
					Status, Signer          string
					Organization            string
				}
				if err := json.Unmarshal(ev.Signature, &sig); err != nil {
					t.Fatal(err)
				}
				if ev.Filename != name || ev.Size != int64(len(signed)) || ev.MediaType != "application/pdf" || len(ev.SHA256) != 64 || ev.Code != "1.1.1" {
					t.Errorf("evidence = %+v", ev)
				}
				if !sig.Present || !sig.Valid || !sig.CoversFile || !sig.Trusted || sig.Status != "valid" || sig.Signer != "Nguyễn Văn An" || sig.Organization != "Sở Tư pháp" {
					t.Errorf("signature = %+v", sig)
				}
				after := e.snap(t, a.ReportID)
				if after.Report.Version != before.Report.Version+1 {
					t.Errorf("version %d → %d, want +1", before.Report.Version, after.Report.Version)
				}
				last := after.History[len(after.History)-1]
				if last.Event != "evidence_add" || last.Actor == nil || last.Actor.ID != a.Updater.ID || !strings.Contains(last.Reason, name) {
					t.Errorf("history %+v", last)
				}

				// An image is a scan; the list shows both, oldest first.
				body, ctype = upload(t, "file", "ảnh hội nghị.png", pngBytes(t))
				res = e.do(t, 201, req{method: "POST", path: path, as: "updater", body: body, ctype: ctype})
				var scan handlers.EvidenceJSON
				decode(t, res, &scan)
				if !strings.Contains(string(scan.Signature), `"status":"scan"`) || scan.MediaType != "image/png" {
					t.Errorf("png evidence = %s %s", scan.MediaType, scan.Signature)
				}
				var list []handlers.EvidenceJSON
				decode(t, e.do(t, 200, req{method: "GET", path: path, as: "council"}), &list)
				if len(list) != 2 || list[0].ID != ev.ID || list[1].ID != scan.ID {
					t.Fatalf("list = %+v", list)
				}
				if r := e.Report(t, a); r.Entries[0].Code != "1.1.1" || r.Entries[0].Evidence != 2 {
					t.Errorf("report entry evidence count = %+v", r.Entries[0])
				}

				// Download: byte for byte, the Vietnamese name per RFC 5987.
				res = e.do(t, 200, req{method: "GET", path: fmt.Sprintf("/api/v1/evidence/%d", ev.ID), as: "approver"})
				if !bytes.Equal(res.body, signed) || res.header.Get("Content-Type") != "application/pdf" {
					t.Errorf("download: %d bytes, %s", len(res.body), res.header.Get("Content-Type"))
				}
				if cd := res.header.Get("Content-Disposition"); !strings.Contains(cd, "filename*=UTF-8''K%E1%BA%BF%20ho%E1%BA%A1ch") {
					t.Errorf("Content-Disposition %q", cd)
				}
				e.do(t, 404, req{method: "GET", path: fmt.Sprintf("/api/v1/evidence/%d", ev.ID), as: "other-updater"})

				// Delete hides it from the round and keeps it for history.
				v := e.Report(t, a).Version
				e.do(t, 403, req{method: "DELETE", path: fmt.Sprintf("/api/v1/evidence/%d", ev.ID), as: "approver"})
				e.do(t, 204, req{method: "DELETE", path: fmt.Sprintf("/api/v1/evidence/%d", ev.ID), as: "updater"})
				wantProblem(t, e.do(t, 404, req{method: "DELETE", path: fmt.Sprintf("/api/v1/evidence/%d", ev.ID), as: "updater"}), 404)
				if got := e.Report(t, a).Version; got != v+1 {
					t.Errorf("delete: version %d, want %d", got, v+1)
				}
				decode(t, e.do(t, 200, req{method: "GET", path: path, as: "updater"}), &list)
				if len(list) != 1 || list[0].ID != scan.ID {
					t.Errorf("after delete, list = %+v", list)
				}
				decode(t, e.do(t, 200, req{method: "GET", path: path + "?deleted=true", as: "council"}), &list)
				if len(list) != 2 || list[0].DeletedAt == nil {
					t.Errorf("council's list with deleted = %+v", list)
				}
				res = e.do(t, 200, req{method: "GET", path: fmt.Sprintf("/api/v1/evidence/%d", ev.ID), as: "council"})
				if !bytes.Equal(res.body, signed) {
					t.Error("a deleted file's bytes are gone")
				}
				if n := countRows(t, e, "evidence"); n != 2 {
					t.Errorf("%d evidence rows, want 2 (nothing erased)", n)
				}
			})
		}
	})
}

// TestEvidenceRefused: every refusal answers before or instead of storing,
// and changes nothing.
func TestEvidenceRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect, func(c *handlers.Config) { c.MaxUpload = 64 << 10 })
		a := e.Dept
		pdf := signtest.MinimalPDF(t, "tài liệu")
		body, ctype := upload(t, "file", "a.pdf", pdf)
		post := func(field, name string, content []byte) req {
			body, ctype := upload(t, field, name, content)
			return req{method: "POST", path: evidencePath(a.ReportID, "1.1.1"), as: "updater", body: body, ctype: ctype}
		}
		tests := []struct {
			name   string
			r      req
			status int
			fields []string
		}{
			{"approver", req{method: "POST", path: evidencePath(a.ReportID, "1.1.1"), as: "approver", body: body, ctype: ctype}, 403, nil},
			{"other agency", req{method: "POST", path: evidencePath(a.ReportID, "1.1.1"), as: "other-updater", body: body, ctype: ctype}, 404, nil},
			{"unknown criterion", req{method: "POST", path: evidencePath(a.ReportID, "9.9.9"), as: "updater", body: body, ctype: ctype}, 404, nil},
			{"a group, not a leaf", req{method: "POST", path: evidencePath(a.ReportID, "1.1"), as: "updater", body: body, ctype: ctype}, 422, []string{"entries/1.1"}},
			{"not multipart", req{method: "POST", path: evidencePath(a.ReportID, "1.1.1"), as: "updater", body: string(pdf), ctype: "application/pdf"}, 415, nil},
			{"text renamed .pdf", post("file", "x.pdf", []byte("chỉ là văn bản, không phải PDF\n")), 415, nil},
			{"too large", post("file", "big.pdf", append(append([]byte{}, pdf...), make([]byte, 70<<10)...)), 413, nil},
			{"no file field", post("other", "a.pdf", pdf), 422, []string{"file"}},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				before := e.snap(t, a.ReportID)
				res := e.do(t, tt.status, tt.r)
				wantProblem(t, res, tt.status, tt.fields...)
				e.unchanged(t, before)
				if n := countRows(t, e, "evidence"); n != 0 {
					t.Errorf("%d evidence rows after a refusal", n)
				}
			})
		}
		t.Run("not draft, window closed", func(t *testing.T) {
			e.walk(t, a, workflow.StateEntered)
			wantProblem(t, e.do(t, 409, req{method: "POST", path: evidencePath(a.ReportID, "1.1.1"), as: "updater", body: body, ctype: ctype}), 409)
			e.Clock.Set(e.Campaign.ClosesAt)
			wantProblem(t, e.do(t, 423, req{method: "POST", path: evidencePath(a.ReportID, "1.1.1"), as: "updater", body: body, ctype: ctype}), 423)
		})
	})
}

// TestCompleteCountsEvidence: a score with evidence and no explanation is complete.
func TestCompleteCountsEvidence(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		a := e.Dept
		r := e.Report(t, a)
		for _, entry := range r.Entries {
			if entry.Method == workflow.MethodSelf {
				e.Put(t, a, entry.Code, "0", "")
			}
		}
		res := e.do(t, 422, req{method: "POST", path: fmt.Sprintf("/api/v1/reports/%d/transitions", a.ReportID), as: "updater", body: `{"event":"complete"}`})
		p := wantProblem(t, res, 422)
		if len(p.Errors) == 0 || !strings.Contains(p.Errors[0].Message, "tài liệu kiểm chứng hoặc giải trình") {
			t.Fatalf("problem %+v", p)
		}
		for _, entry := range r.Entries {
			if entry.Method != workflow.MethodSelf {
				continue
			}
			body, ctype := upload(t, "file", "minh chứng "+entry.Code+".png", pngBytes(t))
			e.do(t, 201, req{method: "POST", path: evidencePath(a.ReportID, entry.Code), as: "updater", body: body, ctype: ctype})
		}
		e.do(t, 200, req{method: "POST", path: fmt.Sprintf("/api/v1/reports/%d/transitions", a.ReportID), as: "updater", body: `{"event":"complete"}`})
	})
}

// TestExportsAndSignedSummary: export the summary, sign it outside the
// service, upload it, sign; and every way a signed file can be wrong.
func TestExportsAndSignedSummary(t *testing.T) {
	sg := newSigning(t)
	storetest.Each(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect, func(c *handlers.Config) { c.TrustRoots = sg.roots })
		a := e.Dept
		e.walk(t, a, workflow.StateEntered)
		e.Fire(t, a.Approver, a, workflow.EventApprove, "")
		base := fmt.Sprintf("/api/v1/reports/%d", a.ReportID)

		pdf1 := e.do(t, 200, req{method: "GET", path: base + "/summary.pdf", as: "approver"})
		pdf2 := e.do(t, 200, req{method: "GET", path: base + "/summary.pdf", as: "council"})
		if !bytes.HasPrefix(pdf1.body, []byte("%PDF-")) || !bytes.Equal(pdf1.body, pdf2.body) {
			t.Fatal("summary.pdf is not the same bytes twice")
		}
		if ct := pdf1.header.Get("Content-Type"); ct != "application/pdf" {
			t.Errorf("Content-Type %q", ct)
		}
		xlsx := e.do(t, 200, req{method: "GET", path: base + "/summary.xlsx", as: "updater"})
		if !bytes.HasPrefix(xlsx.body, []byte("PK")) || !strings.Contains(xlsx.header.Get("Content-Type"), "spreadsheetml") {
			t.Errorf("summary.xlsx: %s", xlsx.header.Get("Content-Type"))
		}
		rpt := e.do(t, 200, req{method: "GET", path: base + "/report.pdf", as: "admin"})
		if !bytes.HasPrefix(rpt.body, []byte("%PDF-")) {
			t.Error("report.pdf is not a PDF")
		}
		e.do(t, 404, req{method: "GET", path: base + "/summary.pdf", as: "other-approver"})

		uploadSigned := func(as string, content []byte, status int) handlers.SignedSummaryJSON {
			t.Helper()
			body, ctype := upload(t, "file", "Bảng tổng hợp (đã ký).pdf", content)
			res := e.do(t, status, req{method: "POST", path: base + "/signed-summary", as: as, body: body, ctype: ctype})
			var ss handlers.SignedSummaryJSON
			if status == 201 {
				decode(t, res, &ss)
			}
			return ss
		}
		sign := func(status int) problem {
			t.Helper()
			res := e.do(t, status, req{method: "POST", path: base + "/transitions", as: "approver", body: `{"event":"sign"}`})
			if status != 200 {
				return wantProblem(t, res, status, "signed_summary")
			}
			return problem{}
		}
		version := e.Report(t, a).Version

		// Refusals that need no file, and files that are not good enough.
		uploadSigned("updater", sg.trusted.Sign(t, pdf1.body), 403)
		e.Store.DB().Exec("DELETE FROM signed_summaries") // the world's fixtures attach none; make sure
		sign(422)
		ss := uploadSigned("approver", sg.trusted.Sign(t, signtest.MinimalPDF(t, "không phải bảng tổng hợp")), 201)
		if ss.MatchesVersion != nil {
			t.Errorf("an unrelated PDF matches version %d", *ss.MatchesVersion)
		}
		if p := sign(422); !strings.Contains(p.Detail, "không phải bảng tổng hợp xuất") {
			t.Errorf("unrelated: %s", p.Detail)
		}
		junk := append(sg.trusted.Sign(t, pdf1.body), []byte("\n% appended after signing\n")...)
		uploadSigned("approver", junk, 201)
		if p := sign(422); !strings.Contains(p.Detail, "không bao trùm toàn bộ tệp") {
			t.Errorf("appended: %s", p.Detail)
		}
		flipped := sg.trusted.Sign(t, pdf1.body)
		flipped[len(pdf1.body)/2] ^= 0x01
		uploadSigned("approver", flipped, 201)
		if p := sign(422); !strings.Contains(p.Detail, "không hợp lệ") {
			t.Errorf("flipped: %s", p.Detail)
		}
		uploadSigned("approver", pdf1.body, 201)
		if p := sign(422); !strings.Contains(p.Detail, "không có chữ ký số") {
			t.Errorf("unsigned: %s", p.Detail)
		}

		// The real thing: the export, signed incrementally.
		good := uploadSigned("approver", sg.trusted.Sign(t, pdf1.body), 201)
		if good.MatchesVersion == nil || *good.MatchesVersion != version || !strings.Contains(string(good.Signature), `"covers_file":true`) {
			t.Fatalf("good upload = %+v %s", good, good.Signature)
		}
		if got := e.Report(t, a).Version; got != version {
			t.Errorf("uploading a signed summary moved the version %d → %d", version, got)
		}

		// Any change after export makes it stale.
		e.Fire(t, a.Approver, a, workflow.EventReturn, "Bổ sung minh chứng")
		e.Put(t, a, "1.1.1", "0.5", "Đã sửa")
		e.Fire(t, a.Updater, a, workflow.EventComplete, "")
		e.Fire(t, a.Approver, a, workflow.EventApprove, "")
		e.Store.DB().Exec(e.Store.DB().Rebind("DELETE FROM signed_summaries WHERE id <> ?"), good.ID)
		if p := sign(422); !strings.Contains(p.Detail, "đã cũ") {
			t.Errorf("stale: %s", p.Detail)
		}
		fresh := e.do(t, 200, req{method: "GET", path: base + "/summary.pdf", as: "approver"})
		if bytes.Equal(fresh.body, pdf1.body) {
			t.Error("a new version exports the same bytes")
		}
		uploadSigned("approver", sg.trusted.Sign(t, fresh.body), 201)
		sign(200)
		var latest handlers.SignedSummaryJSON
		decode(t, e.do(t, 200, req{method: "GET", path: base + "/signed-summary", as: "council"}), &latest)
		if latest.MatchesVersion == nil {
			t.Errorf("latest signed summary %+v", latest)
		}
		uploadSigned("approver", sg.trusted.Sign(t, fresh.body), 409) // signed now: uploads are for reviewed reports
	})
}

// TestExportWritesFiles keeps one exported PDF for a person to look at when
// PARINDEX_EXPORT_DIR is set (never in CI).
func TestExportWritesFiles(t *testing.T) {
	dir := os.Getenv("PARINDEX_EXPORT_DIR")
	if dir == "" {
		t.Skip("set PARINDEX_EXPORT_DIR to keep exported files")
	}
	e := newEnv(t, storetest.Dialects(t)[0])
	e.FillEntries(t, e.Dept)
	for _, name := range []string{"summary.pdf", "summary.xlsx", "report.pdf"} {
		res := e.do(t, 200, req{method: "GET", path: fmt.Sprintf("/api/v1/reports/%d/%s", e.Dept.ReportID, name), as: "approver"})
		if err := os.WriteFile(filepath.Join(dir, name), res.body, 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// roots makes e's server trust the signing's root (a new server on the same world).
func (e *env) roots(t *testing.T, sg signing) {
	t.Helper()
	*e = *e.withServer(t, func(c *handlers.Config) { c.TrustRoots = sg.roots })
}

// TestEvidenceCorruptedOnDisk: bytes changed behind the service's back are
// never served as the file: the download breaks off instead of completing.
func TestEvidenceCorruptedOnDisk(t *testing.T) {
	dir := t.TempDir()
	e := newEnv(t, storetest.Dialects(t)[0], func(c *handlers.Config) {
		b, err := evidence.Open(context.Background(), "file://"+filepath.ToSlash(dir))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { b.Close() })
		c.Bucket = b
	})
	content := pngBytes(t)
	body, ctype := upload(t, "file", "ảnh.png", content)
	var ev handlers.EvidenceJSON
	decode(t, e.do(t, 201, req{method: "POST", path: evidencePath(e.Dept.ReportID, "1.1.1"), as: "updater", body: body, ctype: ctype}), &ev)
	blob := filepath.Join(dir, "sha256", ev.SHA256[:2], ev.SHA256)
	if got, err := os.ReadFile(blob); err != nil || !bytes.Equal(got, content) {
		t.Fatalf("the blob is not at %s: %v", blob, err)
	}
	bad := bytes.Clone(content)
	bad[len(bad)-1] ^= 0xff
	if err := os.WriteFile(blob, bad, 0o600); err != nil {
		t.Fatalf("corrupt %s: %v", blob, err)
	}
	// The answer must break off: Send fails reading the body.
	approver := testkit.Client{Base: e.srv.URL, Token: e.tokens["approver"]}
	if res, err := approver.Send(context.Background(), "GET", fmt.Sprintf("/api/v1/evidence/%d", ev.ID), nil); err == nil {
		t.Fatalf("a corrupted file was served whole: status %d, %d bytes (equal to the original: %v)", res.Status, len(res.Body), bytes.Equal(res.Body, content))
	}
}

// summaryFlow is a report of the Dept agency brought to reviewed, with
// helpers to export its summary, upload a signed file and fire sign.
type summaryFlow struct {
	e    *env
	base string
}

func newSummaryFlow(t *testing.T, e *env) summaryFlow {
	t.Helper()
	a := e.Dept
	e.walk(t, a, workflow.StateEntered)
	e.Fire(t, a.Approver, a, workflow.EventApprove, "")
	return summaryFlow{e: e, base: fmt.Sprintf("/api/v1/reports/%d", a.ReportID)}
}

func (f summaryFlow) export(t *testing.T) []byte {
	t.Helper()
	return f.e.do(t, 200, req{method: "GET", path: f.base + "/summary.pdf", as: "approver"}).body
}

func (f summaryFlow) upload(t *testing.T, content []byte) (handlers.SignedSummaryJSON, map[string]any) {
	t.Helper()
	body, ctype := upload(t, "file", "Bảng tổng hợp (đã ký).pdf", content)
	res := f.e.do(t, 201, req{method: "POST", path: f.base + "/signed-summary", as: "approver", body: body, ctype: ctype})
	var ss handlers.SignedSummaryJSON
	decode(t, res, &ss)
	var raw map[string]any
	decode(t, res, &raw)
	return ss, raw
}

// fire answers an event; a refusal must name signed_summary.
func (f summaryFlow) fire(t *testing.T, event string, status int) problem {
	t.Helper()
	res := f.e.do(t, status, req{method: "POST", path: f.base + "/transitions", as: "approver", body: `{"event":"` + event + `"}`})
	if status != 200 {
		return wantProblem(t, res, status, "signed_summary")
	}
	return problem{}
}

// TestSignedSummaryForgeries: a signed summary is the export of this
// version, byte for byte, plus what a signing tool adds. A PDF that only
// carries the export's metadata, and exports changed before signing (a
// content stream replaced, a page added, a font swapped) are refused; a
// visible signature stamp is accepted. On both stores.
func TestSignedSummaryForgeries(t *testing.T) {
	sg := newSigning(t)
	storetest.Each(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect, func(c *handlers.Config) { c.TrustRoots = sg.roots })
		f := newSummaryFlow(t, e)
		pdf := f.export(t)
		rep, err := signature.Verify(context.Background(), bytes.NewReader(pdf), int64(len(pdf)), "application/pdf", signature.Options{})
		if err != nil {
			t.Fatal(err)
		}
		kw := rep.Info["Keywords"]
		if _, v, digest, ok := export.ParseKeywords(kw); !ok || v != e.Report(t, e.Dept).Version || len(digest) != 64 {
			t.Fatalf("the export's Keywords %q", kw)
		}

		forgeries := map[string]struct {
			file   []byte
			detail string
		}{
			"metadata only":    {sg.trusted.Sign(t, signtest.MinimalPDFWithKeywords(t, "Bang tong hop (in lai)", kw)), "không phải bảng tổng hợp xuất"},
			"content replaced": {sg.trusted.Sign(t, signtest.ForgeContent(t, pdf, "Tong diem: 100,00")), "đã bị thay đổi sau khi xuất (nội dung trang"},
			"page added":       {sg.trusted.Sign(t, signtest.ForgePage(t, pdf, "Trang bo sung")), "(trang"},
			"font swapped":     {sg.trusted.Sign(t, signtest.ForgeFont(t, pdf)), "đã bị thay đổi sau khi xuất (nội dung trang"},
		}
		for name, c := range forgeries {
			t.Run(name, func(t *testing.T) {
				ss, _ := f.upload(t, c.file)
				if ss.MatchesVersion != nil {
					t.Fatalf("a forgery matches version %d", *ss.MatchesVersion)
				}
				if p := f.fire(t, "sign", 422); !strings.Contains(p.Detail, c.detail) {
					t.Errorf("detail %q, want it to contain %q", p.Detail, c.detail)
				}
				if got := e.Report(t, e.Dept).State; got != workflow.StateReviewed {
					t.Errorf("state %s after a refused sign", got)
				}
			})
		}

		visible := *sg.trusted
		visible.Visible = true
		ss, _ := f.upload(t, visible.Sign(t, pdf))
		if ss.MatchesVersion == nil || len(ss.ExportChanges) != 1 || ss.ExportChanges[0] != signature.ChangeForm {
			t.Fatalf("a visible signature stamp: matches %v, changes %q", ss.MatchesVersion, ss.ExportChanges)
		}
		f.fire(t, "sign", 200)
		f.fire(t, "submit", 200)
	})
}

// TestSignaturePolicy: under require-trusted, sign refuses a summary whose
// signer does not chain to the trust roots, or was revoked, naming the
// signer and why; under report it is accepted and the upload answer and
// /readyz say plainly that it was. Registered signers bind an agency's
// summary to them. Submit checks the summary again.
func TestSignaturePolicy(t *testing.T) {
	sg := newSigning(t)
	storetest.Each(t, func(t *testing.T, dialect string) {
		t.Run("report accepts and says so", func(t *testing.T) {
			e := newEnv(t, dialect, func(c *handlers.Config) { c.TrustRoots = sg.roots })
			f := newSummaryFlow(t, e)
			_, raw := f.upload(t, sg.untrusted.Sign(t, f.export(t)))
			if w, _ := raw["warning"].(string); !strings.Contains(w, "không tin cậy vẫn được chấp nhận") {
				t.Errorf("upload answer warning %q", w)
			}
			var ready map[string]string
			decode(t, e.do(t, 200, req{method: "GET", path: "/readyz"}), &ready)
			if ready["signature_policy"] != "report" || !strings.Contains(ready["detail"], "không tin cậy") {
				t.Errorf("readyz %v", ready)
			}
			f.fire(t, "sign", 200)
		})

		t.Run("require-trusted refuses an untrusted signer", func(t *testing.T) {
			e := newEnv(t, dialect, func(c *handlers.Config) { c.TrustRoots = sg.roots })
			e.Store.SetSignaturePolicy(workflow.PolicyRequireTrusted)
			f := newSummaryFlow(t, e)
			_, raw := f.upload(t, sg.untrusted.Sign(t, f.export(t)))
			if _, ok := raw["warning"]; ok {
				t.Errorf("a warning under require-trusted: %v", raw["warning"])
			}
			p := f.fire(t, "sign", 422)
			if !strings.Contains(p.Detail, "Kẻ giả mạo") || !strings.Contains(p.Detail, "không do tổ chức chứng thực tin cậy cấp") {
				t.Errorf("detail %q: want the signer and why", p.Detail)
			}
			f.upload(t, sg.trusted.Sign(t, f.export(t)))
			f.fire(t, "sign", 200)
		})

		t.Run("a revoked signer is refused", func(t *testing.T) {
			ca := signtest.NewCA(t, "CA có danh sách thu hồi")
			revoked := ca.Issue(t, "Trần Văn Bị Thu Hồi", "Sở Tư pháp")
			dir := signtest.WriteRootsDir(t, ca)
			if err := os.WriteFile(filepath.Join(dir, "ca.crl"), ca.CRL(t, time.Time{}, revoked), 0o600); err != nil {
				t.Fatal(err)
			}
			trust, err := signature.LoadTrust(dir)
			if err != nil {
				t.Fatal(err)
			}
			e := newEnv(t, dialect, func(c *handlers.Config) { c.Trust = trust })
			e.Store.SetSignaturePolicy(workflow.PolicyRequireTrusted)
			f := newSummaryFlow(t, e)
			ss, _ := f.upload(t, revoked.Sign(t, f.export(t)))
			if !strings.Contains(string(ss.Signature), `"revoked":true`) || !strings.Contains(string(ss.Signature), `"status":"revoked"`) {
				t.Errorf("signature %s: want it reported as revoked", ss.Signature)
			}
			if p := f.fire(t, "sign", 422); !strings.Contains(p.Detail, "đã bị thu hồi") {
				t.Errorf("detail %q", p.Detail)
			}
		})

		t.Run("registered signers", func(t *testing.T) {
			e := newEnv(t, dialect, func(c *handlers.Config) { c.TrustRoots = sg.roots })
			f := newSummaryFlow(t, e)
			signers := fmt.Sprintf("/api/v1/agencies/%d/signers", e.Dept.ID)
			other := sg.untrusted.Cert.Raw
			sum := sha256.Sum256(other)
			var created map[string]any
			decode(t, e.do(t, 201, req{method: "POST", path: signers, as: "admin", body: jsonBody(t, map[string]string{"fingerprint": strings.ToUpper(hex.EncodeToString(sum[:])), "note": "Giám đốc"})}), &created)
			wantProblem(t, e.do(t, 422, req{method: "POST", path: signers, as: "admin", body: `{"fingerprint":"abc"}`}), 422, "fingerprint")
			e.do(t, 403, req{method: "POST", path: signers, as: "approver", body: `{"organization":"Sở Tư pháp"}`})
			e.do(t, 404, req{method: "GET", path: "/api/v1/agencies/999999/signers", as: "admin"})

			f.upload(t, sg.trusted.Sign(t, f.export(t)))
			if p := f.fire(t, "sign", 422); !strings.Contains(p.Detail, "không phải người ký đã đăng ký") || !strings.Contains(p.Detail, "Nguyễn Văn An") {
				t.Errorf("detail %q", p.Detail)
			}
			decode(t, e.do(t, 201, req{method: "POST", path: signers, as: "admin", body: `{"organization":"sở tư pháp"}`}), &created)
			var list []map[string]any
			decode(t, e.do(t, 200, req{method: "GET", path: signers, as: "admin"}), &list)
			if len(list) != 2 {
				t.Fatalf("signers %v", list)
			}
			f.fire(t, "sign", 200)
			if n := storetest.Count(t, e.Store, "SELECT COUNT(*) FROM audit_log WHERE kind = 'signer'"); n != 2 {
				t.Errorf("%d audit rows for signers, want 2", n)
			}
			e.do(t, 204, req{method: "DELETE", path: fmt.Sprintf("%s/%v", signers, created["id"]), as: "admin"})
			e.do(t, 404, req{method: "DELETE", path: fmt.Sprintf("%s/%v", signers, created["id"]), as: "admin"})
			// Only the fingerprint of another signer is left: submit checks again.
			if p := f.fire(t, "submit", 422); !strings.Contains(p.Detail, "không phải người ký đã đăng ký") {
				t.Errorf("submit detail %q", p.Detail)
			}
		})

		t.Run("submit checks the content again", func(t *testing.T) {
			e := newEnv(t, dialect, func(c *handlers.Config) { c.TrustRoots = sg.roots })
			f := newSummaryFlow(t, e)
			f.upload(t, sg.trusted.Sign(t, f.export(t)))
			f.fire(t, "sign", 200)
			// Nothing in the workflow writes an entry of a signed report;
			// a change that got there anyway must not be submitted.
			e.Store.DB().MustExec(e.Store.DB().Rebind("UPDATE entries SET explanation = ? WHERE report_id = ? AND code = ?"), "sửa sau khi ký", e.Dept.ReportID, "1.1.1")
			if p := f.fire(t, "submit", 422); !strings.Contains(p.Detail, "không còn khớp") {
				t.Errorf("detail %q", p.Detail)
			}
			if got := e.Report(t, e.Dept).State; got != workflow.StateSigned {
				t.Errorf("state %s", got)
			}
		})
	})
}
