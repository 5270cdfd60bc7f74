package signature

import "io"

const (
	maxSections = 1024 // cross-reference sections in one /Prev chain
	maxResolve  = 8    // references followed to reach one value
	maxLookups  = 64   // objects looked up in one document; each may read every table
)

// document is the cross-reference structure of a PDF as its final trailer
// sees it, enough to fetch single objects; it reads lazily and holds no
// object data.
type document struct {
	r         io.ReaderAt
	size      int64
	startxref int64       // where the last cross-reference section starts
	trailer   pdfDict     // the final trailer: the last revision's view
	sections  []*xrefPart // newest first, in the order a reader consults them
	depth     int         // references being followed, against maxResolve
	lookups   int         // objects looked up so far, against maxLookups
}

// xrefPart is one cross-reference section: a classic table, read again on
// each lookup so that a large table costs no memory, or a decoded xref stream.
type xrefPart struct {
	table  int64 // offset of the "xref" keyword, or -1 for a stream
	rows   []byte
	w      [3]int
	index  []int64 // pairs of first object number and count
	stream int64   // offset of the xref stream object, for messages
}

// xrefEntry is where one object lives.
type xrefEntry struct {
	kind   int   // 0 free or absent, 1 at offset, 2 inside an object stream
	offset int64 // kind 1: file offset; kind 2: number of the object stream
}

// openDocument finds the last startxref and follows the /Prev chain.
func openDocument(r io.ReaderAt, size int64) (*document, error) {
	// Readers look for startxref near the end; 1 MB leaves room for junk
	// appended after it (which the coverage check reports) without reading
	// a large non-PDF whole.
	at, err := lastIndex(r, size, 1<<20, []byte("startxref"))
	if err != nil {
		return nil, err
	} else if at < 0 {
		return nil, syntaxf("no startxref")
	}
	l := newLexer(r, at+int64(len("startxref")), size)
	tok, err := l.token()
	if err != nil {
		return nil, err
	}
	start, ok := tok.(int64)
	if !ok {
		return nil, syntaxf("startxref is not followed by an offset")
	}
	d := &document{r: r, size: size, startxref: start}
	seen := map[int64]bool{}
	for off := start; ; {
		if seen[off] {
			return nil, syntaxf("the /Prev chain loops")
		} else if len(seen) == maxSections {
			return nil, syntaxf("more than %d cross-reference sections", maxSections)
		}
		seen[off] = true
		trailer, err := d.readSection(off)
		if err != nil {
			return nil, err
		}
		if d.trailer == nil {
			d.trailer = trailer
		}
		prev, ok := trailer["Prev"]
		if !ok {
			return d, nil
		}
		if off, ok = prev.(int64); !ok {
			return nil, syntaxf("/Prev is not an offset")
		}
	}
}

// readSection appends the section at off (and a hybrid file's /XRefStm) to
// d.sections and returns its trailer dictionary.
func (d *document) readSection(off int64) (pdfDict, error) {
	l := newLexer(d.r, off, d.size)
	tok, err := l.token()
	if err != nil {
		return nil, err
	}
	if tok != pdfKeyword("xref") {
		part, hdr, err := d.readXrefStream(off)
		if err != nil {
			return nil, err
		}
		d.sections = append(d.sections, part)
		return hdr, nil
	}
	if _, err := scanTable(l, -1); err != nil {
		return nil, err
	}
	v, err := l.object()
	if err != nil {
		return nil, err
	}
	trailer, ok := v.(pdfDict)
	if !ok {
		return nil, syntaxf("the cross-reference table at %d has no trailer", off)
	}
	d.sections = append(d.sections, &xrefPart{table: off})
	if stm, ok := trailer["XRefStm"].(int64); ok {
		part, _, err := d.readXrefStream(stm)
		if err != nil {
			return nil, err
		}
		d.sections = append(d.sections, part)
	}
	return trailer, nil
}

// scanTable reads the subsections of a classic table after "xref" up to and
// including "trailer", returning the entry of object num if it is listed.
func scanTable(l *lexer, num int64) (*xrefEntry, error) {
	var found *xrefEntry
	for {
		tok, err := l.token()
		if err != nil {
			return nil, err
		}
		if tok == pdfKeyword("trailer") {
			return found, nil
		}
		first, ok1 := tok.(int64)
		tok, err = l.token()
		if err != nil {
			return nil, err
		}
		count, ok2 := tok.(int64)
		if !ok1 || !ok2 || first < 0 || count < 0 {
			return nil, syntaxf("malformed cross-reference table")
		}
		for i := int64(0); i < count; i++ {
			var row [3]any
			for j := range row {
				if row[j], err = l.token(); err != nil {
					return nil, err
				}
			}
			off, ok1 := row[0].(int64)
			_, ok2 := row[1].(int64)
			if !ok1 || !ok2 || row[2] != pdfKeyword("n") && row[2] != pdfKeyword("f") {
				return nil, syntaxf("malformed cross-reference entry")
			}
			if first+i == num && found == nil {
				found = &xrefEntry{}
				if row[2] == pdfKeyword("n") {
					found = &xrefEntry{kind: 1, offset: off}
				}
			}
		}
	}
}

