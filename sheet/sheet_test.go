package sheet_test

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"fmt"
	"hash/crc32"
	"io"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/unicode"

	"parindex/internal/testkit"
	"parindex/sheet"
	"parindex/workflow"
)

const limit = 1 << 20

// read is sheet.Read over bytes.
func read(data []byte, name, contentType string) ([][]string, error) {
	return sheet.Read(bytes.NewReader(data), limit, name, contentType)
}

func wantCode(t *testing.T, err error, code string) {
	t.Helper()
	if got := workflow.ErrorCode(err); got != code {
		t.Fatalf("error %v (code %q), want code %q", err, got, code)
	}
}

func wantRows(t *testing.T, got, want [][]string) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("rows\n got %q\nwant %q", got, want)
	}
}

var sampleRows = [][]string{
	{"TT", "Họ và tên", "Chức vụ", "Email", "Quyền"},
	{"1", "Nguyễn Văn An", "Phó Giám đốc", "an.nv@so-tuphap.example.vn", "Phê duyệt báo cáo"},
	{"2", "Trần Thị Bình", "Chánh Văn phòng", "binh.tt@so-tuphap.example.vn", "Phê duyệt báo cáo"},
	{"3", "Lê Minh Châu", "Chuyên viên Văn phòng", "chau.lm@so-tuphap.example.vn", "Cập nhật báo cáo"},
	{"4", "Phạm Quốc Dũng", "Chuyên viên Phòng Hành chính tư pháp", "dung.pq@so-tuphap.example.vn", "Cập nhật báo cáo"},
}

func TestSheetCSV(t *testing.T) {
	rows, err := read(testkit.Sample(t, "officials-department.csv"), "officials-department.csv", "text/csv")
	wantCode(t, err, "")
	wantRows(t, rows, sampleRows)

	semicolons := "\ufeffTT;Họ và tên;Chức vụ;Email;Quyền\r\n" +
		"1;Nguyễn Văn An;\"Phó Giám đốc; phụ trách\";an.nv@stp.example.vn;Phê duyệt báo cáo\r\n"
	rows, err = read([]byte(semicolons), "", "")
	wantCode(t, err, "")
	wantRows(t, rows, [][]string{
		{"TT", "Họ và tên", "Chức vụ", "Email", "Quyền"},
		{"1", "Nguyễn Văn An", "Phó Giám đốc; phụ trách", "an.nv@stp.example.vn", "Phê duyệt báo cáo"},
	})

	// Excel's "Unicode Text": UTF-16 little-endian with a mark, tab-separated.
	utf16, err := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewEncoder().String("TT\tHọ và tên\tEmail\r\n1\tĐặng Thu Hà\tha@b.vn\r\n")
	if err != nil {
		t.Fatal(err)
	}
	rows, err = read([]byte(utf16), "list.txt", "")
	wantCode(t, err, "")
	wantRows(t, rows, [][]string{{"TT", "Họ và tên", "Email"}, {"1", "Đặng Thu Hà", "ha@b.vn"}})

	// Blank lines keep their place, as a spreadsheet numbers them; a quoted
	// cell over two lines is one row; trailing blank cells and rows go.
	rows, err = read([]byte("a,b,,\n\n \n\"x\ny\",z\n,,\nc,d\n\n\n"), "", "")
	wantCode(t, err, "")
	wantRows(t, rows, [][]string{{"a", "b"}, nil, {}, {"x\ny", "z"}, {}, {"c", "d"}})

	// Windows browsers label .csv files as application/vnd.ms-excel.
	_, err = read(testkit.Sample(t, "officials-bad.csv"), "officials-bad.csv", "application/vnd.ms-excel")
	wantCode(t, err, "")

	rows, err = read(nil, "", "")
	wantCode(t, err, "")
	if len(rows) != 0 {
		t.Fatalf("an empty file gave %q", rows)
	}
}

