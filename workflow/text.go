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

// NormalizeEmail is NormalizeText in lower case: addresses are looked up
// case-insensitively.
func NormalizeEmail(s string) string {
	return strings.ToLower(NormalizeText(s))
}
