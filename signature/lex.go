package signature

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strconv"
)

// lexer reads tokens and objects from a stretch of the file, or from the
// decoded data of an object stream, keeping track of the file offset.
type lexer struct {
	r      *bufio.Reader
	pos    int64   // offset of the next unread byte
	back   []any   // tokens pushed back; the last one is read first
	values int     // values read so far, against maxValues
	b      *budget // the document's, shared by all its lexers
}

// newLexer reads r from off up to end; an offset outside the file gives a
// lexer that reports a syntax error instead of asking r for it. r should be
// the document's guardedReader, so that reading is charged to b.
func newLexer(r io.ReaderAt, off, end int64, b *budget) *lexer {
	if off < 0 || off > end {
		return &lexer{r: bufio.NewReader(errReader{syntaxf("offset %d is outside the file", off)}), pos: off, b: b}
	}
	return &lexer{r: bufio.NewReader(io.NewSectionReader(r, off, end-off)), pos: off, b: b}
}

// newBytesLexer reads decoded data (an object stream's) in memory.
func newBytesLexer(data []byte, b *budget) *lexer {
	return &lexer{r: bufio.NewReader(tickingReader{bytes.NewReader(data), b}), b: b}
}

type errReader struct{ err error }

func (e errReader) Read([]byte) (int, error) { return 0, e.err }

func (l *lexer) readByte() (byte, error) {
	c, err := l.r.ReadByte()
	if err == io.EOF {
		return 0, syntaxf("unexpected end of data")
	} else if errors.Is(err, errSyntax) {
		return 0, err
	} else if err != nil {
		return 0, &readError{err}
	}
	l.pos++
	return c, nil
}

func (l *lexer) unreadByte() {
	if l.r.UnreadByte() == nil {
		l.pos--
	}
}

func isSpace(c byte) bool {
	return c == 0 || c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' '
}

