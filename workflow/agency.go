package workflow

// AgencyKind is the block an agency belongs to; each kind has its own criteria set.
type AgencyKind string

// The two blocks of the index: provincial departments and boards (Phụ lục 1)
// and district People's Committees (Phụ lục 2).
const (
	KindDepartment AgencyKind = "department"
	KindDistrict   AgencyKind = "district"
)

// AgencyKinds lists every kind, in display order.
var AgencyKinds = []AgencyKind{KindDepartment, KindDistrict}

// Valid reports whether k is a known kind.
func (k AgencyKind) Valid() bool { return k == KindDepartment || k == KindDistrict }

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
		fields = append(fields, Field("kind", `Phải là "department" (sở, ban, ngành) hoặc "district" (UBND cấp huyện).`))
	}
	fields = appendNUL(fields, "code", a.Code)
	fields = appendNUL(fields, "name", a.Name)
	fields = appendTooLong(fields, "name", a.Name, LimitName)
	if fields != nil {
		return Errorf(EINVALID, "Thông tin đơn vị không hợp lệ.").WithFields(fields...)
	}
	return nil
}
