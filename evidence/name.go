package evidence

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// maxNameLen bounds a stored name in bytes; maxExtLen is the longest tail
// after the last dot still treated as an extension and kept when cutting.
const (
	maxNameLen  = 200
	maxExtLen   = 16
	defaultName = "tai-lieu"
)

// StorageName sanitises an original file name for storage and logging: NFC,
// only the last element of any path (browsers used to send "C:\…\a.pdf"), no
// control or invisible formatting characters (U+202E could make "gpj.exe"
// read as "exe.jpg"), no characters Windows forbids, no leading dots or
// spaces, at most 200 bytes keeping the extension, never empty ("tai-lieu").
func StorageName(name string) string {
	name = norm.NFC.String(name)
	if i := strings.LastIndexAny(name, `/\`); i >= 0 {
		name = name[i+1:]
	}
	name = strings.Map(func(r rune) rune {
		switch {
		case unicode.IsSpace(r): // tabs and line breaks included
			return ' '
		case r == utf8.RuneError, unicode.IsControl(r), unicode.Is(unicode.Cf, r):
			return -1
		case strings.ContainsRune(`<>:"|?*`, r):
			return '_'
		}
		return r
	}, name)
	name = strings.TrimLeft(name, ". ")
	name = strings.TrimRight(name, ". ") // Windows drops trailing dots and spaces
	if len(name) > maxNameLen {
		stem, ext := name, ""
		if i := strings.LastIndexByte(name, '.'); i > 0 && len(name)-i <= maxExtLen {
			stem, ext = name[:i], name[i:]
		}
		name = strings.TrimRight(cutUTF8(stem, maxNameLen-len(ext)), ". ") + ext
	}
	if name == "" {
		return defaultName
	}
	return name
}

// cutUTF8 shortens s to at most n bytes without splitting a character or
// parting a letter from the combining marks that follow it.
func cutUTF8(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 {
		r, _ := utf8.DecodeRuneInString(s[n:])
		if utf8.RuneStart(s[n]) && !unicode.Is(unicode.Mn, r) {
			break
		}
		n--
	}
	return s[:n]
}

// ContentDisposition returns an RFC 6266 Content-Disposition value that
// downloads the file under name (sanitised by StorageName): an ASCII fallback
// without diacritics for old clients and the exact NFC name in RFC 5987
// encoding for every current browser.
func ContentDisposition(name string) string {
	name = StorageName(name)
	return `attachment; filename="` + asciiName(name) + `"; filename*=UTF-8''` + encodeRFC5987(name)
}

// asciiName spells a name in ASCII: Vietnamese loses its diacritics ("Báo
// cáo" → "Bao cao", "đ" → "d"), anything else non-ASCII becomes "_".
func asciiName(name string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(name) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r == 'đ':
			b.WriteByte('d')
		case r == 'Đ':
			b.WriteByte('D')
		case r < 0x20 || r >= 0x7f || r == '"' || r == '\\':
			b.WriteByte('_')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// encodeRFC5987 percent-encodes every byte outside RFC 5987's attr-char.
func encodeRFC5987(s string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$&+-.^_`|~", c) >= 0 {
			b.WriteByte(c)
		} else {
			b.WriteByte('%')
			b.WriteByte(hex[c>>4])
			b.WriteByte(hex[c&15])
		}
	}
	return b.String()
}
