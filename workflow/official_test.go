package workflow

import (
	"encoding/csv"
	"reflect"
	"strings"
	"testing"

	"golang.org/x/text/unicode/norm"

	"parindex/internal/testkit"
)

// officialsSample reads one of the shared officials samples as rows, the
// way sheet.Read would hand them over.
func officialsSample(t testing.TB, name string) ([][]string, []byte) {
	t.Helper()
	data := testkit.Sample(t, name)
	r := csv.NewReader(strings.NewReader(string(data)))
	r.FieldsPerRecord = -1
	rows, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows, data
}

func TestParseOfficialsSamples(t *testing.T) {
	rows, _ := officialsSample(t, "officials-department.csv")
	got, err := ParseOfficials(rows)
	if err != nil {
		t.Fatalf("%v %v", err, ErrorFields(err))
	}
	want := []Official{
		{Row: 2, Name: "Nguyễn Văn An", Title: "Phó Giám đốc", Email: "an.nv@so-tuphap.example.vn", Role: RoleApprover},
		{Row: 3, Name: "Trần Thị Bình", Title: "Chánh Văn phòng", Email: "binh.tt@so-tuphap.example.vn", Role: RoleApprover},
		{Row: 4, Name: "Lê Minh Châu", Title: "Chuyên viên Văn phòng", Email: "chau.lm@so-tuphap.example.vn", Role: RoleUpdater},
		{Row: 5, Name: "Phạm Quốc Dũng", Title: "Chuyên viên Phòng Hành chính tư pháp", Email: "dung.pq@so-tuphap.example.vn", Role: RoleUpdater},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("department sample:\n got %+v\nwant %+v", got, want)
	}

	// The bad sample: every kind of bad row, each on its spreadsheet row.
	rows, _ = officialsSample(t, "officials-bad.csv")
	_, err = ParseOfficials(rows)
	wantFields(t, err, []string{"rows/2/email", "rows/3/name", "rows/4/permission", "rows/6/email"})
	messages := map[string]string{}
	for _, f := range ErrorFields(err) {
		messages[f.Field] = say(f)
	}
	for field, want := range map[string]string{
		"rows/2/email":      "«en.ht@example» không phải địa chỉ email.",
		"rows/3/name":       "Thiếu họ và tên.",
		"rows/4/permission": "Không có quyền «Quản trị hệ thống»",
		"rows/6/email":      "ha.dt@huyen.example.vn trùng với dòng 5.",
	} {
		if !strings.Contains(messages[field], want) {
			t.Errorf("%s: message %q, want it to say %q", field, messages[field], want)
		}
	}
	if msg := ErrorMessage(err); !strings.Contains(msg, "lỗi ở 4 dòng") {
		t.Errorf("message %q does not count the 4 bad rows", msg)
	}
}

