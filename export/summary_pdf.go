package export

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/go-pdf/fpdf"
)

// Column widths of the landscape summary table in mm, in the order of columns;
// they fill A4's 297 mm less two 10 mm margins. The two columns of points hold
// "1.000.000,00" in bold and their headings on one line.
var summaryWidths = []float64{11, 15, 78, 21, 21, 62, 69}

// Backgrounds: the heading and totals, and a top-level group.
const (
	greyHeading = 225
	greyGroup   = 242
)

// SummaryPDF writes the summary table (Bảng tổng hợp kết quả tự đánh giá) as a
// landscape A4 PDF: the agency signs this file digitally and attaches it before
// submitting. It returns an EINVALID error when the digest is not a SHA-256.
func SummaryPDF(w io.Writer, s Summary) error {
	if err := validate(s); err != nil {
		return err
	}
	pdf := newPDF(s, "L", summaryTitle)
	pdf.SetMargins(10, 10, 10)
	pdf.SetAutoPageBreak(false, 14) // the table breaks its own pages
	pdf.SetLineWidth(0.2)
	pdf.SetDrawColor(0, 0, 0)
	pdf.AddPage()

	summaryHeader(pdf, s)

	t := &table{pdf: pdf, lineH: 3.6, pad: 0.9, size: 8}
	for i, name := range columns {
		t.heading = append(t.heading, t.newCell(summaryWidths[i], name, "C", true, 0, greyHeading))
	}
	t.segment(t.heading, 0, height(t.heading))
	for _, r := range s.Rows {
		keep := 0
		if !r.Leaf {
			keep = 3 // a group's heading stays with the start of its first criterion
		}
		t.row(summaryCells(t, r), keep)
	}
	totals := totalRows(t, s)
	t.row(totals[0], 2) // the totals and the index stay together
	t.row(totals[1], 0)

	signatureBlock(pdf, s, 100)
	return write(pdf, w)
}

// summaryHeader prints who, what and which version above the table.
func summaryHeader(pdf *fpdf.Fpdf, s Summary) {
	pdf.SetFont(fontFamily, "", 9)
	pdf.MultiCell(110, 4.5, clean(strings.ToUpper(s.Province)), "", "C", false)
	pdf.SetFont(fontFamily, "B", 9)
	pdf.MultiCell(110, 4.5, clean(strings.ToUpper(s.Agency)), "", "C", false)
	pdf.Ln(3)

	pdf.SetFont(fontFamily, "B", 13)
	pdf.MultiCell(0, 6.5, summaryTitle, "", "C", false)
	pdf.SetFont(fontFamily, "", 10)
	pdf.MultiCell(0, 5, clean(s.Campaign), "", "C", false)
	pdf.SetFont(fontFamily, "", 9)
	pdf.MultiCell(0, 4.5, clean(agencyLine(s)), "", "C", false)
	pdf.MultiCell(0, 4.5, clean(versionLine(s, true)), "", "C", false)
	pdf.Ln(3)
}

// summaryCells lays one criterion out across the seven columns.
func summaryCells(t *table, r Row) []cell {
	bold, fill := !r.Leaf, 0
	if !r.Leaf && r.Depth == 0 {
		fill = greyGroup
	}
	indent := 2.5 * float64(max(r.Depth, 0))
	w := summaryWidths
	return []cell{
		t.newCell(w[0], clean(r.STT), "C", bold, 0, fill),
		t.newCell(w[1], clean(r.Code), "L", bold, 0, fill),
		t.newCell(w[2], clean(r.Title), "L", bold, min(indent, w[2]/2), fill),
		t.newCell(w[3], pointsText(r.MaxPoints), "C", bold, 0, fill),
		t.newCell(w[4], scoreText(r), "C", bold, 0, fill),
		t.newCell(w[5], clean(strings.Join(evidenceLines(r), "\n")), "L", false, 0, fill),
		t.newCell(w[6], clean(r.Explanation), "L", false, 0, fill),
	}
}

// totalRows close the table: the totals under their columns, then the index.
func totalRows(t *table, s Summary) [][]cell {
	w := summaryWidths
	return [][]cell{{
		t.newCell(w[0]+w[1]+w[2], totalLabel, "R", true, 0, greyHeading),
		t.newCell(w[3], pointsText(s.MaxTotal), "C", true, 0, greyHeading),
		t.newCell(w[4], pointsText(s.SelfTotal), "C", true, 0, greyHeading),
		t.newCell(w[5]+w[6], "", "L", true, 0, greyHeading),
	}, {
		t.newCell(w[0]+w[1]+w[2], indexLabel, "R", true, 0, greyHeading),
		t.newCell(w[3]+w[4], indexText(s.Index), "C", true, 0, greyHeading),
		t.newCell(w[5]+w[6], "", "L", true, 0, greyHeading),
	}}
}

// signatureBlock prints the place and date and the leadership's signature block at the
// right, on a new page when the space left cannot hold it.
func signatureBlock(pdf *fpdf.Fpdf, s Summary, width float64) {
	const need = 34
	_, h := pdf.GetPageSize()
	_, _, right, bottom := pdf.GetMargins()
	if pdf.GetY()+need > h-bottom {
		pdf.AddPage()
	}
	pageW, _ := pdf.GetPageSize()
	x := pageW - right - width
	pdf.Ln(4)
	pdf.SetX(x)
	pdf.SetFont(fontFamily, "", 9)
	pdf.CellFormat(width, 5, clean(placeDate(s)), "", 1, "C", false, 0, "")
	pdf.SetX(x)
	pdf.SetFont(fontFamily, "B", 10)
	pdf.CellFormat(width, 5, signerTitle, "", 1, "C", false, 0, "")
	pdf.SetX(x)
	pdf.SetFont(fontFamily, "", 9)
	pdf.CellFormat(width, 5, signerHint, "", 1, "C", false, 0, "")
}

// placeDate is the line above a signature, "Thừa Thiên Huế, ngày 02 tháng 12 năm
// 2026": the province without its "Tỉnh"/"Thành phố" and the version's date.
func placeDate(s Summary) string {
	place := s.Province
	for _, prefix := range []string{"Tỉnh ", "tỉnh ", "Thành phố ", "thành phố ", "TP. "} {
		place = strings.TrimPrefix(place, prefix)
	}
	t := generatedAt(s)
	month := fmt.Sprint(int(t.Month()))
	if t.Month() < time.March {
		month = "0" + month // the official style pads days below 10 and January, February
	}
	return fmt.Sprintf("%s, ngày %02d tháng %s năm %d", place, t.Day(), month, t.Year())
}
