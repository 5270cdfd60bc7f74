package signature

import (
	"errors"
	"fmt"
)

// A small PDF object parser of our own: uploads are hostile input, and the
// general-purpose parsers around (digitorus/pdf, which pdfsign uses) allocate
// whatever a cross-reference table claims and recurse without limit — a
// 169-byte file made pdfsign's verify exhaust 23 GB. Everything here is bounded.
const (
	maxDepth   = 32       // nested arrays and dictionaries in one object
	maxValues  = 100_000  // values in one parsed object
	maxString  = 8 << 20  // bytes in one string: a signature's /Contents (certificates and revocation data included)
	maxToken   = 4096     // bytes in one name, number or keyword
	maxDecoded = 64 << 20 // bytes of one decoded xref or object stream
)

// PDF values: nil (null), bool, int64, float64 and the types below.
type (
	pdfName    string
	pdfString  string // raw bytes, still in PDFDocEncoding or UTF-16
	pdfKeyword string // obj, stream, R, xref, trailer, and the delimiters [ ] << >>
	pdfArray   []any
	pdfDict    map[pdfName]any
	pdfRef     struct{ num, gen int64 }
	pdfStream  struct {
		hdr    pdfDict
		offset int64 // file offset of the first byte of data
	}
)

// readError is a failure of the underlying reader, as opposed to a malformed
// file: Verify returns the first and reports the second.
type readError struct{ err error }

func (e *readError) Error() string { return "signature: read: " + e.err.Error() }
func (e *readError) Unwrap() error { return e.err }

func isReadError(err error) bool {
	var re *readError
	return errors.As(err, &re)
}

// errSyntax wraps every complaint about the file's bytes.
var errSyntax = errors.New("malformed PDF")

func syntaxf(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{errSyntax}, args...)...)
}

// object reads one value, resolving nothing: references stay pdfRef.
func (l *lexer) object() (any, error) {
	tok, err := l.token()
	if err != nil {
		return nil, err
	}
	return l.objectFrom(tok, 0)
}

func (l *lexer) objectFrom(tok any, depth int) (any, error) {
	if l.values++; l.values > maxValues {
		return nil, syntaxf("object holds more than %d values", maxValues)
	}
	if err := spend(&l.b.values, 1); err != nil {
		return nil, err
	}
	if depth > maxDepth {
		return nil, syntaxf("objects nest deeper than %d", maxDepth)
	}
	switch t := tok.(type) {
	case pdfKeyword:
		switch t {
		case "<<":
			return l.dict(depth)
		case "[":
			return l.array(depth)
		case "true":
			return true, nil
		case "false":
			return false, nil
		case "null":
			return nil, nil
		}
		return nil, syntaxf("unexpected %q at offset %d", string(t), l.pos)
	case int64:
		// An integer may start a reference: "12 0 R".
		tok2, err := l.token()
		if isReadError(err) {
			return nil, err
		} else if err != nil {
			return t, nil // the data ends after the integer
		}
		if gen, ok := tok2.(int64); ok {
			tok3, err := l.token()
			if err == nil && tok3 == pdfKeyword("R") {
				return pdfRef{t, gen}, nil
			} else if err == nil {
				l.back = append(l.back, tok3)
			} else if isReadError(err) {
				return nil, err
			}
		}
		l.back = append(l.back, tok2)
		return t, nil
	}
	return tok, nil
}

func (l *lexer) dict(depth int) (pdfDict, error) {
	d := pdfDict{}
	for {
		tok, err := l.token()
		if err != nil {
			return nil, err
		}
		if tok == pdfKeyword(">>") {
			return d, nil
		}
		key, ok := tok.(pdfName)
		if !ok {
			return nil, syntaxf("dictionary key is not a name at offset %d", l.pos)
		}
		if tok, err = l.token(); err != nil {
			return nil, err
		}
		v, err := l.objectFrom(tok, depth+1)
		if err != nil {
			return nil, err
		}
		if v == nil {
			delete(d, key) // a null value is the same as no entry
		} else {
			d[key] = v
		}
	}
}

func (l *lexer) array(depth int) (pdfArray, error) {
	var a pdfArray
	for {
		tok, err := l.token()
		if err != nil {
			return nil, err
		}
		if tok == pdfKeyword("]") {
			return a, nil
		}
		v, err := l.objectFrom(tok, depth+1)
		if err != nil {
			return nil, err
		}
		a = append(a, v)
	}
}

// indirect reads "num gen obj value", and for a stream the position of its
// data; it does not read the data.
func (l *lexer) indirect() (int64, any, error) {
	num, err := l.token()
	if err != nil {
		return 0, nil, err
	}
	gen, err := l.token()
	if err != nil {
		return 0, nil, err
	}
	kw, err := l.token()
	if err != nil {
		return 0, nil, err
	}
	n, ok1 := num.(int64)
	_, ok2 := gen.(int64)
	if !ok1 || !ok2 || kw != pdfKeyword("obj") {
		return 0, nil, syntaxf("no object header at offset %d", l.pos)
	}
	v, err := l.object()
	if err != nil {
		return 0, nil, err
	}
	d, ok := v.(pdfDict)
	if !ok {
		return n, v, nil
	}
	tok, err := l.token()
	if err != nil || tok != pdfKeyword("stream") {
		return n, d, nil // "endobj" or anything else: no stream follows
	}
	// The data starts after the end of line that follows "stream".
	if c, err := l.readByte(); err == nil && c == '\r' {
		if c, err := l.readByte(); err == nil && c != '\n' {
			l.unreadByte()
		}
	} else if err == nil && c != '\n' {
		l.unreadByte()
	}
	return n, &pdfStream{hdr: d, offset: l.pos}, nil
}
