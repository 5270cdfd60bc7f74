package handlers

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"parindex/evidence"
	"parindex/export"
	"parindex/store"
)

// summaryOf is what the exports of one version print.
func (s *Server) summaryOf(d *store.ExportData) export.Summary {
	files := make([]export.File, len(d.Evidence))
	for i, e := range d.Evidence {
		files[i] = export.File{Code: e.Code, Name: e.Filename, SHA256: e.SHA256, Signed: e.SignatureVerifies()}
	}
	return export.SummaryOf(export.Source{Province: s.province, Zone: s.zone, Report: d.Report, Set: d.Set,
		Campaign: d.Campaign, Agency: d.Agency, Files: files})
}

// exportFile renders one export of the report's current version.
func (s *Server) exportFile(w http.ResponseWriter, r *http.Request, mediaType, name string, render func(io.Writer, export.Summary) error) {
	id, _, err := s.visibleReport(r)
	var d *store.ExportData
	if err == nil {
		d, err = s.store.ExportData(r.Context(), currentUser(r), id)
	}
	if err != nil {
		s.problem(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := s.rendering(r, func() error { return render(&buf, s.summaryOf(d)) }); err != nil {
		s.problem(w, r, err)
		return
	}
	h := w.Header()
	h.Set("Content-Type", mediaType)
	h.Set("Content-Length", strconv.Itoa(buf.Len()))
	h.Set("Content-Disposition", evidence.ContentDisposition(fmt.Sprintf("%s-%s-v%d.%s", name, d.Agency.Code, d.Report.Version, extension(mediaType))))
	h.Set("ETag", etag(d.Report.Version))
	w.WriteHeader(http.StatusOK)
	w.Write(buf.Bytes())
}

// rendering runs render once a render slot is free. Rendering is CPU work that
// holds a few megabytes (fonts, the page tree) while it runs; more renders at
// once than there are cores finish no sooner and only add up memory, which is
// what a deadline-hour burst of exports would otherwise do.
func (s *Server) rendering(r *http.Request, render func() error) error {
	select {
	case s.renders <- struct{}{}:
	case <-r.Context().Done():
		return r.Context().Err()
	}
	defer func() { <-s.renders }()
	return render()
}

func extension(mediaType string) string {
	if mediaType == "application/pdf" {
		return "pdf"
	}
	return "xlsx"
}

const xlsxType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

func (s *Server) handleSummaryXLSX(w http.ResponseWriter, r *http.Request) {
	s.exportFile(w, r, xlsxType, "bang-tong-hop", export.SummaryXLSX)
}

func (s *Server) handleSummaryPDF(w http.ResponseWriter, r *http.Request) {
	s.exportFile(w, r, "application/pdf", "bang-tong-hop", export.SummaryPDF)
}

func (s *Server) handleReportPDF(w http.ResponseWriter, r *http.Request) {
	s.exportFile(w, r, "application/pdf", "bao-cao-tu-danh-gia", export.ReportPDF)
}

// handleSignedSummaryCreate takes the approver's signed summary PDF, checks
// its signature and whether it is the summary export of the report's current
// version: its signed revision begins with exactly the exported bytes, and
// what follows them up to the signature only does what signing tools do
// (export.MatchSigned). Metadata proves nothing. Sign is refused later
// unless it is, the signature holds and the policy accepts the signer.
func (s *Server) handleSignedSummaryCreate(w http.ResponseWriter, r *http.Request) {
	id, _, err := s.visibleReport(r)
	u := currentUser(r)
	if err == nil {
		_, err = s.store.CheckSignedSummaryUpload(r.Context(), u, id)
	}
	f := s.acceptFile(w, r, err, "application/pdf")
	if f == nil {
		return
	}
	defer f.Close()
	d, err := s.store.ExportData(r.Context(), u, id)
	if err != nil {
		s.problem(w, r, err)
		return
	}
	sum := s.summaryOf(d)
	var want bytes.Buffer
	if err := s.rendering(r, func() error { return export.SummaryPDF(&want, sum) }); err != nil {
		s.problem(w, r, err)
		return
	}
	var m export.Match
	err = s.rendering(r, func() (err error) {
		m, err = export.MatchSigned(r.Context(), f.Upload.File, f.report.SignedLength, want.Bytes(), s.pdfTimeout)
		return err
	})
	if err != nil {
		s.problem(w, r, pdfError(err))
		return
	}
	ss := &store.SignedSummary{Filename: f.name, Size: f.Size, SHA256: f.SHA256, Signature: f.signature, ExportChanges: m.Changes}
	if m.Matches {
		ss.Digest = d.ContentDigest()
	}
	if err := s.store.AddSignedSummary(r.Context(), u, id, ss, d.Report.Version, m.Matches, meta(r)); err != nil {
		s.problem(w, r, err)
		return
	}
	out := s.signedSummaryOut(r, ss)
	out.Warning = s.policyWarning(r, f.report)
	writeJSON(w, http.StatusCreated, out)
}

func (s *Server) handleSignedSummaryGet(w http.ResponseWriter, r *http.Request) {
	id, _, err := s.visibleReport(r)
	var ss *store.SignedSummary
	if err == nil {
		ss, err = s.store.LatestSignedSummary(r.Context(), currentUser(r), id)
	}
	if err != nil {
		s.problem(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.signedSummaryOut(r, ss))
}
