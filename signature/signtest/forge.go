package signtest

import (
	"bytes"
	"fmt"
	"slices"
	"testing"

	"github.com/digitorus/pdf"
)

// Object is one object an incremental update writes: a new number or an
// existing one, and everything between "obj" and "endobj".
type Object struct {
	Num  int64
	Body string
}

// Stream is the body of a stream object holding data.
func Stream(data string) string {
	return fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(data), data)
}

// Layout names the objects of a PDF a forger goes for: the catalog, the
// pages tree, the first page, its content stream and its first font, and
// the next free object number.
type Layout struct {
	Size, Catalog, Pages, Page, Contents, Font, Info int64
	startxref                                        int64
}

// LayoutOf reads doc's layout with a general-purpose PDF reader, the one the
// signing library uses.
func LayoutOf(t testing.TB, doc []byte) Layout {
	t.Helper()
	rdr, err := pdf.NewReader(bytes.NewReader(doc), int64(len(doc)))
	if err != nil {
		t.Fatalf("signtest: read PDF: %v", err)
	}
	id := func(v pdf.Value) int64 {
		ptr := v.GetPtr()
		return int64(ptr.GetID())
	}
	tr := rdr.Trailer()
	root := tr.Key("Root")
	page := root.Key("Pages").Key("Kids").Index(0)
	l := Layout{
		Size:      tr.Key("Size").Int64(),
		Catalog:   id(root),
		Pages:     id(root.Key("Pages")),
		Page:      id(page),
		Contents:  id(page.Key("Contents")),
		startxref: rdr.XrefInformation.StartPos,
	}
	if !tr.Key("Info").IsNull() {
		l.Info = id(tr.Key("Info"))
	}
	fonts := page.Key("Resources").Key("Font")
	if keys := fonts.Keys(); len(keys) > 0 {
		l.Font = id(fonts.Key(keys[0]))
	}
	return l
}

// AppendUpdate appends a real incremental update to doc writing objs: the
// objects, a classic cross-reference section and a trailer whose /Prev
// points at the previous section, keeping /Root and /Info.
func AppendUpdate(t testing.TB, doc []byte, objs ...Object) []byte {
	t.Helper()
	l := LayoutOf(t, doc)
	size := l.Size
	var b bytes.Buffer
	b.Write(doc)
	offsets := map[int64]int{}
	for _, o := range objs {
		offsets[o.Num] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", o.Num, o.Body)
		size = max(size, o.Num+1)
	}
	nums := make([]int64, 0, len(offsets))
	for n := range offsets {
		nums = append(nums, n)
	}
	slices.Sort(nums)
	xrefAt := b.Len()
	b.WriteString("xref\n")
	for _, n := range nums {
		fmt.Fprintf(&b, "%d 1\n%010d 00000 n \n", n, offsets[n])
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root %d 0 R", size, l.Catalog)
	if l.Info != 0 {
		fmt.Fprintf(&b, " /Info %d 0 R", l.Info)
	}
	fmt.Fprintf(&b, " /Prev %d >>\nstartxref\n%d\n%%%%EOF\n", l.startxref, xrefAt)
	return b.Bytes()
}

// ForgeContent replaces the first page's content stream with one showing
// text: what a forger does to change a score before signing.
func ForgeContent(t testing.TB, doc []byte, text string) []byte {
	t.Helper()
	l := LayoutOf(t, doc)
	return AppendUpdate(t, doc, Object{l.Contents, Stream(fmt.Sprintf("BT /F1 12 Tf 72 720 Td (%s) Tj ET", text))})
}

// ForgePage adds a page showing text to the pages tree.
func ForgePage(t testing.TB, doc []byte, text string) []byte {
	t.Helper()
	l := LayoutOf(t, doc)
	return AppendUpdate(t, doc,
		Object{l.Size, fmt.Sprintf("<< /Type /Page /Parent %d 0 R /MediaBox [0 0 595 842] /Contents %d 0 R >>", l.Pages, l.Size+1)},
		Object{l.Size + 1, Stream(fmt.Sprintf("BT /F1 12 Tf 72 720 Td (%s) Tj ET", text))},
		Object{l.Pages, fmt.Sprintf("<< /Type /Pages /Kids [%d 0 R %d 0 R] /Count 2 >>", l.Page, l.Size)})
}

// ForgeFont swaps the first page's first font for another.
func ForgeFont(t testing.TB, doc []byte) []byte {
	t.Helper()
	l := LayoutOf(t, doc)
	if l.Font == 0 {
		t.Fatal("signtest: the page has no font to swap")
	}
	return AppendUpdate(t, doc, Object{l.Font, "<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>"})
}