func (d *document) readXrefStream(off int64) (*xrefPart, pdfDict, error) {
	_, v, err := newLexer(d.r, off, d.size).indirect()
	if err != nil {
		return nil, nil, err
	}
	s, ok := v.(*pdfStream)
	if !ok || s.hdr["Type"] != pdfName("XRef") {
		return nil, nil, syntaxf("no cross-reference section at offset %d", off)
	}
	part := &xrefPart{table: -1, stream: off}
	w, ok := s.hdr["W"].(pdfArray)
	if !ok || len(w) != 3 {
		return nil, nil, syntaxf("xref stream at %d has no /W", off)
	}
	for i, x := range w {
		n, ok := x.(int64)
		if !ok || n < 0 || n > 8 {
			return nil, nil, syntaxf("xref stream at %d has a bad /W", off)
		}
		part.w[i] = int(n)
	}
	size, ok := s.hdr["Size"].(int64)
	if !ok || size < 0 {
		return nil, nil, syntaxf("xref stream at %d has no /Size", off)
	}
	part.index = []int64{0, size}
	if index, ok := s.hdr["Index"].(pdfArray); ok {
		part.index = part.index[:0]
		for _, x := range index {
			n, ok := x.(int64)
			if !ok || n < 0 {
				return nil, nil, syntaxf("xref stream at %d has a bad /Index", off)
			}
			part.index = append(part.index, n)
		}
		if len(part.index)%2 != 0 {
			return nil, nil, syntaxf("xref stream at %d has a bad /Index", off)
		}
	}
	if part.rows, err = d.streamData(s); err != nil {
		return nil, nil, err
	}
	return part, s.hdr, nil
}

// lookup finds object num in the newest section that lists it.
func (d *document) lookup(num int64) (xrefEntry, error) {
	if d.lookups++; d.lookups > maxLookups {
		return xrefEntry{}, syntaxf("more than %d objects referenced", maxLookups)
	}
	for _, part := range d.sections {
		if part.table >= 0 {
			l := newLexer(d.r, part.table, d.size)
			if _, err := l.token(); err != nil { // "xref"
				return xrefEntry{}, err
			}
			e, err := scanTable(l, num)
			if err != nil {
				return xrefEntry{}, err
			} else if e != nil {
				return *e, nil
			}
			continue
		}
		rowLen := part.w[0] + part.w[1] + part.w[2]
		row := int64(0)
		for i := 0; i < len(part.index); i += 2 {
			first, count := part.index[i], part.index[i+1]
			if num < first || num-first >= count {
				row += count
				continue
			}
			at := (row + num - first) * int64(rowLen)
			if rowLen == 0 || at+int64(rowLen) > int64(len(part.rows)) {
				return xrefEntry{}, syntaxf("xref stream at %d is shorter than its /Index", part.stream)
			}
			f := part.rows[at : at+int64(rowLen)]
			kind := int64(1) // a zero-width type field means type 1
			if part.w[0] > 0 {
				kind = bigEndian(f[:part.w[0]])
			}
			f2 := bigEndian(f[part.w[0] : part.w[0]+part.w[1]])
			switch kind {
			case 1:
				return xrefEntry{kind: 1, offset: f2}, nil
			case 2:
				return xrefEntry{kind: 2, offset: f2}, nil
			}
			return xrefEntry{}, nil
		}
	}
	return xrefEntry{}, nil
}

func bigEndian(b []byte) int64 {
	var n int64
	for _, c := range b {
		n = n<<8 | int64(c)
	}
	return n
}

// resolve follows v if it is a reference; a missing or free object is nil.
func (d *document) resolve(v any) (any, error) {
	ref, ok := v.(pdfRef)
	if !ok {
		return v, nil
	}
	if d.depth == maxResolve {
		return nil, syntaxf("references nest deeper than %d", maxResolve)
	}
	d.depth++
	defer func() { d.depth-- }()
	e, err := d.lookup(ref.num)
	if err != nil {
		return nil, err
	}
	switch e.kind {
	case 1:
		num, v, err := newLexer(d.r, e.offset, d.size).indirect()
		if err != nil {
			return nil, err
		} else if num != ref.num {
			return nil, syntaxf("the cross-reference entry of object %d points at object %d", ref.num, num)
		}
		return v, nil
	case 2:
		return d.compressed(e.offset, ref.num)
	}
	return nil, nil
}

// compressed reads object num from object stream stm. The index the
// cross-reference gives is only a hint; the stream's own header decides.
func (d *document) compressed(stm, num int64) (any, error) {
	v, err := d.resolve(pdfRef{num: stm})
	if err != nil {
		return nil, err
	}
	s, ok := v.(*pdfStream)
	if !ok || s.hdr["Type"] != pdfName("ObjStm") {
		return nil, syntaxf("object %d is not an object stream", stm)
	}
	n, ok1 := s.hdr["N"].(int64)
	first, ok2 := s.hdr["First"].(int64)
	if !ok1 || !ok2 || n < 0 || first < 0 {
		return nil, syntaxf("object stream %d has no /N or /First", stm)
	}
	data, err := d.streamData(s)
	if err != nil {
		return nil, err
	} else if first > int64(len(data)) {
		return nil, syntaxf("object stream %d is shorter than its /First", stm)
	}
	header := newBytesLexer(data[:first])
	for i := int64(0); i < n; i++ {
		a, err := header.token()
		if err != nil {
			return nil, err
		}
		b, err := header.token()
		if err != nil {
			return nil, err
		}
		objnum, ok1 := a.(int64)
		off, ok2 := b.(int64)
		if !ok1 || !ok2 || off < 0 || first+off > int64(len(data)) {
			return nil, syntaxf("object stream %d has a bad header", stm)
		}
		if objnum == num {
			return newBytesLexer(data[first+off:]).object()
		}
	}
	return nil, syntaxf("object %d is not in object stream %d", num, stm)
}
