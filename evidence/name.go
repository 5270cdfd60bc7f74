package evidence

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"parindex/workflow"
)

// maxNameLen bounds a stored name in bytes (uploads over it are refused,
// older rows cut); maxExtLen is the longest tail after the last dot still
// treated as an extension and kept when cutting.
const (
	maxNameLen = workflow.MaxFileNameBytes
	maxExtLen  = 16
)

// DefaultName is the name of a file whose own name is empty once cleaned.
const DefaultName = "tai-lieu"

// CleanName is an original file name as it is stored: NFC, only the last
// element of any path (browsers used to send "C:\…\a.pdf"), no control or
// invisible formatting characters (Unicode Cf: U+202E could make "gpj.exe"
// read as "exe.jpg"), no characters Windows forbids, no leading dots or
// spaces. It does not cut a long name and may return "": the caller refuses
// the one and names the other DefaultName.
func CleanName(name string) string {
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
	return strings.TrimRight(name, ". ") // Windows drops trailing dots and spaces
}

// StorageName sanitises a file name for storage, logging and download:
// CleanName, then at most 255 bytes keeping the extension, never empty
// ("tai-lieu").
func StorageName(name string) string {
	name = CleanName(name)
	if len(name) > maxNameLen {
		stem, ext := name, ""
		if i := strings.LastIndexByte(name, '.'); i > 0 && len(name)-i <= maxExtLen {
			stem, ext = name[:i], name[i:]
		}
		name = strings.TrimRight(cutUTF8(stem, maxNameLen-len(ext)), ". ") + ext
	}
	if name == "" {
		return DefaultName
	}
	return name
}

// extensions are the extensions of each accepted media type, the canonical
// one first.
var extensions = map[string][]string{
	PDF: {".pdf"}, DOC: {".doc"}, DOCX: {".docx"}, XLS: {".xls"}, XLSX: {".xlsx"},
	ODT: {".odt"}, ODS: {".ods"}, JPEG: {".jpg", ".jpeg"}, PNG: {".png"},
}

// DownloadName is the name a file of mediaType (its sniffed type) is served
// under: StorageName, with an extension that says what the file is, so that
// a PNG uploaded as "poly.html" is saved as "poly.png" and never opened as a
// page. A name whose extension already fits (in any case; .jpg or .jpeg) is
// kept; an extension that names another type is replaced; a tail that is no
// extension ("Quyết định 12.2024") is kept and the extension added.
func DownloadName(name, mediaType string) string {
	name = StorageName(name)
	exts, ok := extensions[mediaType]
	if !ok {
		return name
	}
	stem := name
	if i := strings.LastIndexByte(name, '.'); i > 0 && isExtension(name[i+1:]) {
		for _, e := range exts {
			if strings.EqualFold(name[i:], e) {
				return name
			}
		}
		stem = name[:i]
	}
	return strings.TrimRight(cutUTF8(stem, maxNameLen-len(exts[0])), ". ") + exts[0]
}

// isExtension reports whether the tail after a name's last dot reads as an
// extension: a few ASCII letters and digits, at least one a letter.
func isExtension(tail string) bool {
	if tail == "" || len(tail) >= maxExtLen {
		return false
	}
	letter := false
	for _, c := range []byte(tail) {
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
			letter = true
		case '0' <= c && c <= '9':
		default:
			return false
		}
	}
	return letter
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
