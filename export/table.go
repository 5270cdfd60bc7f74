package export

import (
	"github.com/go-pdf/fpdf"
)

// table draws rows of wrapped cells with borders, breaking pages between rows and,
// when one row is taller than a page, inside it; every new page starts with the
// column heading again.
type table struct {
	pdf     *fpdf.Fpdf
	lineH   float64 // height of one printed line
	pad     float64 // space above and below a cell's text
	size    float64 // font size in points
	heading []cell  // repeated at the top of every page
}

// cell is one box of a row: its width, its text already wrapped to that width, and
// how to print it.
type cell struct {
	w      float64
	lines  []string
	align  string // "L", "C", "R"
	bold   bool
	indent float64 // space left of the text, for the depth of a criterion
	fill   int     // grey level of the background, 0 for none
}

// newCell wraps text for a box of width w in the given style.
func (t *table) newCell(w float64, text, align string, bold bool, indent float64, fill int) cell {
	t.setFont(bold)
	return cell{w: w, lines: lines(t.pdf, text, w-indent), align: align, bold: bold, indent: indent, fill: fill}
}

func (t *table) setFont(bold bool) {
	if bold {
		t.pdf.SetFont(fontFamily, "B", t.size)
	} else {
		t.pdf.SetFont(fontFamily, "", t.size)
	}
}

// bottom is the lowest y a row may reach on this page.
func (t *table) bottom() float64 {
	_, h := t.pdf.GetPageSize()
	_, _, _, b := t.pdf.GetMargins()
	return h - b
}

// linesFit says how many lines of a row fit between y and the bottom of the page.
func (t *table) linesFit(y float64) int {
	return int((t.bottom() - y - 2*t.pad) / t.lineH)
}

// newPage starts a page and prints the column heading on it.
func (t *table) newPage() {
	t.pdf.AddPage()
	t.segment(t.heading, 0, height(t.heading))
}

// height is a row's number of lines: its tallest cell, at least one.
func height(cells []cell) int {
	n := 1
	for _, c := range cells {
		n = max(n, len(c.lines))
	}
	return n
}

// row prints one row, keeping it on one page when it fits on one, and on the
// same page as the first keep lines of whatever follows it (for a group's heading).
func (t *table) row(cells []cell, keep int) {
	n := height(cells)
	_, top, _, _ := t.pdf.GetMargins()
	freshFit := t.linesFit(top + float64(height(t.heading))*t.lineH + 2*t.pad)
	for start := 0; start < n; {
		need := n - start
		fit := t.linesFit(t.pdf.GetY())
		if start == 0 && need+keep > fit && need+keep <= freshFit {
			t.newPage() // all of it fits on the next page
			continue
		}
		if need > fit && fit < 2 && fit < freshFit {
			t.newPage() // too little room left here to start splitting it
			continue
		}
		k := min(need, fit)
		t.segment(cells, start, k)
		start += k
	}
}

// segment prints lines [start, start+k) of every cell of a row as one band of
// boxes and moves below it.
func (t *table) segment(cells []cell, start, k int) {
	pdf := t.pdf
	left, _, _, _ := pdf.GetMargins()
	x, y := left, pdf.GetY()
	h := float64(k)*t.lineH + 2*t.pad
	for _, c := range cells {
		style := "D"
		if c.fill > 0 {
			pdf.SetFillColor(c.fill, c.fill, c.fill)
			style = "FD"
		}
		pdf.Rect(x, y, c.w, h, style)
		t.setFont(c.bold)
		for i := start; i < start+k && i < len(c.lines); i++ {
			pdf.SetXY(x+c.indent, y+t.pad+float64(i-start)*t.lineH)
			pdf.CellFormat(c.w-c.indent, t.lineH, c.lines[i], "", 0, c.align, false, 0, "")
		}
		x += c.w
	}
	pdf.SetXY(left, y+h)
}
