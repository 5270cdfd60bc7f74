package signature

import (
	"io"
	"slices"
)

const (
	maxSections = 1024 // cross-reference sections in one /Prev chain
	maxResolve  = 8    // references followed to reach one value
	maxLookups  = 4096 // objects looked up in one document
)

// document is the cross-reference structure of a PDF as its final trailer
// sees it, enough to fetch single objects. Each section is parsed once, when
// the document is opened; objects are read lazily and not kept.
type document struct {
	r         io.ReaderAt // a guardedReader: every read is charged to b
	b         *budget
	size      int64
	startxref int64             // where the last cross-reference section starts
	trailer   pdfDict           // the final trailer: the last revision's view
	sections  []*xrefPart       // newest first, in the order a reader consults them
	depth     int               // references being followed, against maxResolve
	lookups   int               // objects looked up so far, against maxLookups
	objStms   map[int64]*objStm // decoded object streams, by object number
}

// xrefPart is one cross-reference section: a classic table, parsed into its
// subsections, or a decoded xref stream.
type xrefPart struct {
	offset int64     // where the section starts: "xref" or the stream object
	table  bool      // a classic table (subs) rather than a stream (rows)
	subs   []xrefSub // a table's subsections, in file order
	rows   []byte
	w      [3]int
	index  []int64 // a stream's pairs of first object number and count
}

// xrefSub is one subsection of a classic table: the offsets of objects
// first, first+1, …; a free entry is -1.
type xrefSub struct {
	first   int64
	offsets []int64
}

// xrefEntry is where one object lives.
type xrefEntry struct {
	kind   int   // 0 free or absent, 1 at offset, 2 inside an object stream
	offset int64 // kind 1: file offset; kind 2: number of the object stream
}