func TestParseOfficials(t *testing.T) {
	header := []string{"TT", "Họ và tên", "Chức vụ", "Email", "Quyền"}
	an := []string{"1", "Nguyễn Văn An", "Phó Giám đốc", "an.nv@stp.example.vn", "Phê duyệt báo cáo"}
	binh := []string{"2", "Trần Thị Bình", "Chuyên viên", "binh.tt@stp.example.vn", "Cập nhật báo cáo"}
	anWant := Official{Row: 2, Name: "Nguyễn Văn An", Title: "Phó Giám đốc", Email: "an.nv@stp.example.vn", Role: RoleApprover}
	binhWant := Official{Row: 3, Name: "Trần Thị Bình", Title: "Chuyên viên", Email: "binh.tt@stp.example.vn", Role: RoleUpdater}
	at := func(o Official, row int) Official { o.Row = row; return o }
	nfd := func(row []string) []string {
		out := make([]string, len(row))
		for i, c := range row {
			out[i] = norm.NFD.String(c)
		}
		return out
	}

	tests := []struct {
		name   string
		rows   [][]string
		want   []Official
		fields []string
	}{
		{"the form", [][]string{header, an, binh}, []Official{anWant, binhWant}, nil},
		{"headers without accents, lower case", [][]string{{"tt", "ho va ten", "chuc vu", "email", "quyen"}, an, binh}, []Official{anWant, binhWant}, nil},
		{"headers in capitals", [][]string{{"TT", "HỌ VÀ TÊN", "CHỨC VỤ", "EMAIL", "QUYỀN"}, an, binh}, []Official{anWant, binhWant}, nil},
		{"headers and values decomposed (NFD)", [][]string{nfd(header), nfd(an), nfd(binh)}, []Official{anWant, binhWant}, nil},
		{"byte-order mark, spaces, punctuation", [][]string{{"\ufeffTT", "  Họ  và   tên: ", "Chức vụ (*)", "E-mail", "Quyền (Phê duyệt báo cáo / Cập nhật báo cáo)"}, an, binh}, []Official{anWant, binhWant}, nil},
		{"STT and Họ tên", [][]string{{"STT", "Họ tên", "Chức vụ", "Email", "Quyền"}, an}, []Official{anWant}, nil},
		{"columns in another order, extra ones ignored, no TT", [][]string{
			{"Email", "Ghi chú", "Quyền", "Họ và tên", "Số điện thoại", "Chức vụ"},
			{"an.nv@stp.example.vn", "mới", "Phê duyệt báo cáo", "Nguyễn Văn An", "0234 3822 000", "Phó Giám đốc"},
		}, []Official{anWant}, nil},
		{"permission values without accents or in capitals", [][]string{header,
			{"1", "Nguyễn Văn An", "Phó Giám đốc", "an.nv@stp.example.vn", "phe duyet bao cao"},
			{"2", "Trần Thị Bình", "Chuyên viên", "binh.tt@stp.example.vn", " CẬP NHẬT BÁO CÁO "},
		}, []Official{anWant, binhWant}, nil},
		{"short permission values and role names", [][]string{header,
			{"1", "Nguyễn Văn An", "Phó Giám đốc", "an.nv@stp.example.vn", "Phê duyệt"},
			{"2", "Trần Thị Bình", "Chuyên viên", "binh.tt@stp.example.vn", "updater"},
		}, []Official{anWant, binhWant}, nil},
		{"email in capitals with spaces, name with double spaces", [][]string{header,
			{"1", " Nguyễn  Văn An ", "Phó Giám đốc", "  AN.NV@STP.Example.VN ", "Phê duyệt báo cáo"},
		}, []Official{anWant}, nil},
		{"a title block above the header", [][]string{
			{"UBND TỈNH THỪA THIÊN HUẾ"},
			{"DANH SÁCH CÁN BỘ THỰC HIỆN CHẤM ĐIỂM CHỈ SỐ CCHC"},
			{},
			header, an, binh,
		}, []Official{at(anWant, 5), at(binhWant, 6)}, nil},
		{"blank lines and numbered empty lines skipped, rows keep their numbers", [][]string{
			header, {}, an, {"", "  ", "", ""}, {"3"}, {"4", "", "", "", ""}, binh,
		}, []Official{at(anWant, 3), at(binhWant, 7)}, nil},
		{"empty title is fine", [][]string{header, {"1", "Nguyễn Văn An", "", "an.nv@stp.example.vn", "Phê duyệt báo cáo"}},
			[]Official{{Row: 2, Name: "Nguyễn Văn An", Email: "an.nv@stp.example.vn", Role: RoleApprover}}, nil},
		{"short rows", [][]string{header, {"1", "Nguyễn Văn An"}}, nil, []string{"rows/2/email", "rows/2/permission"}},
		{"header only", [][]string{header}, nil, nil},

		{"empty name", [][]string{header, {"1", " ", "Chuyên viên", "a@stp.example.vn", "Cập nhật báo cáo"}}, nil, []string{"rows/2/name"}},
		{"missing email", [][]string{header, {"1", "A", "Chuyên viên", "", "Cập nhật báo cáo"}}, nil, []string{"rows/2/email"}},
		{"bad email", [][]string{header, {"1", "A", "Chuyên viên", "a@localhost", "Cập nhật báo cáo"}}, nil, []string{"rows/2/email"}},
		{"display name in email", [][]string{header, {"1", "A", "Chuyên viên", "A <a@stp.example.vn>", "Cập nhật báo cáo"}}, nil, []string{"rows/2/email"}},
		{"missing permission", [][]string{header, {"1", "A", "Chuyên viên", "a@stp.example.vn", ""}}, nil, []string{"rows/2/permission"}},
		{"unknown permission", [][]string{header, {"1", "A", "Chuyên viên", "a@stp.example.vn", "Quản trị"}}, nil, []string{"rows/2/permission"}},
		{"council is not an agency permission", [][]string{header, {"1", "A", "Chuyên viên", "a@stp.example.vn", "council"}}, nil, []string{"rows/2/permission"}},
		{"duplicate email, in another case", [][]string{header, an, binh, {"3", "Nguyễn Văn An", "Phó Giám đốc", "AN.NV@stp.example.vn", "Cập nhật báo cáo"}},
			nil, []string{"rows/4/email"}},
		{"everything wrong in one row", [][]string{header, {"1", "", "", "x", "?"}}, nil, []string{"rows/2/name", "rows/2/email", "rows/2/permission"}},
		{"every bad row at once", [][]string{header, {"1", "", "", "a@b.vn", "Cập nhật"}, an, {"3", "B", "", "bad", "Cập nhật"}, an},
			nil, []string{"rows/2/name", "rows/4/email", "rows/5/email"}},

		{"missing column", [][]string{{"TT", "Họ và tên", "Chức vụ", "Email"}, an}, nil, []string{"rows/1/permission"}},
		{"missing columns under a title", [][]string{{"DANH SÁCH"}, {"Họ và tên", "Quyền"}, {"A", "Cập nhật báo cáo"}}, nil, []string{"rows/2/title", "rows/2/email"}},
		{"no header at all", [][]string{{}, {"Nguyễn Văn An", "an.nv@stp.example.vn"}}, nil, []string{"rows/2/name", "rows/2/title", "rows/2/email", "rows/2/permission"}},
		{"nothing", nil, nil, []string{"rows/1/name", "rows/1/title", "rows/1/email", "rows/1/permission"}},
		{"a column twice", [][]string{{"Họ và tên", "Chức vụ", "Email", "Quyền", "Email"}, an}, nil, []string{"rows/1/email"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseOfficials(tt.rows)
			wantFields(t, err, tt.fields)
			if tt.fields == nil && !reflect.DeepEqual(got, tt.want) {
				t.Errorf("\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestParseOfficialsMessages(t *testing.T) {
	_, err := ParseOfficials([][]string{{"Họ và tên", "Chức vụ", "Email", "Quyền", "E-mail"}})
	if f := ErrorFields(err); len(f) != 1 || say(f[0]) != "Cột «Email» xuất hiện nhiều lần (các cột C, E)." {
		t.Errorf("a column twice: %v", f)
	}
	_, err = ParseOfficials([][]string{{"Họ và tên", "Chức vụ", "Email"}})
	if f := ErrorFields(err); len(f) != 1 || say(f[0]) != "Thiếu cột «Quyền»." {
		t.Errorf("a missing column: %v", f)
	}
	if msg := ErrorMessage(err); !strings.Contains(msg, "TT, Họ và tên, Chức vụ, Email, Quyền") {
		t.Errorf("a missing column: message %q does not list the form's columns", msg)
	}
}

func TestValidateOfficials(t *testing.T) {
	list := []Official{
		{Name: " An ", Email: "AN@stp.example.vn", Role: RoleApprover},
		{Row: 7, Name: "Bình", Email: "binh@stp.example.vn", Role: RoleCouncil},
		{Name: "", Email: "an@stp.example.vn", Role: RoleUpdater},
	}
	err := ValidateOfficials(list)
	wantFields(t, err, []string{"rows/7/permission", "rows/3/name", "rows/3/email"})
	if list[0].Name != "An" || list[0].Email != "an@stp.example.vn" || list[0].Row != 1 {
		t.Errorf("not normalised or numbered: %+v", list[0])
	}
	wantCode(t, ValidateOfficials([]Official{{Name: "A", Email: "a@b.vn", Role: RoleUpdater}}), "")
}

func TestFold(t *testing.T) {
	for in, want := range map[string]string{
		"Họ và tên":                    "ho va ten",
		norm.NFD.String("HỌ VÀ TÊN"):   "ho va ten",
		"Đặng Thu Hà":                  "dang thu ha",
		"  Phê   duyệt báo cáo\t":      "phe duyet bao cao",
		"E-mail:":                      "e mail",
		"Quyền (Phê duyệt / Cập nhật)": "quyen phe duyet cap nhat",
		"\ufeffTT":                     "tt",
		"Thư điện tử":                  "thu dien tu",
		"":                             "",
	} {
		if got := fold(in); got != want {
			t.Errorf("fold(%q) = %q, want %q", in, got, want)
		}
	}
}

// FuzzParseOfficials feeds any text, split into rows on newlines and cells on
// commas, and checks that ParseOfficials never panics and that what it
// returns keeps its promises.
func FuzzParseOfficials(f *testing.F) {
	for _, name := range []string{"officials-department.csv", "officials-bad.csv"} {
		_, data := officialsSample(f, name)
		f.Add(string(data))
	}
	f.Add("Email;Quyền\n;")
	f.Add("DANH SÁCH\n\nho va ten,chuc vu,email,quyen\nA,,a@b.vn,cap nhat\n")
	f.Fuzz(func(t *testing.T, text string) {
		var rows [][]string
		for _, line := range strings.Split(text, "\n") {
			rows = append(rows, strings.Split(line, ","))
		}
		officials, err := ParseOfficials(rows)
		if err != nil {
			if ErrorCode(err) != EINVALID || len(ErrorFields(err)) == 0 {
				t.Fatalf("error %v with fields %v: want EINVALID naming fields", err, ErrorFields(err))
			}
			for _, fe := range ErrorFields(err) {
				if !strings.HasPrefix(fe.Field, "rows/") || fe.Message == "" {
					t.Fatalf("field error %+v", fe)
				}
			}
			return
		}
		seen := map[string]bool{}
		last := 0
		for _, o := range officials {
			if o.Name == "" || !ValidEmail(o.Email) || (o.Role != RoleUpdater && o.Role != RoleApprover) || seen[o.Email] || o.Row <= last {
				t.Fatalf("ParseOfficials accepted %+v", o)
			}
			if !norm.NFC.IsNormalString(o.Name) || !norm.NFC.IsNormalString(o.Title) {
				t.Fatalf("not NFC: %+v", o)
			}
			seen[o.Email], last = true, o.Row
		}
		if err := ValidateOfficials(officials); err != nil {
			t.Fatalf("ParseOfficials returned a list ValidateOfficials refuses: %v %v", err, ErrorFields(err))
		}
	})
}
