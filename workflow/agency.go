package workflow

// AgencyKind is the block an agency belongs to; each kind has its own criteria set.
type AgencyKind string

// The two blocks of the index: provincial departments and boards (Phụ lục 1)
// and district People's Committees (Phụ lục 2).
const (
	KindDepartment AgencyKind = "department"
	KindDistrict   AgencyKind = "district"
)

// AgencyKinds lists the kinds every database starts with, in display order;
// a deployment adds others (commune, UBND cấp xã, since the two-level local
// government of 2025) as rows of agency_kinds, which the store checks.
var AgencyKinds = []AgencyKind{KindDepartment, KindDistrict}

// Valid reports whether k is shaped like a kind's code: 1 to 32 lower-case
// ASCII letters, digits, "_" or "-", starting with a letter. Whether such a
// kind exists is the store's to say.
func (k AgencyKind) Valid() bool {
	if len(k) == 0 || len(k) > 32 || k[0] < 'a' || k[0] > 'z' {
		return false
	}
	for _, c := range []byte(k) {
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// KindInfo is one kind of agency as the admin manages it: its code, its
// Vietnamese name and where it comes in lists and rankings.
type KindInfo struct {
	Code     AgencyKind `json:"code" db:"code"`
	Name     string     `json:"name" db:"name"`
	Position int        `json:"position" db:"position"`
}

// Validate normalises the name and lists every problem.
func (k *KindInfo) Validate() error {
	k.Name = NormalizeText(k.Name)
	var fields []FieldError
	if !k.Code.Valid() {
		fields = append(fields, Field("code", "Mã loại đơn vị gồm 1 đến 32 chữ thường không dấu, chữ số, «_» hoặc «-», bắt đầu bằng một chữ, ví dụ commune."))
	}
	if k.Name == "" {
		fields = append(fields, Field("name", "Cần nhập tên loại đơn vị."))
	}
	fields = appendNUL(fields, "name", k.Name)
	fields = appendTooLong(fields, "name", k.Name, LimitName)
	if k.Position < 0 || k.Position > 1000 {
		fields = append(fields, Field("position", "Thứ tự hiển thị là một số nguyên từ 0 đến 1000."))
	}
	if fields != nil {
		return Errorf(EINVALID, "Loại đơn vị không hợp lệ.").WithFields(fields...)
	}
	return nil
}

// Agency is a department or district whose report is assessed.
type Agency struct {
	ID   int64      `json:"id" db:"id"`
	Code string     `json:"code" db:"code"`
	Name string     `json:"name" db:"name"`
	Kind AgencyKind `json:"kind" db:"kind"`
}

// Validate normalises the text fields and lists every problem.
func (a *Agency) Validate() error {
	a.Code = NormalizeText(a.Code)
	a.Name = NormalizeText(a.Name)
	var fields []FieldError
	if a.Code == "" {
		fields = append(fields, Field("code", "Bắt buộc."))
	} else if len(a.Code) > 64 {
		fields = append(fields, Field("code", "Mã đơn vị dài quá 64 byte."))
	}
	if a.Name == "" {
		fields = append(fields, Field("name", "Bắt buộc."))
	}
	if !a.Kind.Valid() {
		fields = append(fields, Field("kind", "Cần chọn một loại đơn vị đã có, ví dụ department hoặc district."))
	}
	fields = appendNUL(fields, "code", a.Code)
	fields = appendNUL(fields, "name", a.Name)
	fields = appendTooLong(fields, "name", a.Name, LimitName)
	if fields != nil {
		return Errorf(EINVALID, "Thông tin đơn vị không hợp lệ.").WithFields(fields...)
	}
	return nil
}
