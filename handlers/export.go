package handlers

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"

	"parindex/evidence"
	"parindex/export"
	"parindex/store"
	"parindex/workflow"
)

// summaryOf turns one version of a report into what the exports print. Its
// time is the version's, so that an export depends on the version only and
// the same version exports to the same bytes.
func (s *Server) summaryOf(d *store.ExportData) export.Summary {
	r := d.Report
	files := map[string][]export.Evidence{}
	for _, e := range d.Evidence {
		var sig struct {
			Present bool `json:"present"`
			Valid   bool `json:"valid"`
		}
		_ = json.Unmarshal(e.Signature, &sig) // a record without a report counts as unsigned
		files[e.Code] = append(files[e.Code], export.Evidence{Name: e.Filename, Signed: sig.Present && sig.Valid})
	}
	entries := map[string]workflow.Entry{}
	for _, e := range r.Entries {
		entries[e.Code] = e
	}
	sum := export.Summary{
		Province: s.province, Agency: d.Agency.Name, AgencyCode: d.Agency.Code,
		Campaign: d.Campaign.Name, Year: d.Campaign.Year, ReportID: r.ID, Round: r.Round, Version: r.Version,
		State: string(r.State), GeneratedAt: r.UpdatedAt.In(s.zone),
		SelfTotal: points2(r.SelfTotal), MaxTotal: points2(r.MaxTotal), Index: workflow.Index(r.SelfTotal, r.MaxTotal),
		Digest: r.Digest(d.EvidenceDigests()),
	}
	// rows appends c and its subtree and returns the subtree's self and max totals.
	var rows func(c *workflow.Criterion, depth int, stt string) (workflow.Points, workflow.Points)
	rows = func(c *workflow.Criterion, depth int, stt string) (workflow.Points, workflow.Points) {
		at := len(sum.Rows)
		sum.Rows = append(sum.Rows, export.Row{STT: stt, Code: c.Code, Title: c.Title, Depth: depth, Leaf: c.IsLeaf(), MaxPoints: points2(c.MaxPoints)})
		if c.IsLeaf() {
			e := entries[c.Code]
			row := &sum.Rows[at]
			row.Evidence, row.Explanation, row.Exempt = files[c.Code], e.Explanation, e.Exempt
			if e.Exempt {
				return 0, 0
			}
			if e.SelfScore != nil {
				row.SelfScore = points2(*e.SelfScore)
				return *e.SelfScore, c.MaxPoints
			}
			return 0, c.MaxPoints
		}
		var self, max workflow.Points
		for i, child := range c.Children {
			cs, cm := rows(child, depth+1, strconv.Itoa(i+1))
			self, max = self+cs, max+cm
		}
		sum.Rows[at].SelfScore, sum.Rows[at].MaxPoints = points2(self), points2(max)
		return self, max
	}
	for i, c := range d.Set.Criteria {
		rows(c, 0, roman(i+1))
	}
	return sum
}

// points2 prints points with two decimals, as the province's tables do.
func points2(p workflow.Points) string {
	sign, n := "", int64(p)
	if n < 0 {
		sign, n = "-", -n
	}
	return fmt.Sprintf("%s%d.%02d", sign, n/100, n%100)
}

// roman numbers the top-level fields: I, II, III, IV …
func roman(n int) string {
	vals := []int{1000, 900, 500, 400, 100, 90, 50, 40, 10, 9, 5, 4, 1}
	syms := []string{"M", "CM", "D", "CD", "C", "XC", "L", "XL", "X", "IX", "V", "IV", "I"}
	var b bytes.Buffer
	for i, v := range vals {
		for n >= v {
			b.WriteString(syms[i])
			n -= v
		}
	}
	return b.String()
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
	ss.UploadedAt = ss.UploadedAt.In(s.zone)
	writeJSON(w, http.StatusCreated, signedSummaryJSON{SignedSummary: ss, Warning: s.policyWarning(f.report)})
}

// signedSummaryJSON is a signed summary as uploads answer it: with a
// warning, under the report policy, that an untrusted signer was accepted.
type signedSummaryJSON struct {
	*store.SignedSummary
	Warning string `json:"warning,omitempty"`
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
	ss.UploadedAt = ss.UploadedAt.In(s.zone)
	writeJSON(w, http.StatusOK, ss)
}
