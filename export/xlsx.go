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
	timeRow    = 8  // the version's time, a date cell
	headingRow = 10 // the column headings; criteria start below
	xlsxFont   = "Times New Roman"
	xlsxSize   = 11
	lastColumn = "G"
)

// Number formats of the cells that hold numbers and dates. The cells stay
// numbers, so that a spreadsheet can add them up; only their display is set.
//
// In a number format "," and "." are not characters but the thousands and the
// decimal separator of whoever reads the file: Excel shows "#,##0.00" as
// "1.234,50" under Vietnamese settings and as "1,234.50" under English ones. A
// format cannot print a number with other separators (a quoted "," or "." is
// literal text that splits the digits, not a separator), so the alternatives
// are a number the reader's way or text the Vietnamese way; text cannot be
// summed, and the issue asks for numbers. The [$-42A] tag marks the format as
// Vietnamese (LCID 0x042A): readers that take separators from a format's
// language show Vietnamese ones, Excel keeps the reader's settings. Dates have
// no such limit: "/" is escaped so that it prints as a slash wherever the
// reader's date separator is another character.
const (
	numberFormatPrefix = "[$-42A]#,##0"
	dateTimeFormat     = `dd\/mm\/yyyy hh:mm`
)

// numberFormat is the format of a number shown with decimals digits.
func numberFormat(decimals int) string {
	if decimals <= 0 {
		return numberFormatPrefix
	}
	return numberFormatPrefix + "." + strings.Repeat("0", decimals)
}

// Column widths of the sheet in characters, in the order of columns. A number
// wider than its column shows as "####", so the columns of points hold
// "1.000.000,00".
var xlsxWidths = []float64{6, 9, 50, 13, 13, 40, 51}

// SummaryXLSX writes the summary table (Bảng tổng hợp kết quả tự đánh giá) as an
// XLSX workbook of one sheet, printable on landscape A4 with the version and digest
// in the page footer. Points and the index are number cells (two and three
// decimals), the version's time a date cell, each with a number format (see
// numberFormat). It returns an EINVALID error when the digest is not a
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
	bold   bool
	size   float64
	align  string // "left", "center", "right"
	border bool
	fill   string // background colour, "" for none
	indent int
	format string // number format of a number or date cell; "" for text
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
	x.merged(7, "A", lastColumn, versionLine(s, false), cellStyle{align: "center"})
	x.merged(timeRow, "A", "C", timeLabel, cellStyle{align: "right"})
	x.merged(timeRow, "D", "E", "", cellStyle{align: "center"})
	x.date(cellName(3, timeRow), generatedAt(s), cellStyle{align: "center"})

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
		x.number(cellName(3, row), r.MaxPoints, pointDecimals, center)
		x.score(cellName(4, row), r, center)
		x.set(cellName(5, row), strings.Join(evidenceLines(r), "\n"), plain)
		x.set(cellName(6, row), r.Explanation, plain)
		row++
	}

	total := cellStyle{bold: true, border: true, fill: "#E1E1E1", align: "right"}
	x.merged(row, "A", "C", totalLabel, total)
	total.align = "center"
	x.number(cellName(3, row), s.MaxTotal, pointDecimals, total)
	x.number(cellName(4, row), s.SelfTotal, pointDecimals, total)
	x.merged(row, "F", "G", "", total)
	row++
	total.align = "right"
	x.merged(row, "A", "C", indexLabel, total)
	total.align = "center"
	x.merged(row, "D", "E", "", total)
	x.number(cellName(3, row), s.Index, indexDecimals, total)
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
	st.format = ""
	x.check(x.f.SetCellStr(sheetName, cell, clean(text)))
	x.style(cell, cell, st)
}

// number writes a number shown with decimals digits. The value is v's
// shortest decimal form, so a score of 0.75 is stored as 0.75.
func (x *sheet) number(cell string, v float64, decimals int, st cellStyle) {
	st.format = numberFormat(decimals)
	x.check(x.f.SetCellFloat(sheetName, cell, v, -1, 64))
	x.style(cell, cell, st)
}

// score writes a row's self score: a number when it has one, text ("Miễn
// trừ", "") otherwise.
func (x *sheet) score(cell string, r Row, st cellStyle) {
	if r.Exempt || r.SelfScore == nil {
		x.set(cell, scoreText(r), st)
		return
	}
	x.number(cell, *r.SelfScore, pointDecimals, st)
}

// date writes t as a date cell showing its wall clock: a spreadsheet's dates
// have no zone, so t is already in the province's.
func (x *sheet) date(cell string, t time.Time, st cellStyle) {
	st.format = dateTimeFormat
	x.check(x.f.SetCellValue(sheetName, cell, t))
	x.style(cell, cell, st)
}

// merged writes text across columns from..to of one row.
func (x *sheet) merged(row int, from, to, text string, st cellStyle) {
	first, last := fmt.Sprintf("%s%d", from, row), fmt.Sprintf("%s%d", to, row)
	x.check(x.f.MergeCell(sheetName, first, last))
	st.format = ""
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
	if st.format != "" {
		format := st.format
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
