package sheet_test

import (
	"bytes"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/unicode/norm"

	"parindex/internal/testkit"
	"parindex/sheet"
	"parindex/workflow"
)

// fuzzLimit is the body limit of the fuzzed import: small, so that an input
// that unpacks far beyond its size still costs little.
const fuzzLimit = 1 << 16

// fuzzMaxAlloc bounds what importing one fuzzed file may allocate. A small
// workbook costs excelize a few MB; a zip bomb must not cost more than this.
const fuzzMaxAlloc = 256 << 20

// FuzzOfficialsImport runs the officials import as the handler and the
// command do — sheet.Read, then workflow.ParseOfficials — on any bytes (CSV
// or XLSX) under any file name, and checks that it never panics, allocates a
// bounded amount, refuses only with the documented codes (a bad list as
// EINVALID naming rows/<row>/<field> on rows of the sheet), and that every
// official it accepts has a trimmed NFC name, a valid lower-case email, a
// role, a row of the sheet, no NUL, and passes ValidateOfficials unchanged. Seeds: the
// sample lists, workbooks made here, and under
// testdata/fuzz/FuzzOfficialsImport NFD names, byte-order marks, UTF-16,
// repeated emails and huge numbers.
func FuzzOfficialsImport(f *testing.F) {
	f.Add(testkit.Sample(f, "officials-department.csv"), "officials-department.csv")
	f.Add(testkit.Sample(f, "officials-bad.csv"), "officials-bad.csv")
	header := []any{"TT", "Họ và tên", "Chức vụ", "Email", "Quyền"}
	f.Add(workbook(f, func(ef *excelize.File, sh string) {
		set(f, ef, sh, "A1", "DANH SÁCH CÁN BỘ ĐƯỢC PHÂN QUYỀN")
		setRow(f, ef, sh, "A3", header)
		setRow(f, ef, sh, "A4", []any{1, "Nguyễn Văn An", "Phó Giám đốc", "an.nv@stp.example.vn", "Phê duyệt báo cáo"})
		setRow(f, ef, sh, "A5", []any{2, norm.NFD.String("Trần Thị Bình"), "Chuyên viên", "BINH.TT@STP.example.vn", "cap nhat bao cao"})
	}), "danh-sach.xlsx")
	f.Add(workbook(f, func(ef *excelize.File, sh string) {
		setRow(f, ef, sh, "A1", header)
		setRow(f, ef, sh, "A2", []any{1, "", "Chuyên viên", "khong-phai-email", "Quản trị"})
		setRow(f, ef, sh, "A3", []any{2, "Lê Văn Cường", "Chuyên viên", "an.nv@stp.example.vn", "Cập nhật báo cáo"})
		setRow(f, ef, sh, "A4", []any{3, "Phạm Dũng", 1e300, "an.nv@stp.example.vn", "Cập nhật báo cáo"})
	}), "loi.xlsx")
	f.Add(nulWorkbook(f), "nul.xlsx")
	f.Add(workbook(f, func(ef *excelize.File, sh string) {
		setRow(f, ef, sh, "C2", []any{"Quyền", "Email", "Họ và tên"})
		setRow(f, ef, sh, "C9", []any{"Phê duyệt", "a@b.vn", 123456789012345678})
	}), "")

	f.Fuzz(func(t *testing.T, data []byte, name string) {
		var rows [][]string
		var officials []workflow.Official
		var readErr, parseErr error
		n := testkit.Allocated(func() {
			rows, readErr = sheet.Read(bytes.NewReader(data), fuzzLimit, name, "")
			if readErr == nil {
				officials, parseErr = workflow.ParseOfficials(rows)
			}
		})
		if n > fuzzMaxAlloc {
			t.Fatalf("importing %d bytes allocated %d MB", len(data), n>>20)
		}
		if readErr != nil {
			switch workflow.ErrorCode(readErr) {
			case workflow.EINVALID, workflow.ETOOLARGE, workflow.EUNSUPPORTED:
			default:
				t.Fatalf("read: %v (code %q)", readErr, workflow.ErrorCode(readErr))
			}
			return
		}
		if parseErr != nil {
			checkRowErrors(t, parseErr, len(rows))
			return
		}
		checkOfficials(t, officials, rows)
	})
}