func isDelim(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

// skipSpace returns the next byte that is not white space. It reads bytes,
// so it must not be used while tokens are pushed back.
func (l *lexer) skipSpace() (byte, error) {
	for {
		c, err := l.readByte()
		if err != nil || !isSpace(c) {
			return c, err
		}
	}
}

// token returns the next token: int64, float64, pdfName, pdfString or pdfKeyword.
func (l *lexer) token() (any, error) {
	if err := l.b.tick(); err != nil {
		return nil, err
	}
	if n := len(l.back); n > 0 {
		tok := l.back[n-1]
		l.back = l.back[:n-1]
		return tok, nil
	}
	c, err := l.readByte()
	for err == nil && (isSpace(c) || c == '%') {
		if c == '%' {
			for err == nil && c != '\r' && c != '\n' {
				c, err = l.readByte()
			}
		}
		if err == nil {
			c, err = l.readByte()
		}
	}
	if err != nil {
		return nil, err
	}
	switch c {
	case '/':
		return l.name()
	case '(':
		return l.literal()
	case '<':
		c, err := l.readByte()
		if err == nil && c == '<' {
			return pdfKeyword("<<"), nil
		} else if err == nil {
			l.unreadByte()
		} else if isReadError(err) {
			return nil, err
		}
		return l.hex()
	case '>':
		if c, err := l.readByte(); err != nil || c != '>' {
			return nil, syntaxf("stray '>' at offset %d", l.pos)
		}
		return pdfKeyword(">>"), nil
	case '[', ']', '{', '}':
		return pdfKeyword([]byte{c}), nil
	case ')':
		return nil, syntaxf("stray ')' at offset %d", l.pos)
	}
	word, err := l.regular(c)
	if err != nil {
		return nil, err
	}
	if i, err := strconv.ParseInt(word, 10, 64); err == nil {
		return i, nil
	}
	if f, err := strconv.ParseFloat(word, 64); err == nil && (word[0] == '.' || word[0] == '-' || word[0] == '+' || word[0] >= '0' && word[0] <= '9') {
		return f, nil
	}
	return pdfKeyword(word), nil
}

// regular reads a run of regular characters starting with c.
func (l *lexer) regular(c byte) (string, error) {
	buf := []byte{c}
	for {
		c, err := l.readByte()
		if errors.Is(err, errSyntax) {
			break // the end of the data ends the word
		} else if err != nil {
			return "", err
		}
		if isSpace(c) || isDelim(c) {
			l.unreadByte()
			break
		}
		if len(buf) == maxToken {
			return "", syntaxf("token longer than %d bytes", maxToken)
		}
		buf = append(buf, c)
	}
	return string(buf), nil
}

func (l *lexer) name() (pdfName, error) {
	word := ""
	if c, err := l.readByte(); err == nil && !isSpace(c) && !isDelim(c) {
		if word, err = l.regular(c); err != nil {
			return "", err
		}
	} else if err == nil {
		l.unreadByte()
	} else if !errors.Is(err, errSyntax) {
		return "", err
	}
	var out []byte
	for i := 0; i < len(word); i++ {
		if word[i] == '#' && i+2 < len(word) {
			if b, err := strconv.ParseUint(word[i+1:i+3], 16, 8); err == nil {
				out = append(out, byte(b))
				i += 2
				continue
			}
		}
		out = append(out, word[i])
	}
	return pdfName(out), nil
}

// stringLimit is how long a string may grow: maxString, or less when the
// document's budget for strings is nearly spent.
func (l *lexer) stringLimit() int {
	return int(min(maxString, max(l.b.strings, 0)))
}

// strBuf collects a string's bytes, doubling as it grows: append's gentler
// growth for large slices would allocate five times a long string's length.
type strBuf struct{ b []byte }

func (s *strBuf) Len() int { return len(s.b) }

func (s *strBuf) add(c byte) {
	if len(s.b) == cap(s.b) {
		grown := make([]byte, len(s.b), max(64, 2*cap(s.b)))
		copy(grown, s.b)
		s.b = grown
	}
	s.b = append(s.b, c)
}

// endString charges a finished string to the budget.
func (l *lexer) endString(buf *strBuf) (pdfString, error) {
	return pdfString(buf.b), spend(&l.b.strings, int64(buf.Len()))
}

func (l *lexer) literal() (pdfString, error) {
	var buf strBuf
	depth := 1
	limit := l.stringLimit()
	for {
		if buf.Len() > limit {
			return "", l.stringTooLong()
		}
		c, err := l.readByte()
		if err != nil {
			return "", err
		}
		switch c {
		case '(':
			depth++
		case ')':
			if depth--; depth == 0 {
				return l.endString(&buf)
			}
		case '\r':
			// An end of line inside a string is a line feed, whatever its bytes.
			if c, err := l.readByte(); err == nil && c != '\n' {
				l.unreadByte()
			}
			c = '\n'
		case '\\':
			if c, err = l.readByte(); err != nil {
				return "", err
			}
			switch c {
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			case '\r', '\n':
				if c == '\r' {
					if c, err := l.readByte(); err == nil && c != '\n' {
						l.unreadByte()
					}
				}
				continue // a backslash before an end of line joins the lines
			case '0', '1', '2', '3', '4', '5', '6', '7':
				v := int(c - '0')
				for range 2 {
					d, err := l.readByte()
					if err != nil {
						return "", err
					}
					if d < '0' || d > '7' {
						l.unreadByte()
						break
					}
					v = v*8 + int(d-'0')
				}
				c = byte(v)
			}
		}
		buf.add(c)
	}
}

// stringTooLong is the error of a string over maxString (a syntax error) or
// over what is left of the budget.
func (l *lexer) stringTooLong() error {
	if l.b.strings < maxString {
		return errOver()
	}
	return syntaxf("string longer than %d bytes", maxString)
}

func (l *lexer) hex() (pdfString, error) {
	var buf strBuf
	limit := l.stringLimit()
	half, odd := byte(0), false
	for {
		c, err := l.readByte()
		if err != nil {
			return "", err
		}
		var v byte
		switch {
		case c == '>':
			if odd {
				buf.add(half << 4)
			}
			return l.endString(&buf)
		case isSpace(c):
			continue
		case c >= '0' && c <= '9':
			v = c - '0'
		case c >= 'a' && c <= 'f':
			v = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			v = c - 'A' + 10
		default:
			return "", syntaxf("bad character %q in hex string", c)
		}
		if odd {
			if buf.Len() == limit {
				return "", l.stringTooLong()
			}
			buf.add(half<<4 | v)
		}
		half, odd = v, !odd
	}
}
