package signature

import (
	"bytes"
	"encoding/hex"
	"io"
	"regexp"
	"sort"
)

const (
	maxByteRanges = 1024     // signature candidates looked at in one file
	headerWindow  = 64 << 10 // bytes searched back from /ByteRange for "n g obj"
	headerTries   = 4        // object headers tried in that window
	maxSigDicts   = 8        // signature dictionaries read to find the last signature
)

// sigDict is one signature dictionary, found by its /ByteRange.
type sigDict struct {
	at        int64    // offset of the /ByteRange key
	byteRange [4]int64 // a b c d: the signed bytes are [a, a+b) and [c, c+d)
	dict      pdfDict  // nil when the enclosing dictionary could not be read
}

// end is where the signed revision ends, or -1 when the numbers overflow.
func (s *sigDict) end() int64 {
	c, d := s.byteRange[2], s.byteRange[3]
	if c > 1<<62 || d > 1<<62 {
		return -1
	}
	return c + d
}

// findSignatures returns every well-formed /ByteRange in the file, the last
// signed revision first, and how many /ByteRange keys it saw at all. It
// searches the raw bytes rather than walking the document: a signature's
// /Contents must sit in the file unencoded for its /ByteRange to leave it
// out, so its dictionary is never compressed, and a signature an update
// dropped from the form still shows the file was signed.
func findSignatures(r io.ReaderAt, size int64, b *budget) (sigs []*sigDict, markers int, err error) {
	err = eachIndex(r, size, []byte("/ByteRange"), func(at int64) error {
		if markers++; markers > maxByteRanges {
			return nil
		}
		br, ok, err := readByteRange(newLexer(r, at+int64(len("/ByteRange")), size, b))
		if err != nil {
			return err
		} else if !ok {
			return nil // a longer name, or a placeholder never filled in
		}
		sigs = append(sigs, &sigDict{at: at, byteRange: br})
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	sort.SliceStable(sigs, func(i, j int) bool {
		if sigs[i].end() != sigs[j].end() {
			return sigs[i].end() > sigs[j].end()
		}
		return sigs[i].at > sigs[j].at
	})
	return sigs, markers, nil
}

// readByteRange reads "[a b c d]" of four non-negative integers and nothing
// else, so that a hostile file cannot make each of many markers cost much.
func readByteRange(l *lexer) (br [4]int64, ok bool, err error) {
	for i := -1; i <= len(br); i++ {
		tok, err := l.token()
		if isReadError(err) {
			return br, false, err
		} else if err != nil {
			return br, false, nil
		}
		switch {
		case i == -1:
			ok = tok == pdfKeyword("[")
		case i == len(br):
			ok = tok == pdfKeyword("]")
		default:
			br[i], ok = tok.(int64)
			ok = ok && br[i] >= 0
		}
		if !ok {
			return br, false, nil
		}
	}
	return br, true, nil
}

// lastSignature reads the dictionaries of the candidates in order and
// returns the first that is a signature; a document timestamp (/Type
// /DocTimeStamp) is not one and is skipped, which timestamped reports.
func lastSignature(r io.ReaderAt, size int64, sigs []*sigDict, b *budget) (last *sigDict, timestamped bool, err error) {
	for i, s := range sigs {
		if i == maxSigDicts {
			break
		}
		if s.dict, err = enclosingDict(r, size, s, b); err != nil {
			return nil, false, err
		}
		if s.dict != nil && (s.dict["Type"] == pdfName("DocTimeStamp") || s.dict["SubFilter"] == pdfName("ETSI.RFC3161")) {
			timestamped = true
			continue
		}
		return s, timestamped, nil
	}
	return nil, timestamped, nil
}

var objHeader = regexp.MustCompile(`\d+[\x00\t\n\f\r ]+\d+[\x00\t\n\f\r ]+obj`)

// enclosingDict reads the dictionary that holds s's /ByteRange: the object
// whose header comes last before it (or before /Contents, which some writers
// put first) and whose /ByteRange is the same. Nil when there is none.
func enclosingDict(r io.ReaderAt, size int64, s *sigDict, b *budget) (pdfDict, error) {
	before := s.at
	if gap := s.byteRange[0] + s.byteRange[1]; gap < before && before-gap <= 2*maxString {
		before = gap
	}
	start := max(0, before-headerWindow)
	buf := make([]byte, before-start)
	if n, err := r.ReadAt(buf, start); err != nil && err != io.EOF {
		return nil, &readError{err}
	} else {
		buf = buf[:n]
	}
	matches := objHeader.FindAllIndex(buf, -1)
	for i := len(matches) - 1; i >= 0 && i >= len(matches)-headerTries; i-- {
		_, v, err := newLexer(r, start+int64(matches[i][0]), size, b).indirect()
		if isReadError(err) {
			return nil, err
		}
		d, ok := v.(pdfDict)
		if err != nil || !ok {
			continue
		}
		if a, ok := d["ByteRange"].(pdfArray); ok && len(a) == 4 &&
			a[0] == s.byteRange[0] && a[1] == s.byteRange[1] && a[2] == s.byteRange[2] && a[3] == s.byteRange[3] {
			return d, nil
		}
	}
	return nil, nil
}

// gapIsContents reports whether the bytes between the two signed ranges are
// exactly contents written as a hex string: then nothing but the signature
// value escapes the signature.
func gapIsContents(r io.ReaderAt, s *sigDict, contents []byte) (bool, error) {
	from, to := s.byteRange[0]+s.byteRange[1], s.byteRange[2]
	if to-from != int64(2*len(contents)+2) {
		return false, nil
	}
	gap := make([]byte, to-from)
	if n, err := r.ReadAt(gap, from); err != nil && err != io.EOF {
		return false, &readError{err}
	} else if n < len(gap) {
		return false, nil
	}
	if gap[0] != '<' || gap[len(gap)-1] != '>' {
		return false, nil
	}
	decoded := make([]byte, len(contents))
	if _, err := hex.Decode(decoded, gap[1:len(gap)-1]); err != nil {
		return false, nil
	}
	return bytes.Equal(decoded, contents), nil
}
