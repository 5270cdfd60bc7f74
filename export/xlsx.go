package export

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"
)

// Layout of the summary sheet: the rows above the table and the table's first row.
const (
	sheetName  = "Bảng tổng hợp"
	headingRow = 9 // the column headings; criteria start below
	xlsxFont   = "Times New Roman"
	xlsxSize   = 11
	lastColumn = "G"
)

// Column widths of the sheet in characters, in the order of columns.
var xlsxWidths = []float64{6, 9, 50, 10, 10, 40, 55}

// SummaryXLSX writes the summary table (Bảng tổng hợp kết quả tự đánh giá) as an
// XLSX workbook of one sheet, printable on landscape A4 with the version and digest
// in the page footer. Scores that are numbers are stored as numbers, showing the
// decimals the caller gave. It returns an EINVALID error when the digest is not a
// SHA-256.
func SummaryXLSX(w io.Writer, s Summary) error {
	if err := validate(s); err != nil {
		return err
	}
	f := excelize.NewFile()
	defer f.Close()
	x := &sheet{f: f, styles: map[cellStyle]int{}}
	x.build(s)
	if x.err != nil {
		return fmt.Errorf("export: build xlsx: %w", x.err)
	}
	if err := f.Write(w); err != nil {
		return fmt.Errorf("export: write xlsx: %w", err)
	}
	return nil
}

// sheet fills the workbook, remembering the first error so that build reads as a
// list of what goes where.
type sheet struct {
	f      *excelize.File
	styles map[cellStyle]int
	err    error
}

// cellStyle is the few ways a cell is formatted; each becomes one excelize style.
type cellStyle struct {
	bold     bool
	size     float64
	align    string // "left", "center", "right"
	border   bool
	fill     string // background colour, "" for none
	indent   int
	decimals int // for numbers: digits after the point; -1 for text
}

// build lays the summary out: the header rows, the table, the totals and the
// signature block, then the print setup and the document properties.
func (x *sheet) build(s Summary) {
	f := x.f
	x.check(f.SetSheetName("Sheet1", sheetName))
	for i, wd := range xlsxWidths {
		col := string(rune('A' + i))
		x.check(f.SetColWidth(sheetName, col, col, wd))
	}

	// Who and what, above the table.
	x.merged(1, "A", "C", strings.ToUpper(s.Province), cellStyle{align: "center"})
	x.merged(2, "A", "C", strings.ToUpper(s.Agency), cellStyle{bold: true, align: "center"})
	x.merged(4, "A", lastColumn, summaryTitle, cellStyle{bold: true, size: 14, align: "center"})
	x.merged(5, "A", lastColumn, s.Campaign, cellStyle{align: "center"})
	x.merged(6, "A", lastColumn, agencyLine(s), cellStyle{align: "center"})
	x.merged(7, "A", lastColumn, versionLine(s), cellStyle{align: "center"})

	head := cellStyle{bold: true, align: "center", border: true, fill: "#E1E1E1"}
	for i, name := range columns {
		x.set(cellName(i, headingRow), name, head)
	}

	row := headingRow + 1
	for _, r := range s.Rows {
		base := cellStyle{bold: !r.Leaf, border: true}
		if !r.Leaf && r.Depth == 0 {
			base.fill = "#F2F2F2"
		}
		center, left := base, base
		center.align, left.align = "center", "left"
		title := left
		title.indent = min(max(r.Depth, 0), 15)
		plain := left
		plain.bold = false

		x.set(cellName(0, row), r.STT, center)
		x.set(cellName(1, row), r.Code, left)
		x.set(cellName(2, row), r.Title, title)
		x.score(cellName(3, row), r.MaxPoints, center)
		x.score(cellName(4, row), scoreText(r), center)
		x.set(cellName(5, row), strings.Join(evidenceLines(r), "\n"), plain)
		x.set(cellName(6, row), r.Explanation, plain)
		row++
	}

	total := cellStyle{bold: true, border: true, fill: "#E1E1E1", align: "right"}
	x.merged(row, "A", "C", totalLabel, total)
	total.align = "center"
	x.score(cellName(3, row), s.MaxTotal, total)
	x.score(cellName(4, row), s.SelfTotal, total)
	x.merged(row, "F", "G", "", total)
	row++
	total.align = "right"
	x.merged(row, "A", "C", indexLabel, total)
	total.align = "center"
	x.merged(row, "D", "E", "", total)
	x.score(cellName(3, row), s.Index, total)
	x.merged(row, "F", "G", "", total)
	row += 2

	x.merged(row, "F", "G", placeDate(s), cellStyle{align: "center"})
	x.merged(row+1, "F", "G", signerTitle, cellStyle{bold: true, align: "center"})
	x.merged(row+2, "F", "G", signerHint, cellStyle{align: "center"})

	x.page(s)
	x.props(s)
}