func TestSheetCSVRefused(t *testing.T) {
	// Windows-1258, as Excel's plain "CSV" writes Vietnamese: not UTF-8.
	_, err := read([]byte("TT,H\xd2 v\xe0 t\xean\n"), "list.csv", "")
	wantCode(t, err, workflow.EINVALID)
	if !strings.Contains(workflow.ErrorMessage(err), "CSV UTF-8") {
		t.Errorf("message %q does not say how to save the file", workflow.ErrorMessage(err))
	}
	_, err = read([]byte("TT,\x00\x01\x02"), "", "")
	wantCode(t, err, workflow.EINVALID)

	_, err = read([]byte(strings.Repeat("a\n", sheet.MaxRows+1)), "", "")
	wantCode(t, err, workflow.ETOOLARGE)
	_, err = read([]byte(strings.Repeat("a\n", sheet.MaxRows)), "", "")
	wantCode(t, err, "")
	_, err = read([]byte("a"+strings.Repeat(",b", sheet.MaxColumns)), "", "")
	wantCode(t, err, workflow.ETOOLARGE)
	// Trailing separators (Excel pads rows to the widest) are not columns.
	_, err = read([]byte("a"+strings.Repeat(",", 5*sheet.MaxColumns)), "", "")
	wantCode(t, err, "")
}

func TestSheetLimit(t *testing.T) {
	data := testkit.Sample(t, "officials-department.csv")
	_, err := sheet.Read(bytes.NewReader(data), int64(len(data)), "", "")
	wantCode(t, err, "")
	_, err = sheet.Read(bytes.NewReader(data), int64(len(data)-1), "list.csv", "")
	wantCode(t, err, workflow.ETOOLARGE)
	if msg := workflow.ErrorMessage(err); !strings.Contains(msg, "«list.csv»") {
		t.Errorf("message %q does not name the file", msg)
	}
	// The limit holds for a reader that never ends.
	_, err = sheet.Read(endless{}, 1000, "", "")
	wantCode(t, err, workflow.ETOOLARGE)
}

type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'a'
	}
	return len(p), nil
}

