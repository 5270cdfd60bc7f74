package workflow

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"net/mail"
	"strings"
)

// Role is what a grant lets a user do.
type Role string

// The roles of the process. Updater and approver belong to one agency; admin and
// council are province-wide; the system role is the scheduler's and is never granted.
const (
	RoleAdmin    Role = "admin"
	RoleCouncil  Role = "council"
	RoleUpdater  Role = "updater"
	RoleApprover Role = "approver"
	RoleSystem   Role = "system"
)

// AgencyScoped reports whether the role belongs to one agency.
func (r Role) AgencyScoped() bool { return r == RoleUpdater || r == RoleApprover }

// Valid reports whether r may be granted.
func (r Role) Valid() bool {
	return r == RoleAdmin || r == RoleCouncil || r == RoleUpdater || r == RoleApprover
}

// Grant gives a user one role, for one agency where the role is agency-scoped.
type Grant struct {
	Role     Role   `json:"role" db:"role"`
	AgencyID *int64 `json:"agency_id" db:"agency_id"`
}

// User is an official, council member or administrator.
type User struct {
	ID     int64   `json:"id"`
	Email  string  `json:"email"`
	Name   string  `json:"name"`
	Title  string  `json:"title"`
	Grants []Grant `json:"grants"`

	// TokenID and IssuedBy describe the credential of the request, set by
	// authentication: the API token used and, when an administrator issued
	// it for this user, that administrator. Neither is part of the user.
	TokenID  int64  `json:"-"`
	IssuedBy *int64 `json:"-"`
}

// Validate normalises the user's text and lists every problem with it and its grants.
func (u *User) Validate() error {
	u.Email = NormalizeEmail(u.Email)
	u.Name = NormalizeText(u.Name)
	u.Title = NormalizeText(u.Title)
	var fields []FieldError
	fields = appendNUL(fields, "email", u.Email)
	fields = appendNUL(fields, "name", u.Name)
	fields = appendNUL(fields, "title", u.Title)
	fields = appendTooLong(fields, "name", u.Name, LimitName)
	fields = appendTooLong(fields, "title", u.Title, LimitTitle)
	if u.Email == "" {
		fields = append(fields, Field("email", "Bắt buộc."))
	} else if !ValidEmail(u.Email) {
		fields = append(fields, Field("email", "Không phải địa chỉ email."))
	}
	if u.Name == "" {
		fields = append(fields, Field("name", "Bắt buộc."))
	}
	for i, g := range u.Grants {
		field := fmt.Sprintf("grants/%d", i)
		switch {
		case !g.Role.Valid():
			fields = append(fields, Field(field+"/role", "Phải là admin, council, updater hoặc approver."))
		case g.Role.AgencyScoped() && g.AgencyID == nil:
			fields = append(fields, Field(field+"/agency_id", "Vai trò %s cần nêu đơn vị.", g.Role))
		case !g.Role.AgencyScoped() && g.AgencyID != nil:
			fields = append(fields, Field(field+"/agency_id", "Vai trò %s không gắn với đơn vị nào.", g.Role))
		}
	}
	if fields != nil {
		return Errorf(EINVALID, "Thông tin người dùng không hợp lệ.").WithFields(fields...)
	}
	return nil
}

// ValidEmail accepts a bare address with a dotted domain: "an.nv@so.example.vn".
func ValidEmail(s string) bool {
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return false
	}
	_, domain, _ := strings.Cut(s, "@")
	return strings.Contains(domain, ".") && !strings.HasSuffix(domain, ".")
}

// Has reports whether u holds role (for agencyID when the role is agency-scoped).
func (u *User) Has(role Role, agencyID int64) bool {
	for _, g := range u.Grants {
		if g.Role != role {
			continue
		}
		if !role.AgencyScoped() || (g.AgencyID != nil && *g.AgencyID == agencyID) {
			return true
		}
	}
	return false
}

// RolesFor lists the roles u holds over the agency's report, province-wide roles included.
func (u *User) RolesFor(agencyID int64) []Role {
	var roles []Role
	for _, r := range []Role{RoleUpdater, RoleApprover, RoleCouncil, RoleAdmin} {
		if u.Has(r, agencyID) {
			roles = append(roles, r)
		}
	}
	return roles
}

// AgencyIDs lists the agencies u holds an agency-scoped grant for.
func (u *User) AgencyIDs() []int64 {
	var ids []int64
	seen := map[int64]bool{}
	for _, g := range u.Grants {
		if g.AgencyID != nil && !seen[*g.AgencyID] {
			seen[*g.AgencyID] = true
			ids = append(ids, *g.AgencyID)
		}
	}
	return ids
}

// tokenPrefix marks parindex tokens so that a leaked one is easy to recognise.
const tokenPrefix = "pxt_"

// NewToken returns a fresh random API token and the hash under which it is
// stored; the token itself is shown once and never stored.
func NewToken() (token, hash string, err error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", "", Errorf(EINTERNAL, "Không đọc được số ngẫu nhiên: %v.", err)
	}
	token = tokenPrefix + base64.RawURLEncoding.EncodeToString(b)
	return token, HashToken(token), nil
}

// HashToken is the stored form of a token: hex SHA-256. Tokens carry 256
// random bits, so a fast hash is enough.
func HashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
