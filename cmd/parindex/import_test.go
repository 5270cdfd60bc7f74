package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"parindex/internal/testkit"
	"parindex/store"
	"parindex/store/storetest"
	"parindex/workflow"
)

// copyOfficialsSample copies a shared officials sample into dir.
func copyOfficialsSample(t *testing.T, dir, name string) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, testkit.Sample(t, name), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestImportOfficials runs `parindex import officials` through Main: a CSV and
// an XLSX list, a re-import, a list with bad rows (every one printed, nothing
// stored) and the command's own errors.
func TestImportOfficials(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, dialect string) {
		db := storetest.URL(t, dialect)
		mustRun(t, nil, nil, "migrate", "up", "--db", db)
		s := storetest.OpenURL(t, db, nil)
		if err := s.CreateAgency(context.Background(), nil, &workflow.Agency{Code: "STP", Name: "Sở Tư pháp", Kind: workflow.KindDepartment}, store.Meta{}); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		good := copyOfficialsSample(t, dir, "officials-department.csv")
		bad := copyOfficialsSample(t, dir, "officials-bad.csv")

		if out := mustRun(t, nil, nil, "import", "officials", "--agency", "STP", "--db", db, good); out != "created 4, updated 0, unchanged 0\n" {
			t.Fatalf("first import printed %q", out)
		}
		// Flags may also follow the file; PARINDEX_DB stands in for --db.
		env := map[string]string{"PARINDEX_DB": db}
		if out := mustRun(t, nil, env, "import", "officials", good, "--agency", "STP"); out != "created 0, updated 0, unchanged 4\n" {
			t.Fatalf("second import printed %q", out)
		}

		xlsx := filepath.Join(dir, "danh-sach.xlsx")
		f := excelize.NewFile()
		f.SetSheetRow("Sheet1", "A1", &[]any{"TT", "HỌ VÀ TÊN", "CHỨC VỤ", "EMAIL", "QUYỀN"})
		f.SetSheetRow("Sheet1", "A2", &[]any{1, "Nguyễn Văn An", "Giám đốc", "an.nv@so-tuphap.example.vn", "Phê duyệt báo cáo"})
		f.SetSheetRow("Sheet1", "A3", &[]any{2, "Hoàng Thị Én", "Chuyên viên", "en.ht@so-tuphap.example.vn", "Cập nhật báo cáo"})
		if err := f.SaveAs(xlsx); err != nil {
			t.Fatal(err)
		}
		f.Close()
		if out := mustRun(t, nil, nil, "import", "officials", "--agency", "STP", "--db", db, xlsx); out != "created 1, updated 1, unchanged 0\n" {
			t.Fatalf("XLSX import printed %q", out)
		}

		// The bad list: every bad row on its own line, an error, nothing
		// stored; in Vietnamese, or in English under an English locale.
		users := storetest.Count(t, s, `SELECT COUNT(*) FROM users`)
		for _, tc := range []struct {
			env   map[string]string
			count string
			want  []string
		}{
			{nil, "lỗi ở 4 dòng", []string{
				"dòng 2, cột Email: «en.ht@example» không phải địa chỉ email.",
				"dòng 3, cột Họ và tên: Thiếu họ và tên.",
				"dòng 4, cột Quyền: Không có quyền «Quản trị hệ thống»",
				"dòng 6, cột Email: ha.dt@huyen.example.vn trùng với dòng 5.",
			}},
			{map[string]string{"LANG": "en_US.UTF-8"}, "4 row(s)", []string{
				"row 2, email: «en.ht@example» is not an email address.",
				"row 3, name: The name is missing.",
				"row 4, permission: Unknown permission «Quản trị hệ thống»",
				"row 6, email: ha.dt@huyen.example.vn repeats row 5.",
			}},
		} {
			m, stdout, stderr := newMain(nil, tc.env)
			err := m.Run(context.Background(), []string{"import", "officials", "--agency", "STP", "--db", db, bad})
			if err == nil || !strings.Contains(err.Error(), tc.count) {
				t.Fatalf("bad list %v: error %v, want one counting 4 rows (%q)", tc.env, err, tc.count)
			}
			if stdout.String() != "" {
				t.Errorf("bad list printed %q on standard output", stdout)
			}
			lines := strings.Split(strings.TrimSuffix(stderr.String(), "\n"), "\n")
			if len(lines) != len(tc.want) {
				t.Fatalf("bad list printed on standard error:\n%s", stderr)
			}
			for i, w := range tc.want {
				if !strings.HasPrefix(lines[i], w) {
					t.Errorf("line %d is %q, want it to start with %q", i+1, lines[i], w)
				}
			}
		}
		if n := storetest.Count(t, s, `SELECT COUNT(*) FROM users`); n != users {
			t.Errorf("the bad list changed the users: %d, were %d", n, users)
		}

		ole := filepath.Join(dir, "cu.xls")
		os.WriteFile(ole, append([]byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}, make([]byte, 504)...), 0o644)
		unmigrated := storetest.URL(t, dialect)
		for _, tc := range []struct {
			args []string
			want string
		}{
			{[]string{"import"}, "usage: parindex import officials"},
			{[]string{"import", "users", good}, "usage: parindex import officials"},
			{[]string{"import", "officials", "--db", db, good}, "--agency is required"},
			{[]string{"import", "officials", "--agency", "STP", "--db", db}, "name one file"},
			{[]string{"import", "officials", "--agency", "STP", "--db", db, good, bad}, "name one file"},
			{[]string{"import", "officials", "--agency", "NOPE", "--db", db, good}, `Không có đơn vị nào mang mã "NOPE"`},
			{[]string{"import", "officials", "--agency", "STP", "--db", db, filepath.Join(dir, "missing.csv")}, "missing.csv"},
			{[]string{"import", "officials", "--agency", "STP", "--db", db, ole}, "Excel 97-2003 (.xls) cũ"},
			{[]string{"import", "officials", "--agency", "STP", "--db", unmigrated, good}, "run parindex migrate up"},
			{[]string{"import", "officials", "--agnecy", "STP", good}, "flag provided but not defined"},
		} {
			_, err := run(t, nil, nil, tc.args...)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("%v: error %v, want it to mention %q", tc.args, err, tc.want)
			}
		}
	})
}
