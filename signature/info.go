package signature

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"
)

// maxInfoEntries bounds the document information dictionary we copy.
const maxInfoEntries = 64

// info reads the document information dictionary of the final trailer: an
// incremental update that rewrites /Info is what a reader shows, so it is
// what counts. Strings are decoded to UTF-8; other values are skipped.
func (d *document) info() (map[string]string, error) {
	if _, ok := d.trailer["Encrypt"]; ok {
		return nil, syntaxf("the PDF is encrypted")
	}
	v, err := d.resolve(d.trailer["Info"])
	if err != nil {
		return nil, err
	}
	dict, ok := v.(pdfDict)
	if !ok {
		return map[string]string{}, nil
	}
	out := map[string]string{}
	for key, v := range dict {
		if len(out) == maxInfoEntries {
			break
		}
		v, err := d.resolve(v)
		if isReadError(err) {
			return nil, err
		}
		switch v := v.(type) {
		case pdfString:
			out[string(key)] = decodeText(v)
		case pdfName:
			out[string(key)] = string(v)
		}
	}
	return out, nil
}

// decodeText turns a PDF text string into UTF-8: UTF-16BE or UTF-8 behind a
// byte order mark, PDFDocEncoding otherwise.
func decodeText(s pdfString) string {
	b := []byte(s)
	switch {
	case len(b) >= 2 && b[0] == 0xFE && b[1] == 0xFF:
		u := make([]uint16, 0, len(b)/2)
		for i := 2; i+1 < len(b); i += 2 {
			u = append(u, uint16(b[i])<<8|uint16(b[i+1]))
		}
		return string(utf16.Decode(u))
	case len(b) >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF:
		return strings.ToValidUTF8(string(b[3:]), "\uFFFD")
	}
	var sb strings.Builder
	for _, c := range b {
		r := rune(c)
		if c >= 0x18 && c < 0x20 {
			r = pdfDocLow[c-0x18]
		} else if c >= 0x80 && c <= 0xA0 {
			r = pdfDocHigh[c-0x80]
		} else if c == 0xAD {
			r = utf8.RuneError
		}
		sb.WriteRune(r)
	}
	return sb.String()
}

// The code points where PDFDocEncoding differs from Latin-1 (ISO 32000-1 Annex D).
var (
	pdfDocLow  = [8]rune{'˘', 'ˇ', 'ˆ', '˙', '˝', '˛', '˚', '˜'}
	pdfDocHigh = [33]rune{
		'•', '†', '‡', '…', '—', '–', 'ƒ', '⁄', '‹', '›', '−', '‰', '„', '“', '”', '‘',
		'’', '‚', '™', 'ﬁ', 'ﬂ', 'Ł', 'Œ', 'Š', 'Ÿ', 'Ž', 'ı', 'ł', 'œ', 'š', 'ž', utf8.RuneError,
		'€',
	}
)

// parseDate reads a PDF date, D:YYYYMMDDHHmmSSOHH'mm', where everything
// after the year may be left out.
func parseDate(s string) (time.Time, bool) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "D:")
	digits := len(s) - len(strings.TrimLeft(s, "0123456789"))
	if digits < 4 || digits > 14 || digits%2 != 0 {
		return time.Time{}, false
	}
	field := func(i, def int) int {
		if 2*i+2 > digits-2 {
			return def
		}
		n, _ := strconv.Atoi(s[2*i+2 : 2*i+4])
		return n
	}
	year, _ := strconv.Atoi(s[:4])
	month, day := field(1, 1), field(2, 1)
	hour, minute, second := field(3, 0), field(4, 0), field(5, 0)
	if month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 60 {
		return time.Time{}, false
	}
	zone := time.UTC
	rest := strings.ReplaceAll(s[digits:], "'", "")
	if len(rest) > 0 && (rest[0] == '+' || rest[0] == '-') {
		hh, mm := 0, 0
		if len(rest) >= 3 {
			hh, _ = strconv.Atoi(rest[1:3])
		}
		if len(rest) >= 5 {
			mm, _ = strconv.Atoi(rest[3:5])
		}
		offset := hh*3600 + mm*60
		if rest[0] == '-' {
			offset = -offset
		}
		zone = time.FixedZone("", offset)
	}
	return time.Date(year, time.Month(month), day, hour, minute, second, 0, zone).UTC(), true
}
