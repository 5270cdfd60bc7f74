package handlers_test

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"parindex/handlers"
	"parindex/internal/testkit"
	"parindex/sheet"
	"parindex/store/storetest"
)

// officialsXLSX is a workbook in the form, its sheet starting with a title.
func officialsXLSX(t *testing.T, rows ...[]any) string {
	t.Helper()
	f := excelize.NewFile()
	defer f.Close()
	f.SetCellValue("Sheet1", "A1", "DANH SÁCH CÁN BỘ THỰC HIỆN CHẤM ĐIỂM")
	f.SetSheetRow("Sheet1", "A2", &[]any{"TT", "Họ và tên", "Chức vụ", "Email", "Quyền"})
	for i, r := range rows {
		if err := f.SetSheetRow("Sheet1", fmt.Sprintf("A%d", i+3), &r); err != nil {
			t.Fatal(err)
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		t.Fatal(err)
	}
	return buf.String()
}

// officialsForm is a multipart body holding a note and data in the field
// (with a file name and media type when they are not empty); it returns the
// body and its Content-Type.
func officialsForm(t *testing.T, field, filename, contentType, data string) (string, string) {
	t.Helper()
	raw := testkit.Multipart(t, testkit.Part{Field: "note", Data: []byte("danh sách Sở Tư pháp")},
		testkit.Part{Field: field, Filename: filename, ContentType: contentType, Data: []byte(data)})
	return string(raw.Data), raw.ContentType
}

// officialsResult is the 200 answer.
type officialsResult struct {
	Created   *int   `json:"created"`
	Updated   *int   `json:"updated"`
	Unchanged *int   `json:"unchanged"`
	Errors    *[]any `json:"errors"`
}

func (e *env) importOfficials(t *testing.T, agencyID int64, body, ctype string) (created, updated, unchanged int) {
	t.Helper()
	res := e.do(t, 200, req{method: "POST", path: fmt.Sprintf("/api/v1/agencies/%d/officials", agencyID), as: "admin", body: body, ctype: ctype})
	var out officialsResult
	decode(t, res, &out)
	if out.Created == nil || out.Updated == nil || out.Unchanged == nil || out.Errors == nil || len(*out.Errors) != 0 {
		t.Fatalf("import answered %s: want created, updated, unchanged and an empty errors list", res)
	}
	return *out.Created, *out.Updated, *out.Unchanged
}

// officialsPeople is every user with their grants, for checking that a refused
// import changed nothing.
func (e *env) officialsPeople(t *testing.T) string {
	t.Helper()
	var rows []string
	err := e.Store.DB().Select(&rows, `SELECT u.email || ' ' || u.name || ' ' || u.title || ' ' || COALESCE(g.role, '-') || ' ' || COALESCE(CAST(g.agency_id AS TEXT), '-')
		FROM users u LEFT JOIN grants g ON g.user_id = u.id ORDER BY u.id, g.id`)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Join(rows, "\n")
}

func TestOfficialsImport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		csv := sample(t, "officials-department.csv")

		// CSV as the raw body, then the same list again.
		if c, u, n := e.importOfficials(t, e.Dept.ID, csv, "text/csv; charset=utf-8"); c != 4 || u != 0 || n != 0 {
			t.Fatalf("first import: created %d, updated %d, unchanged %d; want 4, 0, 0", c, u, n)
		}
		if c, u, n := e.importOfficials(t, e.Dept.ID, csv, "text/csv"); c != 0 || u != 0 || n != 4 {
			t.Fatalf("second import: created %d, updated %d, unchanged %d; want 0, 0, 4", c, u, n)
		}
		var n int
		if err := e.Store.DB().Get(&n, e.Store.DB().Rebind(`SELECT COUNT(*) FROM grants g JOIN users u ON u.id = g.user_id
			WHERE u.email LIKE ? AND g.agency_id = ?`), "%so-tuphap%", e.Dept.ID); err != nil || n != 4 {
			t.Fatalf("%d grants of the list for the agency (%v), want 4", n, err)
		}

		// The same people in Excel's Vietnamese CSV (";" and a byte-order
		// mark), one now also an approver, into another agency.
		semi := "\ufeff" + strings.ReplaceAll(csv, ",", ";")
		semi = strings.Replace(semi, "chau.lm@so-tuphap.example.vn;Cập nhật báo cáo", "chau.lm@so-tuphap.example.vn;Phê duyệt báo cáo", 1)
		if c, u, n := e.importOfficials(t, e.Dept2.ID, semi, "application/octet-stream"); c != 0 || u != 4 || n != 0 {
			t.Fatalf("import into a second agency: created %d, updated %d, unchanged %d; want 0, 4, 0", c, u, n)
		}

		// XLSX in a multipart form, with an official already known and one new.
		xlsx := officialsXLSX(t,
			[]any{1, "Nguyễn Văn An", "Giám đốc", "AN.NV@so-tuphap.example.vn", "Phê duyệt báo cáo"},
			[]any{2, "Hoàng Thị Én", "Chuyên viên", "en.ht@so-tuphap.example.vn", "cap nhat bao cao"})
		body, ctype := officialsForm(t, "file", "danh-sách.xlsx", sheet.TypeXLSX, xlsx)
		if c, u, n := e.importOfficials(t, e.Dept.ID, body, ctype); c != 1 || u != 1 || n != 0 {
			t.Fatalf("XLSX import: created %d, updated %d, unchanged %d; want 1, 1, 0", c, u, n)
		}
		// The raw XLSX body, and a multipart part without a media type.
		if c, u, n := e.importOfficials(t, e.Dept.ID, xlsx, sheet.TypeXLSX); c != 0 || u != 0 || n != 2 {
			t.Fatalf("raw XLSX import: created %d, updated %d, unchanged %d; want 0, 0, 2", c, u, n)
		}
		body, ctype = officialsForm(t, "file", "", "", csv)
		if c, u, n := e.importOfficials(t, e.Dept.ID, body, ctype); c != 0 || u != 1 || n != 3 {
			t.Fatalf("multipart CSV import: created %d, updated %d, unchanged %d; want 0, 1, 3", c, u, n)
		}
	})
}

