package export

import (
	"encoding/binary"
	"errors"
	"testing"
)

// Every Vietnamese letter and every symbol the exports print has a glyph in both
// embedded fonts: a missing one would print as an empty box.
func TestFontsCoverVietnamese(t *testing.T) {
	const letters = "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵ" +
		"AÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬBCDĐEÈÉẺẼẸÊỀẾỂỄỆGHIÌÍỈĨỊKLMNOÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢPQRSTUÙÚỦŨỤƯỪỨỬỮỰVXYỲÝỶỸỴ" +
		"0123456789 .,;:-–·/()[]%+×…\uFFFD"
	for name, font := range map[string][]byte{"regular": fontRegular, "bold": fontBold} {
		glyphs, err := cmapGlyphs(font)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, r := range letters {
			if glyphs(r) == 0 {
				t.Errorf("%s: no glyph for %q (U+%04X)", name, r, r)
			}
		}
		if glyphs('中') != 0 {
			t.Errorf("%s: a glyph for 中: the cmap reader is wrong", name)
		}
	}
}

// cmapGlyphs reads a TrueType font's Unicode BMP cmap (platform 3, encoding 1,
// format 4) and returns the rune-to-glyph lookup.
func cmapGlyphs(font []byte) (func(rune) int, error) {
	u16 := func(off int) int { return int(binary.BigEndian.Uint16(font[off:])) }
	u32 := func(off int) int { return int(binary.BigEndian.Uint32(font[off:])) }
	cmap := -1
	for i := range u16(4) {
		rec := 12 + 16*i
		if string(font[rec:rec+4]) == "cmap" {
			cmap = u32(rec + 8)
		}
	}
	if cmap < 0 {
		return nil, errNoCmap
	}
	sub := -1
	for i := range u16(cmap + 2) {
		rec := cmap + 4 + 8*i
		if u16(rec) == 3 && u16(rec+2) == 1 && u16(cmap+u32(rec+4)) == 4 {
			sub = cmap + u32(rec+4)
		}
	}
	if sub < 0 {
		return nil, errNoCmap
	}
	segs := u16(sub+6) / 2
	ends, starts := sub+14, sub+16+2*segs
	deltas, offsets := starts+2*segs, starts+4*segs
	return func(r rune) int {
		c := int(r)
		for i := range segs {
			if c > u16(ends+2*i) || c < u16(starts+2*i) {
				continue
			}
			ro := u16(offsets + 2*i)
			if ro == 0 {
				return (c + u16(deltas+2*i)) & 0xFFFF
			}
			g := u16(offsets + 2*i + ro + 2*(c-u16(starts+2*i)))
			if g == 0 {
				return 0
			}
			return (g + u16(deltas+2*i)) & 0xFFFF
		}
		return 0
	}, nil
}

var errNoCmap = errors.New("no Unicode BMP cmap")
