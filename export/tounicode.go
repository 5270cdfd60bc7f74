package export

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// fpdf (v0.9.0) gives every UTF-8 font one ToUnicode CMap with a single range,
// "<0000> <FFFF> <0000>". ISO 32000-1 §9.10.3 leaves such a range undefined past
// the first 256 codes (only the last byte of the destination may be incremented),
// and strict readers, github.com/ledongthuc/pdf among them, then turn "Đ" or "ệ"
// into Latin-1 noise. Lenient readers (poppler, pdf.js) guess right. Rather than
// depend on the guess, fixToUnicode appends an incremental update that replaces
// each such CMap with a conformant one: the same identity mapping (fpdf's
// character codes are the BMP code points), one range per high byte.

var (
	// fpdf's Type0 font dictionary, which names the CMap's object.
	type0Font = regexp.MustCompile(`/Encoding /Identity-H\n/DescendantFonts \[\d+ 0 R\]\n/ToUnicode (\d+) 0 R>>`)
	// fpdf's trailer, which closes the file.
	trailer = regexp.MustCompile(`trailer\n<<\n/Size (\d+)\n/Root (\d+) 0 R\n/Info (\d+) 0 R\n>>\nstartxref\n(\d+)\n%%EOF\n?$`)
	// fpdf's one-range CMap.
	wholeRange = []byte("1 beginbfrange\n<0000> <FFFF> <0000>\nendbfrange")
)

// identityCMap is the conformant replacement, built once.
var identityCMap = func() []byte {
	var ranges []string
	for hi := 0; hi <= 0xFF; hi++ {
		if hi >= 0xD8 && hi <= 0xDF {
			continue // surrogates are no characters; fpdf never emits them
		}
		ranges = append(ranges, fmt.Sprintf("<%02X00> <%02XFF> <%02X00>", hi, hi, hi))
	}
	var b strings.Builder
	b.WriteString("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n" +
		"/CIDSystemInfo\n<</Registry (Adobe)\n/Ordering (UCS)\n/Supplement 0\n>> def\n" +
		"/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n" +
		"1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n")
	for len(ranges) > 0 {
		n := min(len(ranges), 100) // at most 100 entries per section
		fmt.Fprintf(&b, "%d beginbfrange\n%s\nendbfrange\n", n, strings.Join(ranges[:n], "\n"))
		ranges = ranges[n:]
	}
	b.WriteString("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend")

	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	zw.Write([]byte(b.String()))
	zw.Close()
	return z.Bytes()
}()

// fixToUnicode returns doc with an incremental update that replaces fpdf's
// one-range ToUnicode CMaps; doc itself is left as it is, byte for byte, at the
// start of the result.
func fixToUnicode(doc []byte) ([]byte, error) {
	t := trailer.FindSubmatch(doc)
	if t == nil {
		return nil, fmt.Errorf("export: pdf: trailer not in the form fpdf writes")
	}
	size, _ := strconv.Atoi(string(t[1]))
	root, info := string(t[2]), string(t[3])
	prev, _ := strconv.Atoi(string(t[4]))

	var objs []int
	for _, m := range type0Font.FindAllSubmatch(doc, -1) {
		n, _ := strconv.Atoi(string(m[1]))
		if n <= 0 || n >= size || !isWholeRangeCMap(doc, prev, n) {
			continue
		}
		objs = append(objs, n)
	}
	if len(objs) == 0 {
		return doc, nil
	}

	out := bytes.NewBuffer(make([]byte, 0, len(doc)+len(objs)*(len(identityCMap)+100)+200))
	out.Write(doc)
	if doc[len(doc)-1] != '\n' {
		out.WriteByte('\n')
	}
	offsets := make([]int, len(objs))
	for i, n := range objs {
		offsets[i] = out.Len()
		fmt.Fprintf(out, "%d 0 obj\n<</Length %d /Filter /FlateDecode>>\nstream\n", n, len(identityCMap))
		out.Write(identityCMap)
		out.WriteString("\nendstream\nendobj\n")
	}
	xref := out.Len()
	out.WriteString("xref\n")
	for i, n := range objs {
		fmt.Fprintf(out, "%d 1\n%010d 00000 n \n", n, offsets[i])
	}
	fmt.Fprintf(out, "trailer\n<<\n/Size %d\n/Root %s 0 R\n/Info %s 0 R\n/Prev %d\n>>\nstartxref\n%d\n%%%%EOF\n",
		size, root, info, prev, xref)
	return out.Bytes(), nil
}

// isWholeRangeCMap says whether object n, found through the xref table at
// offset xref, is fpdf's one-range CMap.
func isWholeRangeCMap(doc []byte, xref, n int) bool {
	// fpdf's table is one section from object 0, each entry 20 bytes.
	const head = "xref\n0 "
	if xref < 0 || xref >= len(doc) || !bytes.HasPrefix(doc[xref:], []byte(head)) {
		return false
	}
	eol := bytes.IndexByte(doc[xref+len(head):], '\n')
	if eol < 0 {
		return false
	}
	entry := xref + len(head) + eol + 1 + 20*n
	if entry+10 > len(doc) {
		return false
	}
	at, err := strconv.Atoi(string(doc[entry : entry+10]))
	if err != nil || at <= 0 || at >= len(doc) {
		return false
	}
	obj := doc[at:]
	if !bytes.HasPrefix(obj, []byte(fmt.Sprintf("%d 0 obj\n", n))) {
		return false
	}
	end := bytes.Index(obj, []byte("endobj"))
	return end > 0 && bytes.Contains(obj[:end], wholeRange)
}
