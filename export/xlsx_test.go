package export_test

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"parindex/export"
)

// openXLSX reads a workbook back with excelize.
func openXLSX(t testing.TB, b []byte) *excelize.File {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("open xlsx: %v", err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func cellValue(t testing.TB, f *excelize.File, cell string) string {
	t.Helper()
	v, err := f.GetCellValue("Bảng tổng hợp", cell)
	if err != nil {
		t.Fatalf("%s: %v", cell, err)
	}
	return v
}

func TestSummaryXLSX(t *testing.T) {
	s := fixture(8, 5)
	f := openXLSX(t, render(t, export.SummaryXLSX, s))

	if got := f.GetSheetList(); len(got) != 1 || got[0] != "Bảng tổng hợp" {
		t.Fatalf("sheets = %q", got)
	}
	want := map[string]string{
		"A1": "TỈNH THỪA THIÊN HUẾ",
		"A2": "SỞ TƯ PHÁP",
		"A4": "BẢNG TỔNG HỢP KẾT QUẢ TỰ ĐÁNH GIÁ",
		"A5": "Chỉ số CCHC năm 2026",
		"A6": "Đơn vị: Sở Tư pháp (mã STP)",
		"A7": "Vòng tự đánh giá · Phiên bản 7 · Trạng thái: Đã phê duyệt",
		"A8": "Thời điểm:",
		// The column headings.
		"A10": "STT", "B10": "Mã", "C10": "Tiêu chí", "D10": "Điểm tối đa", "E10": "Điểm tự chấm",
		"F10": "Tài liệu kiểm chứng", "G10": "Giải trình",
		// The first group and its second criterion, the one with many marks.
		"A11": "1", "C11": "Công tác chỉ đạo, điều hành cải cách hành chính",
		"A13": "1.2", "B13": "1.2", "C13": manyDiacritics,
		"F13": "Kế hoạch số 11/KH-STP ngày 05/01/2026.pdf (đã ký số)\nBáo cáo kết quả thực hiện (bản chụp).pdf (không ký số)",
		"G13": explanation,
		"E14": "Miễn trừ", "F14": "",
	}
	// 8 groups of 1 + 5 rows from row 11, then the totals.
	total := 11 + 8*6
	want[fmt.Sprintf("A%d", total)] = "Tổng điểm tự chấm / Điểm tối đa"
	want[fmt.Sprintf("A%d", total+1)] = "Chỉ số"
	want[fmt.Sprintf("F%d", total+3)] = "Thừa Thiên Huế, ngày 02 tháng 12 năm 2026"
	want[fmt.Sprintf("F%d", total+4)] = "LÃNH ĐẠO ĐƠN VỊ"
	want[fmt.Sprintf("F%d", total+5)] = "(Ký số, ghi rõ họ tên)"
	for cell, v := range want {
		if got := cellValue(t, f, cell); got != v {
			t.Errorf("%s = %q, want %q", cell, got, v)
		}
	}

	// Points and the index are numbers, so that a spreadsheet can add them
	// up, with the value exact and a format that shows their decimals.
	numbers := map[string]struct {
		raw    string
		format string
	}{
		"D11": {"10", "[$-42A]#,##0.00"}, "E11": {"5.5", "[$-42A]#,##0.00"},
		"D13": {"2", "[$-42A]#,##0.00"}, "E13": {"1.5", "[$-42A]#,##0.00"},
		fmt.Sprintf("D%d", total):   {"100", "[$-42A]#,##0.00"},
		fmt.Sprintf("E%d", total):   {"72.5", "[$-42A]#,##0.00"},
		fmt.Sprintf("D%d", total+1): {"72.5", "[$-42A]#,##0.000"},
	}
	for cell, w := range numbers {
		if typ := cellType(t, f, cell); typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
			t.Errorf("%s is of type %v, want a number", cell, typ)
		}
		if raw := rawValue(t, f, cell); raw != w.raw {
			t.Errorf("%s holds %q, want %s", cell, raw, w.raw)
		}
		if got := numberFormat(t, f, cell); got != w.format {
			t.Errorf("%s has format %q, want %q", cell, got, w.format)
		}
	}
	if typ := cellType(t, f, "E14"); typ != excelize.CellTypeSharedString && typ != excelize.CellTypeInlineString {
		t.Errorf("E14 is of type %v, want text", typ)
	}

	// The version's time is a date cell holding the province's wall clock.
	if typ := cellType(t, f, "D8"); typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
		t.Errorf("D8 is of type %v, want a date (a number)", typ)
	}
	if got := numberFormat(t, f, "D8"); got != `dd\/mm\/yyyy hh:mm` {
		t.Errorf("D8 has format %q", got)
	}
	serial, err := strconv.ParseFloat(rawValue(t, f, "D8"), 64)
	if err != nil {
		t.Fatalf("D8: %v", err)
	}
	at, err := excelize.ExcelDateToTime(serial, false)
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 12, 2, 10, 15, 30, 0, time.UTC); at.Round(time.Second) != want {
		t.Errorf("D8 = %v, want the wall clock %v", at, want)
	}
	if got := cellValue(t, f, "D8"); got != "02/12/2026 10:15" {
		t.Errorf("D8 shows %q", got)
	}

	props, err := f.GetDocProps()
	if err != nil {
		t.Fatal(err)
	}
	if props.Keywords != export.Keywords(s) || props.Creator != "parindex" ||
		props.Created != "2026-12-02T03:15:30Z" || props.Modified != props.Created {
		t.Errorf("doc props = %+v", props)
	}
	hf, err := f.GetHeaderFooter("Bảng tổng hợp")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(hf.OddFooter, "Phiên bản 7 · SHA-256: "+s.Digest) || !strings.Contains(hf.OddFooter, "&P/&N") {
		t.Errorf("footer = %q", hf.OddFooter)
	}
}

