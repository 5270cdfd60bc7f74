package workflow

import (
	"fmt"
	"strings"
	"unicode"

	"golang.org/x/text/runes"
	"golang.org/x/text/transform"
	"golang.org/x/text/unicode/norm"
)

// Official is one row of an agency's list of officials, the form every agency
// sends Sở Nội vụ before a campaign: TT | Họ và tên | Chức vụ | Email | Quyền.
// Row is the spreadsheet's row number (the header is usually row 1), so that a
// problem can be pointed out where the official will look for it.
type Official struct {
	Row   int
	Name  string
	Title string
	Email string
	Role  Role // RoleApprover or RoleUpdater, of the agency the list belongs to
}

// officialColumn is one column of the form: its field name in errors, its
// Vietnamese header as the form spells it, and the folded headers that name it.
type officialColumn struct {
	field   string
	header  string
	aliases []string
}

// officialColumns are the columns a list must have, in the order
// ParseOfficials reads them. TT (the row's number in the list) may be there
// or not and is never read; any other column is ignored.
var officialColumns = []officialColumn{
	{"name", "Họ và tên", []string{"ho va ten", "ho ten", "full name", "name"}},
	{"title", "Chức vụ", []string{"chuc vu", "chuc danh", "title", "position"}},
	{"email", "Email", []string{"email", "e mail", "thu dien tu", "dia chi email", "dia chi thu dien tu"}},
	{"permission", "Quyền", []string{"quyen", "quyen han", "phan quyen", "permission", "role"}},
}

// permissions maps a folded Quyền value to its role: the form's wording, its
// short form, and the service's own role names.
var permissions = map[string]Role{
	"phe duyet bao cao": RoleApprover,
	"phe duyet":         RoleApprover,
	"approver":          RoleApprover,
	"cap nhat bao cao":  RoleUpdater,
	"cap nhat":          RoleUpdater,
	"updater":           RoleUpdater,
}

// ParseOfficials reads an officials list from a sheet's rows (rows[0] is
// spreadsheet row 1). The header is the first row naming at least two of the
// columns; rows above it (a title, a date) are skipped. Headers and Quyền
// values are compared without accents, case or extra spaces, so "HỌ VÀ TÊN",
// "ho va ten" and decomposed (NFD) text all match; columns may come in any
// order and other columns are ignored. Họ và tên, Chức vụ, Email and Quyền
// must all be there (a blank Chức vụ cell is fine); TT, the row's number in
// the list, may be missing and is never read. A row whose name, title, email and
// permission cells are all blank is skipped (a numbered but empty line of a
// template). Names, titles and emails come back trimmed and in NFC, emails
// lower-cased.
//
// Every problem is returned at once as EINVALID whose fields are named
// "rows/<row>/<name|email|permission>" (a missing column is reported on the
// header row): an empty name, an email that is missing, not an address
// (ValidEmail) or repeats an earlier row's, and a Quyền that is blank or not
// one of "Phê duyệt báo cáo" and "Cập nhật báo cáo".
func ParseOfficials(rows [][]string) ([]Official, error) {
	header, cols := findHeader(rows)
	var fields []FieldError
	headerRow := header + 1
	if header < 0 {
		headerRow = firstNonBlank(rows) + 1
	}
	for i, c := range officialColumns {
		switch {
		case len(cols[i]) == 0:
			fields = append(fields, Field(rowField(headerRow, c.field), "Thiếu cột «%s».", c.header))
		case len(cols[i]) > 1:
			var letters []string
			for _, idx := range cols[i] {
				letters = append(letters, columnLetters(idx))
			}
			fields = append(fields, Field(rowField(headerRow, c.field),
				"Cột «%s» xuất hiện nhiều lần (các cột %s).", c.header, strings.Join(letters, ", ")))
		}
	}
	if fields != nil {
		return nil, Errorf(EINVALID, "Danh sách cán bộ phải có các cột TT, Họ và tên, Chức vụ, Email, Quyền.").WithFields(fields...)
	}

	var officials []Official
	seen := map[string]int{} // email → the row it first appears on
	for i := header + 1; i < len(rows); i++ {
		cell := func(col int) string {
			if idx := cols[col][0]; idx < len(rows[i]) {
				return rows[i][idx]
			}
			return ""
		}
		name, title, email, permission := cell(0), cell(1), cell(2), cell(3)
		if blank(name) && blank(title) && blank(email) && blank(permission) {
			continue
		}
		o := Official{Row: i + 1, Name: name, Title: title, Email: email}
		o.normalize()
		row := o.problems(seen)
		if role, ok := permissions[fold(permission)]; ok {
			o.Role = role
		} else if blank(permission) {
			row = append(row, Field(rowField(o.Row, "permission"), "Thiếu quyền: ghi «Phê duyệt báo cáo» hoặc «Cập nhật báo cáo»."))
		} else {
			row = append(row, Field(rowField(o.Row, "permission"),
				"Không có quyền «%s»: ghi «Phê duyệt báo cáo» hoặc «Cập nhật báo cáo».", NormalizeText(permission)))
		}
		fields = append(fields, row...)
		officials = append(officials, o)
	}
	if fields != nil {
		return nil, officialsError(fields)
	}
	return officials, nil
}