// checkRowErrors fails unless err is EINVALID naming only rows/<row>/<field>
// with a row of the sheet (1 for an empty one) and a message.
func checkRowErrors(t *testing.T, err error, nrows int) {
	t.Helper()
	fields := workflow.ErrorFields(err)
	if workflow.ErrorCode(err) != workflow.EINVALID || len(fields) == 0 {
		t.Fatalf("parse: %v (code %q) with fields %v: want EINVALID naming rows", err, workflow.ErrorCode(err), fields)
	}
	for _, fe := range fields {
		parts := strings.Split(fe.Field, "/")
		row, convErr := 0, error(nil)
		if len(parts) == 3 {
			row, convErr = strconv.Atoi(parts[1])
		}
		if len(parts) != 3 || parts[0] != "rows" || convErr != nil || row < 1 || row > max(nrows, 1) || fe.Message == "" {
			t.Fatalf("field error %+v of a %d-row sheet", fe, nrows)
		}
		switch parts[2] {
		case "name", "title", "email", "permission":
		default:
			t.Fatalf("field error %+v names no column", fe)
		}
	}
}

// checkOfficials fails unless every accepted official is valid, normalised
// and found on its row, and ValidateOfficials agrees.
func checkOfficials(t *testing.T, officials []workflow.Official, rows [][]string) {
	t.Helper()
	seen := map[string]bool{}
	last := 0
	for _, o := range officials {
		switch {
		case o.Row <= last || o.Row > len(rows):
			t.Fatalf("%+v: row out of order or past the sheet's %d rows", o, len(rows))
		case o.Name == "" || !norm.NFC.IsNormalString(o.Name) || o.Name != strings.Join(strings.Fields(o.Name), " ") || strings.ContainsRune(o.Name, 0):
			t.Fatalf("%+v: name is not trimmed NFC text without NUL", o)
		case !norm.NFC.IsNormalString(o.Title) || strings.ContainsRune(o.Title, 0):
			t.Fatalf("%+v: title is not NFC text without NUL", o)
		case !workflow.ValidEmail(o.Email) || o.Email != strings.ToLower(o.Email) || !norm.NFC.IsNormalString(o.Email):
			t.Fatalf("%+v: email is not a valid lower-case address", o)
		case o.Role != workflow.RoleUpdater && o.Role != workflow.RoleApprover:
			t.Fatalf("%+v: role", o)
		case seen[o.Email]:
			t.Fatalf("%+v: email accepted twice", o)
		case !strings.Contains(strings.ToLower(norm.NFC.String(strings.Join(rows[o.Row-1], "\x00"))), o.Email):
			t.Fatalf("%+v: email is not on row %d %q", o, o.Row, rows[o.Row-1])
		}
		seen[o.Email], last = true, o.Row
	}
	again := append([]workflow.Official(nil), officials...)
	if err := workflow.ValidateOfficials(again); err != nil {
		t.Fatalf("ValidateOfficials refuses what ParseOfficials accepted: %v %v", err, workflow.ErrorFields(err))
	}
	if !reflect.DeepEqual(again, officials) {
		t.Fatalf("ValidateOfficials changed an accepted list:\n%+v\n%+v", officials, again)
	}
}

// setRow writes values from cell rightwards.
func setRow(t testing.TB, f *excelize.File, sheet, cell string, values []any) {
	t.Helper()
	if err := f.SetSheetRow(sheet, cell, &values); err != nil {
		t.Fatal(fmt.Errorf("row at %s: %w", cell, err))
	}
}

// nulWorkbook is a list whose name and title cells hold NUL, written as Excel
// escapes it (_x0000_), which excelize reads back as U+0000.
func nulWorkbook(t testing.TB) []byte {
	return workbook(t, func(ef *excelize.File, sh string) {
		setRow(t, ef, sh, "A1", []any{"TT", "Họ và tên", "Chức vụ", "Email", "Quyền"})
		setRow(t, ef, sh, "A2", []any{1, "Nguyễn_x0000_An", "Phó_x0000_", "an@stp.example.vn", "Cập nhật báo cáo"})
	})
}

// TestOfficialsImportFuzzFound keeps what fuzzing found as regular cases.
func TestOfficialsImportFuzzFound(t *testing.T) {
	// A cell escaped as _x0000_ reads as NUL, which PostgreSQL's text
	// refuses: the import answered 500 instead of naming the row.
	rows, err := read(nulWorkbook(t), "nul.xlsx", "")
	wantCode(t, err, "")
	_, err = workflow.ParseOfficials(rows)
	wantCode(t, err, workflow.EINVALID)
	var got []string
	for _, fe := range workflow.ErrorFields(err) {
		got = append(got, fe.Field)
	}
	if want := []string{"rows/2/name", "rows/2/title"}; !reflect.DeepEqual(got, want) {
		t.Errorf("fields %v, want %v", got, want)
	}
}