// page sets up printing: landscape A4 one page wide, the headings repeated, the
// version and digest in every page's footer.
func (x *sheet) page(s Summary) {
	f := x.f
	size, orientation, wide, tall, fit := 9, "landscape", 1, 0, true
	x.check(f.SetSheetProps(sheetName, &excelize.SheetPropsOptions{FitToPage: &fit}))
	x.check(f.SetPageLayout(sheetName, &excelize.PageLayoutOptions{
		Size: &size, Orientation: &orientation, FitToWidth: &wide, FitToHeight: &tall,
	}))
	x.check(f.SetDefinedName(&excelize.DefinedName{
		Name:     "_xlnm.Print_Titles",
		RefersTo: fmt.Sprintf("'%s'!$%d:$%d", sheetName, headingRow, headingRow),
		Scope:    sheetName,
	}))
	x.check(f.SetHeaderFooter(sheetName, &excelize.HeaderFooterOptions{
		// "&&" is a literal ampersand in a footer; &P and &N are the page numbers.
		OddFooter: "&L&8" + strings.ReplaceAll(clean(footerText(s)), "&", "&&") + "&R&8Trang &P/&N",
	}))
	x.check(f.SetPanes(sheetName, &excelize.Panes{
		Freeze: true, YSplit: headingRow, TopLeftCell: cellName(0, headingRow+1), ActivePane: "bottomLeft",
	}))
}

// props fills the document properties; the dates are the version's, not the
// clock's, so the same Summary gives the same bytes.
func (x *sheet) props(s Summary) {
	at := s.GeneratedAt.UTC().Format(time.RFC3339)
	x.check(x.f.SetDocProps(&excelize.DocProperties{
		Title:          clean(summaryTitle + " – " + s.Agency),
		Subject:        clean(fmt.Sprintf("%s – %s – %s", s.Campaign, s.Agency, roundLabel(s.Round))),
		Creator:        author,
		LastModifiedBy: author,
		Keywords:       Keywords(s),
		Created:        at,
		Modified:       at,
		Language:       "vi-VN",
		Revision:       strconv.FormatInt(s.Version, 10),
	}))
}

// set writes text into one cell.
func (x *sheet) set(cell, text string, st cellStyle) {
	st.decimals = -1
	x.check(x.f.SetCellStr(sheetName, cell, clean(text)))
	x.style(cell, cell, st)
}

// score writes a score: a number with the caller's decimals when it is one,
// text ("Miễn trừ", "") otherwise.
func (x *sheet) score(cell, text string, st cellStyle) {
	v, decimals, ok := decimal(text)
	if !ok {
		x.set(cell, text, st)
		return
	}
	st.decimals = decimals
	x.check(x.f.SetCellFloat(sheetName, cell, v, decimals, 64))
	x.style(cell, cell, st)
}

// merged writes text across columns from..to of one row.
func (x *sheet) merged(row int, from, to, text string, st cellStyle) {
	first, last := fmt.Sprintf("%s%d", from, row), fmt.Sprintf("%s%d", to, row)
	x.check(x.f.MergeCell(sheetName, first, last))
	st.decimals = -1
	x.check(x.f.SetCellStr(sheetName, first, clean(text)))
	x.style(first, last, st)
}

// style applies st to a range, creating each distinct style once.
func (x *sheet) style(first, last string, st cellStyle) {
	id, ok := x.styles[st]
	if !ok {
		var err error
		id, err = x.f.NewStyle(newStyle(st))
		if err != nil {
			x.check(err)
			return
		}
		x.styles[st] = id
	}
	x.check(x.f.SetCellStyle(sheetName, first, last, id))
}

func newStyle(st cellStyle) *excelize.Style {
	size := st.size
	if size == 0 {
		size = xlsxSize
	}
	style := &excelize.Style{
		Font: &excelize.Font{Family: xlsxFont, Size: size, Bold: st.bold},
		Alignment: &excelize.Alignment{
			Horizontal: st.align, Vertical: "top", WrapText: true, Indent: st.indent,
		},
	}
	if st.border {
		for _, side := range []string{"left", "top", "right", "bottom"} {
			style.Border = append(style.Border, excelize.Border{Type: side, Color: "#000000", Style: 1})
		}
	}
	if st.fill != "" {
		style.Fill = excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{st.fill}}
	}
	if st.decimals >= 0 {
		format := "0"
		if st.decimals > 0 {
			format += "." + strings.Repeat("0", st.decimals)
		}
		style.CustomNumFmt = &format
	}
	return style
}

func (x *sheet) check(err error) {
	if x.err == nil && err != nil {
		x.err = err
	}
}

// cellName is "C12" for column index 2, row 12.
func cellName(col, row int) string { return fmt.Sprintf("%c%d", 'A'+col, row) }

// decimal reads a plain decimal such as "72.50" and how many decimals it shows;
// ok is false for anything else, which is then written as text.
func decimal(s string) (v float64, decimals int, ok bool) {
	s = strings.TrimSpace(s)
	if s == "" || strings.ContainsAny(s, "eEinfINFxX_+") {
		return 0, 0, false
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, 0, false
	}
	if _, frac, found := strings.Cut(s, "."); found {
		decimals = len(frac)
	}
	return v, min(decimals, 6), true
}
