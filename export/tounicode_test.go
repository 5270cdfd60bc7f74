package export

import (
	"bytes"
	"testing"
	"time"
)

// The update leaves fpdf's document untouched in front and replaces both fonts'
// CMaps; a document not written by fpdf is refused.
func TestFixToUnicode(t *testing.T) {
	s := Summary{GeneratedAt: time.Date(2026, 12, 2, 10, 15, 30, 0, time.UTC), Digest: string(bytes.Repeat([]byte("a"), 64))}
	pdf := newPDF(s, "P", "x")
	pdf.AddPage()
	pdf.SetFont(fontFamily, "B", 10)
	pdf.Cell(0, 5, "Đ")
	pdf.SetFont(fontFamily, "", 10)
	pdf.Cell(0, 5, "ệ")
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		t.Fatal(err)
	}
	doc := buf.Bytes()
	fixed, err := fixToUnicode(doc)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(fixed, doc) {
		t.Fatal("the original document is not kept in front")
	}
	update := string(fixed[len(doc):])
	if n := bytes.Count([]byte(update), []byte("/Filter /FlateDecode>>\nstream\n")); n != 2 {
		t.Errorf("%d CMaps replaced, want 2:\n%s", n, update)
	}
	if _, err := fixToUnicode([]byte("%PDF-1.3\nnot fpdf")); err == nil {
		t.Error("a document without fpdf's trailer is accepted")
	}
}

func BenchmarkFixToUnicode(b *testing.B) {
	s := Summary{GeneratedAt: time.Date(2026, 12, 2, 10, 15, 30, 0, time.UTC)}
	pdf := newPDF(s, "P", "x")
	pdf.AddPage()
	pdf.SetFont(fontFamily, "", 10)
	pdf.Cell(0, 5, "Đệ")
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if _, err := fixToUnicode(buf.Bytes()); err != nil {
			b.Fatal(err)
		}
	}
}
