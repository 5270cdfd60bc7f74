package export

import (
	"fmt"
	"io"
	"strings"

	"github.com/go-pdf/fpdf"
)

// Page geometry of the portrait report in mm: the administrative-document margins
// (wider at the binding edge).
const (
	reportLeft   = 25
	reportRight  = 15
	reportTop    = 15
	reportBottom = 18
)

// ReportPDF writes the self-assessment report (Báo cáo tự đánh giá) as a portrait
// A4 PDF: the national header, then each top-level group with its criteria, their
// scores, evidence and explanations as paragraphs, the totals and the signature
// block. It returns an EINVALID error when the digest is not a SHA-256.
func ReportPDF(w io.Writer, s Summary) error {
	if err := validate(s); err != nil {
		return err
	}
	pdf := newPDF(s, "P", reportTitle)
	pdf.SetMargins(reportLeft, reportTop, reportRight)
	pdf.SetAutoPageBreak(true, reportBottom)
	pdf.SetLineWidth(0.2)
	pdf.AddPage()

	reportHeader(pdf, s)
	for _, r := range s.Rows {
		if r.Leaf {
			reportLeaf(pdf, r)
		} else {
			reportGroup(pdf, r)
		}
	}
	reportTotals(pdf, s)
	signatureBlock(pdf, s, 80)
	return write(pdf, w)
}

// reportHeader prints the two-column heading of a Vietnamese administrative
// document (the agency at the left, the national name and motto at the right),
// then the title and the report's identity.
func reportHeader(pdf *fpdf.Fpdf, s Summary) {
	const leftW, rightW = 70, 100
	left, top, _, _ := pdf.GetMargins()
	pageW, _ := pdf.GetPageSize()
	rightX := pageW - reportRight - rightW

	pdf.SetXY(left, top)
	pdf.SetFont(fontFamily, "", 10)
	pdf.CellFormat(leftW, 5, clean(strings.ToUpper(s.Province)), "", 2, "C", false, 0, "")
	pdf.SetFont(fontFamily, "B", 10)
	pdf.CellFormat(leftW, 5, clean(strings.ToUpper(s.Agency)), "", 2, "C", false, 0, "")
	underline(pdf, left, leftW, 20)

	pdf.SetXY(rightX, top)
	pdf.SetFont(fontFamily, "B", 10)
	pdf.CellFormat(rightW, 5, nationName, "", 2, "C", false, 0, "")
	pdf.SetFont(fontFamily, "B", 11)
	pdf.CellFormat(rightW, 5, nationMotto, "", 2, "C", false, 0, "")
	underline(pdf, rightX, rightW, pdf.GetStringWidth(nationMotto))
	pdf.SetXY(rightX, pdf.GetY()+2)
	pdf.SetFont(fontFamily, "", 10)
	pdf.CellFormat(rightW, 5, clean(placeDate(s)), "", 1, "C", false, 0, "")

	pdf.Ln(8)
	pdf.SetFont(fontFamily, "B", 13)
	pdf.MultiCell(0, 6.5, reportTitle, "", "C", false)
	pdf.SetFont(fontFamily, "B", 11)
	pdf.MultiCell(0, 5.5, clean(s.Campaign), "", "C", false)
	pdf.Ln(3)
	pdf.SetFont(fontFamily, "", 10)
	pdf.MultiCell(0, 5, clean(agencyLine(s)), "", "L", false)
	pdf.MultiCell(0, 5, clean(versionLine(s, true)), "", "L", false)
	pdf.Ln(3)
}

// underline draws the short rule centred under the last header line.
func underline(pdf *fpdf.Fpdf, x, w, lineW float64) {
	y := pdf.GetY() + 0.5
	pdf.Line(x+(w-lineW)/2, y, x+(w+lineW)/2, y)
}

// reportGroup prints a field or criterion that has children: a bold heading with
// its points, larger for a top-level field.
func reportGroup(pdf *fpdf.Fpdf, r Row) {
	indent := depthIndent(r.Depth)
	size, gap := 10.5, 2.0
	if r.Depth <= 0 {
		size, gap = 11.5, 4
	}
	pdf.Ln(gap)
	keepWithNext(pdf, 20)
	pdf.SetFont(fontFamily, "B", size)
	paragraph(pdf, indent, 5.5, heading(r))
	pdf.SetFont(fontFamily, "", 10)
	paragraph(pdf, indent, 5, points(r))
}

// reportLeaf prints one scored criterion: its title, points, evidence and
// explanation.
func reportLeaf(pdf *fpdf.Fpdf, r Row) {
	indent := depthIndent(r.Depth)
	pdf.Ln(1.5)
	keepWithNext(pdf, 15)
	pdf.SetFont(fontFamily, "", 10)
	paragraph(pdf, indent, 5, heading(r))
	paragraph(pdf, indent+4, 5, points(r))
	if len(r.Evidence) == 0 {
		paragraph(pdf, indent+4, 5, "Tài liệu kiểm chứng: không có")
	} else {
		paragraph(pdf, indent+4, 5, "Tài liệu kiểm chứng:")
		for _, e := range r.Evidence {
			paragraph(pdf, indent+8, 5, "- "+clean(evidenceText(e)))
		}
	}
	if text := strings.TrimSpace(clean(r.Explanation)); text != "" {
		paragraph(pdf, indent+4, 5, "Giải trình: "+text)
	}
}

// reportTotals closes the criteria with the totals and the index.
func reportTotals(pdf *fpdf.Fpdf, s Summary) {
	pdf.Ln(5)
	keepWithNext(pdf, 20)
	pdf.SetFont(fontFamily, "B", 11.5)
	paragraph(pdf, 0, 6, "TỔNG HỢP KẾT QUẢ")
	pdf.SetFont(fontFamily, "", 10.5)
	paragraph(pdf, 0, 5.5, fmt.Sprintf("%s: %s / %s", totalLabel, pointsText(s.SelfTotal), pointsText(s.MaxTotal)))
	pdf.SetFont(fontFamily, "B", 10.5)
	paragraph(pdf, 0, 5.5, fmt.Sprintf("%s: %s", indexLabel, indexText(s.Index)))
}

// heading is a criterion's title line: number, code and title.
func heading(r Row) string {
	var b strings.Builder
	if r.STT != "" {
		b.WriteString(r.STT)
		b.WriteString(". ")
	}
	if r.Code != "" && r.Code != r.STT {
		b.WriteString("[")
		b.WriteString(r.Code)
		b.WriteString("] ")
	}
	b.WriteString(r.Title)
	return clean(b.String())
}

// points is a criterion's line of points.
func points(r Row) string {
	score := scoreText(r)
	if score == "" {
		score = unscoredText
	}
	return fmt.Sprintf("Điểm tối đa: %s; điểm tự chấm: %s", pointsText(r.MaxPoints), score)
}

// depthIndent is how far a criterion's paragraphs sit from the margin.
func depthIndent(depth int) float64 { return 5 * float64(min(max(depth, 0), 6)) }

// paragraph prints wrapped text starting indent mm from the left margin.
func paragraph(pdf *fpdf.Fpdf, indent, lineH float64, text string) {
	left, _, _, _ := pdf.GetMargins()
	pdf.SetX(left + indent)
	pdf.MultiCell(0, lineH, text, "", "L", false)
}

// keepWithNext starts a new page when less than need mm are left, so that a heading
// is not stranded at the foot of a page.
func keepWithNext(pdf *fpdf.Fpdf, need float64) {
	_, h := pdf.GetPageSize()
	if pdf.GetY()+need > h-reportBottom {
		pdf.AddPage()
	}
}