// The version's time is the province's, whatever zone the caller gives it in;
// scores keep values a float cannot hold exactly (0.1) as written.
func TestSummaryXLSXZoneAndValues(t *testing.T) {
	hcm, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		t.Fatal(err)
	}
	s := fixture(1, 2)
	s.GeneratedAt, s.Zone = time.Date(2026, 12, 31, 17, 30, 0, 0, time.UTC), hcm
	s.Rows[1].SelfScore, s.Rows[2].SelfScore = score(0.1), nil
	s.SelfTotal, s.MaxTotal, s.Index = -1234.25, 1000000, 0.001
	f := openXLSX(t, render(t, export.SummaryXLSX, s))
	if got := cellValue(t, f, "D8"); got != "01/01/2027 00:30" {
		t.Errorf("D8 shows %q, want the time in Huế", got)
	}
	if got := cellValue(t, f, "F17"); got != "Thừa Thiên Huế, ngày 01 tháng 01 năm 2027" {
		t.Errorf("F17 = %q", got)
	}
	for cell, want := range map[string]string{"E12": "0.1", "E14": "-1234.25", "D14": "1000000", "D15": "0.001"} {
		if raw := rawValue(t, f, cell); raw != want {
			t.Errorf("%s holds %q, want %s", cell, raw, want)
		}
	}
	if typ := cellType(t, f, "E13"); typ != excelize.CellTypeSharedString && typ != excelize.CellTypeInlineString {
		t.Errorf("E13 (not scored) is of type %v, want text", typ)
	}
}

func cellType(t testing.TB, f *excelize.File, cell string) excelize.CellType {
	t.Helper()
	typ, err := f.GetCellType("Bảng tổng hợp", cell)
	if err != nil {
		t.Fatalf("%s: %v", cell, err)
	}
	return typ
}

func rawValue(t testing.TB, f *excelize.File, cell string) string {
	t.Helper()
	v, err := f.GetCellValue("Bảng tổng hợp", cell, excelize.Options{RawCellValue: true})
	if err != nil {
		t.Fatalf("%s: %v", cell, err)
	}
	return v
}

// numberFormat is a cell's custom number format, "" when it has none.
func numberFormat(t testing.TB, f *excelize.File, cell string) string {
	t.Helper()
	id, err := f.GetCellStyle("Bảng tổng hợp", cell)
	if err != nil {
		t.Fatalf("%s: %v", cell, err)
	}
	st, err := f.GetStyle(id)
	if err != nil {
		t.Fatalf("%s: %v", cell, err)
	}
	if st.CustomNumFmt == nil {
		return ""
	}
	return *st.CustomNumFmt
}

// A long report fills as many rows as it has criteria.
func TestSummaryXLSXManyRows(t *testing.T) {
	s := fixture(20, 10)
	f := openXLSX(t, render(t, export.SummaryXLSX, s))
	last := 11 + len(s.Rows) - 1
	if got := cellValue(t, f, fmt.Sprintf("A%d", last)); got != "20.10" {
		t.Errorf("last criterion's STT = %q", got)
	}
	if got := cellValue(t, f, fmt.Sprintf("A%d", last+1)); got != "Tổng điểm tự chấm / Điểm tối đa" {
		t.Errorf("row after the criteria = %q", got)
	}
}