func TestOfficialsImportRefused(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		e := newEnv(t, dialect)
		path := fmt.Sprintf("/api/v1/agencies/%d/officials", e.Dept.ID)
		csv := sample(t, "officials-department.csv")
		before := e.officialsPeople(t)
		unchanged := func(what string) {
			t.Helper()
			if after := e.officialsPeople(t); after != before {
				t.Fatalf("%s changed people:\nbefore:\n%s\nafter:\n%s", what, before, after)
			}
		}

		// The bad sample: 422 listing every bad row, and nothing stored.
		res := e.do(t, 422, req{method: "POST", path: path, as: "admin", body: sample(t, "officials-bad.csv"), ctype: "text/csv"})
		p := wantProblem(t, res, 422, "rows/2/email", "rows/3/name", "rows/4/permission", "rows/6/email")
		if !strings.Contains(p.Detail, "lỗi ở 4 dòng") {
			t.Errorf("detail %q", p.Detail)
		}
		var rows struct {
			Errors []struct {
				Row     int    `json:"row"`
				Field   string `json:"field"`
				Message string `json:"message"`
			} `json:"errors"`
		}
		decode(t, res, &rows)
		var got []string
		for _, r := range rows.Errors {
			got = append(got, fmt.Sprintf("%d %s", r.Row, r.Field))
			if r.Message == "" {
				t.Errorf("row %d without a message", r.Row)
			}
		}
		if want := []string{"2 rows/2/email", "3 rows/3/name", "4 rows/4/permission", "6 rows/6/email"}; !slices.Equal(got, want) {
			t.Errorf("errors %v, want %v", got, want)
		}
		if !strings.Contains(string(res.body), "trùng với dòng 5") {
			t.Errorf("the duplicate does not name the row it repeats: %s", res)
		}
		unchanged("the bad sample")

		// A missing column is reported on the header row.
		noPermission := strings.ReplaceAll(strings.ReplaceAll(csv, ",Phê duyệt báo cáo", ""), ",Cập nhật báo cáo", "")
		noPermission = strings.Replace(noPermission, ",Quyền", "", 1)
		wantProblem(t, e.do(t, 422, req{method: "POST", path: path, as: "admin", body: noPermission, ctype: "text/csv"}), 422, "rows/1/permission")

		// Only admins.
		for _, as := range []string{"updater", "approver", "council", "other-approver"} {
			wantProblem(t, e.do(t, 403, req{method: "POST", path: path, as: as, body: csv, ctype: "text/csv"}), 403)
		}
		wantProblem(t, e.do(t, 401, req{method: "POST", path: path, body: csv, ctype: "text/csv"}), 401)
		unchanged("callers who are not admins")

		// Unknown agencies.
		for _, p := range []string{"/api/v1/agencies/987654/officials", "/api/v1/agencies/STP/officials"} {
			wantProblem(t, e.do(t, 404, req{method: "POST", path: p, as: "admin", body: csv, ctype: "text/csv"}), 404)
		}
		unchanged("unknown agencies")

		// Media types the import does not take.
		for _, ct := range []string{"application/json", "text/plain", "application/vnd.ms-excel", "multipart/mixed; boundary=x"} {
			wantProblem(t, e.do(t, 415, req{method: "POST", path: path, as: "admin", body: csv, ctype: ct}), 415)
		}
		_, noType := e.send(t, req{method: "POST", path: path, as: "admin"})
		wantProblem(t, noType, 415)
		// An old .xls workbook, whatever it is labelled.
		ole := string([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}) + strings.Repeat("\x00", 504)
		p = wantProblem(t, e.do(t, 415, req{method: "POST", path: path, as: "admin", body: ole, ctype: "application/octet-stream"}), 415)
		if !strings.Contains(p.Detail, ".xlsx") {
			t.Errorf("detail %q does not say what to send", p.Detail)
		}

		// A form without the file field, and a malformed one.
		body, ctype := officialsForm(t, "tep", "list.csv", "text/csv", csv)
		wantProblem(t, e.do(t, 422, req{method: "POST", path: path, as: "admin", body: body, ctype: ctype}), 422, "file")
		wantProblem(t, e.do(t, 400, req{method: "POST", path: path, as: "admin", body: "--x\r\nnonsense", ctype: "multipart/form-data; boundary=x"}), 400)
		wantProblem(t, e.do(t, 400, req{method: "POST", path: path, as: "admin", body: csv, ctype: "multipart/form-data"}), 400)

		// Over the server's body limit.
		small := e.withServer(t, func(c *handlers.Config) { c.MaxBody = 200 })
		wantProblem(t, small.do(t, 413, req{method: "POST", path: path, as: "admin", body: csv, ctype: "text/csv"}), 413)
		body, ctype = officialsForm(t, "file", "list.csv", "text/csv", csv)
		wantProblem(t, small.do(t, 413, req{method: "POST", path: path, as: "admin", body: body, ctype: ctype}), 413)
		unchanged("refused media types and bodies")
	})
}
