package workflow

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// NormalizeText returns s trimmed and in Unicode NFC: Vietnamese typed on some
// systems arrives decomposed (e + combining marks) and must compare equal to
// the precomposed form.
func NormalizeText(s string) string {
	return strings.TrimSpace(norm.NFC.String(s))
}

// hasNUL reports whether s holds U+0000, which PostgreSQL's text cannot
// store: such text is refused as the caller's mistake (422) before it reaches
// the database, where it would be a 500.
func hasNUL(s string) bool { return strings.IndexByte(s, 0) >= 0 }

// noNUL is the message of a field refused by hasNUL.
const noNUL = "Không được chứa ký tự NUL (U+0000)."

// appendNUL adds a field error when the text holds a NUL, which PostgreSQL
// cannot store in text.
func appendNUL(fields []FieldError, field, text string) []FieldError {
	if hasNUL(text) {
		fields = append(fields, Field(field, noNUL))
	}
	return fields
}

// NormalizeEmail is NormalizeText in lower case: addresses are looked up
// case-insensitively.
func NormalizeEmail(s string) string {
	return strings.ToLower(NormalizeText(s))
}

// The limits on text that comes in, counted in characters (runes of the NFC
// form) except file names, which file systems and the Content-Disposition
// header count in bytes.
const (
	MaxFileNameBytes = 255    // an evidence file's or signed summary's name
	MaxReason        = 2_000  // a transition's reason, a round's note, an exemption's reason
	MaxExplanation   = 10_000 // an entry's explanation, a criterion's evidence and rule
	MaxName          = 200    // names and titles: users, agencies, campaigns, criteria sets and criteria
)

// TextLimit is one of the limits above with the sentence that refuses text
// over it; Check is the one validator every caller uses.
type TextLimit struct {
	Max   int
	Bytes bool // count bytes, not characters
	// message is a whole sentence with the limit as its one %d.
	message string
}

// The limits by kind of text. Each message is one whole Vietnamese sentence,
// translated by the catalogue (package i18n).
var (
	LimitFileName    = TextLimit{Max: MaxFileNameBytes, Bytes: true, message: "Tên tệp dài quá %d byte."}
	LimitReason      = TextLimit{Max: MaxReason, message: "Lý do dài quá %d ký tự."}
	LimitNote        = TextLimit{Max: MaxReason, message: "Ghi chú dài quá %d ký tự."}
	LimitExplanation = TextLimit{Max: MaxExplanation, message: "Phần giải trình dài quá %d ký tự."}
	LimitGuidance    = TextLimit{Max: MaxExplanation, message: "Phần hướng dẫn của tiêu chí dài quá %d ký tự."}
	LimitName        = TextLimit{Max: MaxName, message: "Tên dài quá %d ký tự."}
	LimitTitle       = TextLimit{Max: MaxName, message: "Chức vụ dài quá %d ký tự."}
	LimitCriterion   = TextLimit{Max: MaxName, message: "Tên tiêu chí dài quá %d ký tự."}
)

// Message is the sentence that refuses text over the limit, as written.
func (l TextLimit) Message() string { return fmt.Sprintf(l.message, l.Max) }

// Field is the field error that refuses text over the limit: a catalogue
// key with the limit as its argument.
func (l TextLimit) Field(field string) FieldError { return Field(field, l.message, l.Max) }

// Over reports whether s is longer than the limit once in NFC.
func (l TextLimit) Over(s string) bool {
	if !norm.NFC.IsNormalString(s) {
		s = norm.NFC.String(s)
	}
	if l.Bytes {
		return len(s) > l.Max
	}
	// No string of at most Max bytes holds more than Max characters.
	return len(s) > l.Max && utf8.RuneCountInString(s) > l.Max
}

// Check refuses s with EINVALID naming field when it is over the limit, and
// is nil otherwise.
func (l TextLimit) Check(field, s string) error {
	if !l.Over(s) {
		return nil
	}
	return Errorf(EINVALID, l.message, l.Max).WithFields(l.Field(field))
}

// appendTooLong adds a field error when text is over the limit.
func appendTooLong(fields []FieldError, field, text string, l TextLimit) []FieldError {
	if l.Over(text) {
		fields = append(fields, l.Field(field))
	}
	return fields
}