// openDocument finds the last startxref and follows the /Prev chain.
func openDocument(r io.ReaderAt, size int64, b *budget) (*document, error) {
	// Readers look for startxref near the end; 1 MB leaves room for junk
	// appended after it (which the coverage check reports) without reading
	// a large non-PDF whole.
	at, err := lastIndex(r, size, 1<<20, []byte("startxref"))
	if err != nil {
		return nil, err
	} else if at < 0 {
		return nil, syntaxf("no startxref")
	}
	l := newLexer(r, at+int64(len("startxref")), size, b)
	tok, err := l.token()
	if err != nil {
		return nil, err
	}
	start, ok := tok.(int64)
	if !ok {
		return nil, syntaxf("startxref is not followed by an offset")
	}
	d := &document{r: r, b: b, size: size, startxref: start}
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
	l := newLexer(d.r, off, d.size, d.b)
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
	part := &xrefPart{offset: off, table: true}
	if part.subs, err = parseTable(l, d.b); err != nil {
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
	d.sections = append(d.sections, part)
	if stm, ok := trailer["XRefStm"].(int64); ok {
		part, _, err := d.readXrefStream(stm)
		if err != nil {
			return nil, err
		}
		d.sections = append(d.sections, part)
	}
	return trailer, nil
}

// parseTable reads the subsections of a classic table after "xref" up to
// and including "trailer". Every entry and subsection is charged to b: a
// table is parsed once, however often it is consulted.
func parseTable(l *lexer, b *budget) ([]xrefSub, error) {
	var subs []xrefSub
	for {
		tok, err := l.token()
		if err != nil {
			return nil, err
		}
		if tok == pdfKeyword("trailer") {
			return subs, nil
		}
		first, ok1 := tok.(int64)
		tok, err = l.token()
		if err != nil {
			return nil, err
		}
		count, ok2 := tok.(int64)
		if !ok1 || !ok2 || first < 0 || count < 0 || first > 1<<40 {
			return nil, syntaxf("malformed cross-reference table")
		}
		if err := spend(&b.entries, 1+int(min(count, budgetEntries+1))); err != nil {
			return nil, err
		}
		sub := xrefSub{first: first, offsets: make([]int64, count)}
		for i := range sub.offsets {
			if sub.offsets[i], err = tableRow(l); err != nil {
				return nil, err
			}
		}
		subs = append(subs, sub)
	}
}

// tableRow reads one entry of a classic table, "nnnnnnnnnn ggggg n", byte by
// byte rather than as three tokens: a large table has millions of them. It
// returns the offset of an in-use entry, -1 for a free one.
func tableRow(l *lexer) (int64, error) {
	var fields [2]int64
	for i := range fields {
		c, err := l.skipSpace()
		if err != nil {
			return 0, err
		}
		digits := 0
		for ; c >= '0' && c <= '9'; digits++ {
			if digits == 10 {
				return 0, syntaxf("malformed cross-reference entry")
			}
			fields[i] = fields[i]*10 + int64(c-'0')
			if c, err = l.readByte(); err != nil {
				return 0, err
			}
		}
		if digits == 0 || !isSpace(c) {
			return 0, syntaxf("malformed cross-reference entry")
		}
	}
	c, err := l.skipSpace()
	if err != nil {
		return 0, err
	}
	if next, err := l.readByte(); err == nil && !isSpace(next) {
		return 0, syntaxf("malformed cross-reference entry")
	} else if isReadError(err) {
		return 0, err
	}
	switch c {
	case 'n':
		return fields[0], nil
	case 'f':
		return -1, nil
	}
	return 0, syntaxf("malformed cross-reference entry")
}

func (d *document) readXrefStream(off int64) (*xrefPart, pdfDict, error) {
	_, v, err := newLexer(d.r, off, d.size, d.b).indirect()
	if err != nil {
		return nil, nil, err
	}
	s, ok := v.(*pdfStream)
	if !ok || s.hdr["Type"] != pdfName("XRef") {
		return nil, nil, syntaxf("no cross-reference section at offset %d", off)
	}
	part := &xrefPart{offset: off}
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
	if err := spend(&d.b.entries, len(part.index)); err != nil {
		return nil, nil, err
	}
	if part.rows, err = d.streamData(s); err != nil {
		return nil, nil, err
	}
	return part, s.hdr, nil
}

// lookup finds object num in the newest section that lists it.
func (d *document) lookup(num int64) (xrefEntry, error) {
	if d.lookups++; d.lookups > maxLookups {
		return xrefEntry{}, errOver()
	}
	for _, part := range d.sections {
		if e, ok, err := part.find(num, d.b); err != nil || ok {
			return e, err
		}
	}
	return xrefEntry{}, nil
}

// find looks num up in this one section; ok says whether the section lists it.
func (part *xrefPart) find(num int64, b *budget) (e xrefEntry, ok bool, err error) {
	if part.table {
		for _, sub := range part.subs {
			if err := b.tick(); err != nil {
				return e, false, err
			}
			if num >= sub.first && num-sub.first < int64(len(sub.offsets)) {
				if off := sub.offsets[num-sub.first]; off >= 0 {
					return xrefEntry{kind: 1, offset: off}, true, nil
				}
				return xrefEntry{}, true, nil
			}
		}
		return e, false, nil
	}
	rowLen := part.w[0] + part.w[1] + part.w[2]
	row := int64(0)
	for i := 0; i < len(part.index); i += 2 {
		if err := b.tick(); err != nil {
			return e, false, err
		}
		first, count := part.index[i], part.index[i+1]
		if num < first || num-first >= count {
			row += count
			continue
		}
		return part.entry(row+num-first, rowLen)
	}
	return e, false, nil
}

// entry decodes row i of an xref stream.
func (part *xrefPart) entry(i int64, rowLen int) (xrefEntry, bool, error) {
	at := i * int64(rowLen)
	if rowLen == 0 || at < 0 || at+int64(rowLen) > int64(len(part.rows)) {
		return xrefEntry{}, false, syntaxf("xref stream at %d is shorter than its /Index", part.offset)
	}
	f := part.rows[at : at+int64(rowLen)]
	kind := int64(1) // a zero-width type field means type 1
	if part.w[0] > 0 {
		kind = bigEndian(f[:part.w[0]])
	}
	f2 := bigEndian(f[part.w[0] : part.w[0]+part.w[1]])
	switch kind {
	case 1:
		return xrefEntry{kind: 1, offset: f2}, true, nil
	case 2:
		return xrefEntry{kind: 2, offset: f2}, true, nil
	}
	return xrefEntry{}, true, nil
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
		num, v, err := newLexer(d.r, e.offset, d.size, d.b).indirect()
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

// objStm is a decoded object stream: where each object it holds starts and
// ends in its data, and the values read from it so far, by offset.
type objStm struct {
	data   []byte
	spans  map[int64][2]int64 // object number → [start, end) in data
	values map[int64]any      // start → value
}

// compressed reads object num from object stream stm. The index the
// cross-reference gives is only a hint; the stream's own header decides.
// Each stream is decoded and its header read once; each object is read
// once, from its start to where the next one starts, so that no lookup can
// make the checker read the stream again.
func (d *document) compressed(stm, num int64) (any, error) {
	os, ok := d.objStms[stm]
	if !ok {
		var err error
		if os, err = d.readObjStm(stm); err != nil {
			return nil, err
		}
		if d.objStms == nil {
			d.objStms = map[int64]*objStm{}
		}
		d.objStms[stm] = os
	}
	span, ok := os.spans[num]
	if !ok {
		return nil, syntaxf("object %d is not in object stream %d", num, stm)
	}
	if v, ok := os.values[span[0]]; ok {
		return v, nil
	}
	v, err := newBytesLexer(os.data[span[0]:span[1]], d.b).object()
	if err != nil {
		return nil, err
	}
	os.values[span[0]] = v
	return v, nil
}

func (d *document) readObjStm(stm int64) (*objStm, error) {
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
	if err := spend(&d.b.entries, int(min(n, budgetEntries+1))); err != nil {
		return nil, err
	}
	header := newBytesLexer(data[:first], d.b)
	starts := map[int64]int64{}
	var offsets []int64
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
		if _, dup := starts[objnum]; !dup {
			starts[objnum] = first + off
		}
		offsets = append(offsets, first+off)
	}
	slices.Sort(offsets)
	os := &objStm{data: data, spans: make(map[int64][2]int64, len(starts)), values: map[int64]any{}}
	for num, start := range starts {
		end := int64(len(data))
		if i, _ := slices.BinarySearch(offsets, start+1); i < len(offsets) {
			end = offsets[i]
		}
		os.spans[num] = [2]int64{start, end}
	}
	return os, nil
}