// ValidateOfficials normalises a list built by other means than
// ParseOfficials and checks it the same way: name, email, a role of updater
// or approver, and no email twice. Rows without a Row number are numbered
// from their position (first = 1).
func ValidateOfficials(officials []Official) error {
	var fields []FieldError
	seen := map[string]int{}
	for i := range officials {
		o := &officials[i]
		if o.Row <= 0 {
			o.Row = i + 1
		}
		o.normalize()
		fields = append(fields, o.problems(seen)...)
		if o.Role != RoleApprover && o.Role != RoleUpdater {
			fields = append(fields, Field(rowField(o.Row, "permission"), "Quyền phải là approver (phê duyệt) hoặc updater (cập nhật)."))
		}
	}
	if fields != nil {
		return officialsError(fields)
	}
	return nil
}

// normalize trims the text to NFC with single spaces and lower-cases the email.
func (o *Official) normalize() {
	o.Name = strings.Join(strings.Fields(NormalizeText(o.Name)), " ")
	o.Title = strings.Join(strings.Fields(NormalizeText(o.Title)), " ")
	o.Email = NormalizeEmail(o.Email)
}

// problems checks the name and the email of a normalised row; seen holds the
// rows where each valid email was first met, so that a repeat names it.
func (o *Official) problems(seen map[string]int) []FieldError {
	var fields []FieldError
	if o.Name == "" {
		fields = append(fields, Field(rowField(o.Row, "name"), "Thiếu họ và tên."))
	} else if hasNUL(o.Name) {
		fields = append(fields, Field(rowField(o.Row, "name"), noNUL))
	}
	fields = appendTooLong(fields, rowField(o.Row, "name"), o.Name, LimitName)
	if hasNUL(o.Title) {
		fields = append(fields, Field(rowField(o.Row, "title"), noNUL))
	}
	fields = appendTooLong(fields, rowField(o.Row, "title"), o.Title, LimitTitle)
	switch first, dup := seen[o.Email]; {
	case o.Email == "":
		fields = append(fields, Field(rowField(o.Row, "email"), "Thiếu email."))
	case !ValidEmail(o.Email):
		fields = append(fields, Field(rowField(o.Row, "email"), "«%s» không phải địa chỉ email.", o.Email))
	case dup:
		fields = append(fields, Field(rowField(o.Row, "email"), "%s trùng với dòng %d.", o.Email, first))
	default:
		seen[o.Email] = o.Row
	}
	return fields
}

// officialsError is the EINVALID of a list, counting the rows at fault.
func officialsError(fields []FieldError) *Error {
	rows := map[string]bool{}
	for _, f := range fields {
		r, _, _ := strings.Cut(strings.TrimPrefix(f.Field, "rows/"), "/")
		rows[r] = true
	}
	return Errorf(EINVALID, "Danh sách cán bộ có lỗi ở %d dòng; chưa nhập gì. Hãy sửa và gửi lại toàn bộ danh sách.", len(rows)).WithFields(fields...)
}

// findHeader returns the index of the header row and, for each of
// officialColumns, the indexes of the cells naming it; -1 when no row names
// two columns.
func findHeader(rows [][]string) (int, [][]int) {
	for i, row := range rows {
		cols := make([][]int, len(officialColumns))
		named := 0
		for j, cell := range row {
			if c := columnOf(fold(cell)); c >= 0 {
				if len(cols[c]) == 0 {
					named++
				}
				cols[c] = append(cols[c], j)
			}
		}
		if named >= 2 {
			return i, cols
		}
	}
	return -1, make([][]int, len(officialColumns))
}

// columnOf returns the index in officialColumns of the column a folded header
// names, or -1. "Quyền (Phê duyệt báo cáo / Cập nhật báo cáo)" names Quyền:
// a header may add words after the alias.
func columnOf(h string) int {
	for i, c := range officialColumns {
		for _, a := range c.aliases {
			if h == a || strings.HasPrefix(h, a+" ") {
				return i
			}
		}
	}
	return -1
}

func firstNonBlank(rows [][]string) int {
	for i, row := range rows {
		for _, cell := range row {
			if !blank(cell) {
				return i
			}
		}
	}
	return 0
}

func blank(s string) bool { return strings.TrimSpace(s) == "" }

func rowField(row int, field string) string { return fmt.Sprintf("rows/%d/%s", row, field) }

// columnLetters names a 0-based column as a spreadsheet does: A, …, Z, AA.
func columnLetters(i int) string {
	s := ""
	for i++; i > 0; i = (i - 1) / 26 {
		s = string(rune('A'+(i-1)%26)) + s
	}
	return s
}

// fold is how headers and fixed values are compared: without accents (đ is
// d), in lower case, with anything but letters and digits as one space.
// "HỌ VÀ TÊN:", "Họ và tên" (composed or not) and "ho  va ten" fold alike.
func fold(s string) string {
	// A chain keeps state between calls: build one per call so that
	// concurrent requests never share it.
	s, _, err := transform.String(transform.Chain(norm.NFD, runes.Remove(runes.In(unicode.Mn))), s)
	if err != nil {
		return ""
	}
	s = strings.Map(func(r rune) rune {
		switch {
		case r == 'đ' || r == 'Đ':
			return 'd'
		case unicode.IsLetter(r) || unicode.IsDigit(r):
			return unicode.ToLower(r)
		}
		return ' '
	}, s)
	return strings.Join(strings.Fields(s), " ")
}
