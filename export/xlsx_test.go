package export_test

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

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
		"A7": "Vòng tự đánh giá · Phiên bản 7 · Trạng thái: Đã phê duyệt · Thời điểm: 02/12/2026 10:15:30",
		// The column headings.
		"A9": "STT", "B9": "Mã", "C9": "Tiêu chí", "D9": "Điểm tối đa", "E9": "Điểm tự chấm",
		"F9": "Tài liệu kiểm chứng", "G9": "Giải trình",
		// The first group and its second criterion, the one with many marks.
		"A10": "1", "C10": "Công tác chỉ đạo, điều hành cải cách hành chính", "D10": "10.00", "E10": "5.50",
		"A12": "1.2", "B12": "1.2", "C12": manyDiacritics, "D12": "2.00", "E12": "1.50",
		"F12": "Kế hoạch số 11/KH-STP ngày 05/01/2026.pdf (đã ký số)\nBáo cáo kết quả thực hiện (bản chụp).pdf (không ký số)",
		"G12": explanation,
		"E13": "Miễn trừ", "F13": "",
	}
	// 8 groups of 1 + 5 rows from row 10, then the totals.
	total := 10 + 8*6
	want[fmt.Sprintf("A%d", total)] = "Tổng điểm tự chấm / Điểm tối đa"
	want[fmt.Sprintf("D%d", total)] = "100.00"
	want[fmt.Sprintf("E%d", total)] = "72.50"
	want[fmt.Sprintf("A%d", total+1)] = "Chỉ số"
	want[fmt.Sprintf("D%d", total+1)] = "72.500"
	want[fmt.Sprintf("F%d", total+3)] = "Thừa Thiên Huế, ngày 02 tháng 12 năm 2026"
	want[fmt.Sprintf("F%d", total+4)] = "LÃNH ĐẠO ĐƠN VỊ"
	want[fmt.Sprintf("F%d", total+5)] = "(Ký số, ghi rõ họ tên)"
	for cell, v := range want {
		if got := cellValue(t, f, cell); got != v {
			t.Errorf("%s = %q, want %q", cell, got, v)
		}
	}

	// Scores are numbers, so that a spreadsheet can add them up.
	// (A number cell has no type attribute, which excelize reports as unset.)
	if typ, _ := f.GetCellType("Bảng tổng hợp", "E12"); typ != excelize.CellTypeNumber && typ != excelize.CellTypeUnset {
		t.Errorf("E12 is of type %v, want a number", typ)
	}
	if typ, _ := f.GetCellType("Bảng tổng hợp", "E13"); typ != excelize.CellTypeSharedString && typ != excelize.CellTypeInlineString {
		t.Errorf("E13 is of type %v, want text", typ)
	}
	if raw, _ := f.GetCellValue("Bảng tổng hợp", fmt.Sprintf("D%d", total+1), excelize.Options{RawCellValue: true}); raw != "72.500" && raw != "72.5" {
		t.Errorf("index raw value = %q", raw)
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

// A long report fills as many rows as it has criteria.
func TestSummaryXLSXManyRows(t *testing.T) {
	s := fixture(20, 10)
	f := openXLSX(t, render(t, export.SummaryXLSX, s))
	last := 10 + len(s.Rows) - 1
	if got := cellValue(t, f, fmt.Sprintf("A%d", last)); got != "20.10" {
		t.Errorf("last criterion's STT = %q", got)
	}
	if got := cellValue(t, f, fmt.Sprintf("A%d", last+1)); got != "Tổng điểm tự chấm / Điểm tối đa" {
		t.Errorf("row after the criteria = %q", got)
	}
}