// workbook builds an XLSX in memory; edit fills it before it is written.
func workbook(t testing.TB, edit func(f *excelize.File, sheet string)) []byte {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	const name = "Danh sách"
	if err := f.SetSheetName("Sheet1", name); err != nil {
		t.Fatal(err)
	}
	edit(f, name)
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func set(t testing.TB, f *excelize.File, sheet, cell string, v any) {
	t.Helper()
	if err := f.SetCellValue(sheet, cell, v); err != nil {
		t.Fatal(err)
	}
}

func TestSheetXLSX(t *testing.T) {
	data := workbook(t, func(f *excelize.File, sh string) {
		set(t, f, sh, "A1", "DANH SÁCH CÁN BỘ")
		if err := f.MergeCell(sh, "A1", "E1"); err != nil {
			t.Fatal(err)
		}
		if err := f.SetSheetRow(sh, "A3", &[]any{"TT", "Họ và tên", "Chức vụ", "Email", "Quyền", "Ngày gửi"}); err != nil {
			t.Fatal(err)
		}
		if err := f.SetSheetRow(sh, "A4", &[]any{1, "Nguyễn Văn An", "Phó Giám đốc", "an.nv@stp.example.vn", "Phê duyệt báo cáo"}); err != nil {
			t.Fatal(err)
		}
		// A date shows as the sheet formats it; row 5 stays blank.
		set(t, f, sh, "F4", time.Date(2021, 11, 5, 0, 0, 0, 0, time.UTC))
		style, err := f.NewStyle(&excelize.Style{CustomNumFmt: ptr("dd/mm/yyyy")})
		if err != nil {
			t.Fatal(err)
		}
		if err := f.SetCellStyle(sh, "F4", "F4", style); err != nil {
			t.Fatal(err)
		}
		if err := f.SetSheetRow(sh, "A6", &[]any{2.0, "Trần Thị Bình", "", "binh.tt@stp.example.vn", "Cập nhật báo cáo"}); err != nil {
			t.Fatal(err)
		}
		// Only the first sheet is read.
		if _, err := f.NewSheet("Khác"); err != nil {
			t.Fatal(err)
		}
		set(t, f, "Khác", "A1", "không đọc")
	})
	rows, err := read(data, "danh-sach.xlsx", sheet.TypeXLSX)
	wantCode(t, err, "")
	wantRows(t, rows, [][]string{
		{"DANH SÁCH CÁN BỘ"},
		nil,
		{"TT", "Họ và tên", "Chức vụ", "Email", "Quyền", "Ngày gửi"},
		{"1", "Nguyễn Văn An", "Phó Giám đốc", "an.nv@stp.example.vn", "Phê duyệt báo cáo", "05/11/2021"},
		nil,
		{"2", "Trần Thị Bình", "", "binh.tt@stp.example.vn", "Cập nhật báo cáo"},
	})

	// The content decides: a workbook sent as text/csv without a name is a workbook.
	rows2, err := read(data, "", "text/csv")
	wantCode(t, err, "")
	wantRows(t, rows2, rows)
}

func ptr[T any](v T) *T { return &v }

func TestSheetXLSXTooLarge(t *testing.T) {
	far := workbook(t, func(f *excelize.File, sh string) {
		set(t, f, sh, "A1", "TT")
		set(t, f, sh, fmt.Sprintf("A%d", sheet.MaxRows+1), "x")
	})
	_, err := read(far, "", "")
	wantCode(t, err, workflow.ETOOLARGE)

	// A formatted but empty row far down is harmless.
	blank := workbook(t, func(f *excelize.File, sh string) {
		set(t, f, sh, "A1", "TT")
		if err := f.SetRowHeight(sh, sheet.MaxRows+100, 30); err != nil {
			t.Fatal(err)
		}
	})
	rows, err := read(blank, "", "")
	wantCode(t, err, "")
	wantRows(t, rows, [][]string{{"TT"}})

	wide := workbook(t, func(f *excelize.File, sh string) {
		set(t, f, sh, "A1", "TT")
		set(t, f, sh, "XFD1", "x")
	})
	_, err = read(wide, "", "")
	wantCode(t, err, workflow.ETOOLARGE)
}

// rezip copies a workbook, replacing one part by what write puts there.
func rezip(t testing.TB, data []byte, part string, write func(zw *zip.Writer)) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	replaced := false
	for _, f := range zr.File {
		if f.Name == part {
			write(zw)
			replaced = true
			continue
		}
		if err := zw.Copy(f); err != nil {
			t.Fatal(err)
		}
	}
	if !replaced {
		t.Fatalf("the workbook has no %s", part)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// bomb is a deflated worksheet that inflates to about size bytes — a header
// row, then padding — with its checksum and exact size. Deflating that much
// is slow (under -race, seconds), so the padding is deflated once, 1 MB of it,
// and the compressed block repeated: each piece is flushed from a fresh
// writer, so no piece refers back into another and the pieces concatenate
// into one valid stream.
func bomb(size int) (compressed []byte, crc uint32, n uint64) {
	head := []byte(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>TT</t></is></c></row>`)
	pad := bytes.Repeat([]byte("<!---->"), (1<<20)/7)
	tail := []byte(`</sheetData></worksheet>`)
	piece := func(data []byte, final bool) []byte {
		var buf bytes.Buffer
		fw, _ := flate.NewWriter(&buf, flate.BestCompression)
		fw.Write(data)
		if final {
			fw.Close()
		} else {
			fw.Flush()
		}
		return buf.Bytes()
	}
	sum := crc32.NewIEEE()
	var out bytes.Buffer
	add := func(data, deflated []byte) {
		out.Write(deflated)
		sum.Write(data)
		n += uint64(len(data))
	}
	add(head, piece(head, false))
	padded := piece(pad, false)
	for n < uint64(size) {
		add(pad, padded)
	}
	add(tail, piece(tail, true))
	return out.Bytes(), sum.Sum32(), n
}

const sheetPart = "xl/worksheets/sheet1.xml"

func TestSheetZipBomb(t *testing.T) {
	plain := workbook(t, func(f *excelize.File, sh string) { set(t, f, sh, "A1", "TT") })

	// A worksheet that inflates from well under the body limit to 64 MB,
	// four times what a workbook may unpack to.
	compressed, crc, size := bomb(64 << 20)
	part := func(declared uint64) func(zw *zip.Writer) {
		return func(zw *zip.Writer) {
			w, err := zw.CreateRaw(&zip.FileHeader{Name: sheetPart, Method: zip.Deflate,
				CRC32: crc, CompressedSize64: uint64(len(compressed)), UncompressedSize64: declared})
			if err != nil {
				t.Fatal(err)
			}
			w.Write(compressed)
		}
	}

	bomb := rezip(t, plain, sheetPart, part(size))
	if len(bomb) > limit {
		t.Fatalf("the bomb weighs %d bytes, more than the limit it must pass", len(bomb))
	}
	var err error
	if n := testkit.Allocated(func() { _, err = read(bomb, "bomb.xlsx", "") }); n > 8<<20 {
		t.Errorf("refusing the bomb allocated %d bytes", n)
	}
	wantCode(t, err, workflow.ETOOLARGE)
	if msg := workflow.ErrorMessage(err); !strings.Contains(msg, "giải nén ra hơn 16 MB") {
		t.Errorf("message %q", msg)
	}

	// The same part declaring a small size: the lie is caught while
	// inflating, after no more than the declared bytes.
	liar := rezip(t, plain, sheetPart, part(4096))
	if n := testkit.Allocated(func() { _, err = read(liar, "liar.xlsx", "") }); n > 8<<20 {
		t.Errorf("refusing the lying zip allocated %d bytes", n)
	}
	wantCode(t, err, workflow.EINVALID)
}

func TestSheetRefused(t *testing.T) {
	ole := append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 504)...)
	_, err := read(ole, "danh-sach.xls", "application/vnd.ms-excel")
	wantCode(t, err, workflow.EUNSUPPORTED)
	if msg := workflow.ErrorMessage(err); !strings.Contains(msg, ".xls") || !strings.Contains(msg, ".xlsx") {
		t.Errorf("message %q does not say to save as .xlsx", msg)
	}
	// The content decides, whatever the name says.
	_, err = read(ole, "list.csv", "text/csv")
	wantCode(t, err, workflow.EUNSUPPORTED)

	// A name or type promising a workbook over text is refused, not read as CSV.
	csv := testkit.Sample(t, "officials-department.csv")
	_, err = read(csv, "list.xlsx", "")
	wantCode(t, err, workflow.EINVALID)
	_, err = read(csv, "", sheet.TypeXLSX)
	wantCode(t, err, workflow.EINVALID)
	_, err = read([]byte("<html><table><tr><td>TT</td></tr></table></html>"), "export.xls", "")
	wantCode(t, err, workflow.EUNSUPPORTED)

	// A zip that is not a workbook, or a damaged one.
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("hello.txt")
	io.WriteString(w, "xin chào")
	zw.Close()
	_, err = read(buf.Bytes(), "x.xlsx", "")
	wantCode(t, err, workflow.EINVALID)
	_, err = read([]byte("PK\x03\x04 not really a zip"), "", "")
	wantCode(t, err, workflow.EINVALID)
	good := workbook(t, func(f *excelize.File, sh string) { set(t, f, sh, "A1", "TT") })
	_, err = read(good[:len(good)/2], "cut.xlsx", "")
	wantCode(t, err, workflow.EINVALID)
}

// FuzzSheetRead feeds any bytes and checks that Read never panics, refuses
// only with the codes it documents, and stays within its row and column caps.
func FuzzSheetRead(f *testing.F) {
	f.Add(testkit.Sample(f, "officials-department.csv"))
	f.Add(testkit.Sample(f, "officials-bad.csv"))
	f.Add([]byte("\ufeffTT;Họ và tên;Chức vụ;Email;Quyền\r\n1;A;\"B;C\";a@b.vn;Cập nhật báo cáo\r\n"))
	f.Add([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1})
	f.Add(workbook(f, func(ef *excelize.File, sh string) {
		ef.SetSheetRow(sh, "A1", &[]any{"TT", "Họ và tên", "Chức vụ", "Email", "Quyền"})
		ef.SetSheetRow(sh, "A3", &[]any{1, "Nguyễn Văn An", "Phó Giám đốc", "an.nv@stp.example.vn", "Phê duyệt báo cáo"})
	}))
	f.Fuzz(func(t *testing.T, data []byte) {
		rows, err := sheet.Read(bytes.NewReader(data), 1<<16, "", "")
		if err != nil {
			switch workflow.ErrorCode(err) {
			case workflow.EINVALID, workflow.ETOOLARGE, workflow.EUNSUPPORTED:
			default:
				t.Fatalf("error %v", err)
			}
			return
		}
		if len(rows) > sheet.MaxRows {
			t.Fatalf("%d rows", len(rows))
		}
		for _, row := range rows {
			if len(row) > sheet.MaxColumns {
				t.Fatalf("a row of %d cells", len(row))
			}
			for _, cell := range row {
				if !utf8.ValidString(cell) {
					t.Fatalf("cell %q is not UTF-8", cell)
				}
			}
		}
	})
}
