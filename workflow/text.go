package workflow

import (
	"strings"

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
const noNUL = "must not contain the NUL character (U+0000)"

// appendNUL adds a field error when the text holds a NUL, which PostgreSQL
// cannot store in text.
func appendNUL(fields []FieldError, field, text string) []FieldError {
	if hasNUL(text) {
		fields = append(fields, FieldError{field, noNUL})
	}
	return fields
}

// NormalizeEmail is NormalizeText in lower case: addresses are looked up
// case-insensitively.
func NormalizeEmail(s string) string {
	return strings.ToLower(NormalizeText(s))
}
