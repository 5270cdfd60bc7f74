package signature

import (
	"bytes"
	"compress/zlib"
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"
)

func TestLexerObjects(t *testing.T) {
	cases := map[string]any{
		`<< /A 1 /B [2 0 R 3.5 (x)] /C null /D true >>`: pdfDict{"A": int64(1), "B": pdfArray{pdfRef{2, 0}, 3.5, pdfString("x")}, "D": true},
		`(a\(b\)c\\d\n\101\0501 (nested) end)`:          pdfString("a(b)c\\d\nA(1 (nested) end"),
		"(line\\\ncontinued)":                           pdfString("linecontinued"),
		`<48 65 6C6C6F2>`:                               pdfString("Hello "),
		`/Name#20With#2FEscapes`:                        pdfName("Name With/Escapes"),
		`[1 2 3]`:                                       pdfArray{int64(1), int64(2), int64(3)},
		`-.5`:                                           -0.5,
		`12 0`:                                          int64(12),
		"% comment\n 7":                                 int64(7),
	}
	for in, want := range cases {
		got, err := newBytesLexer([]byte(in), newBudget(context.Background(), 0)).object()
		if err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("object(%q) = %#v, %v; want %#v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "<< /A", "(unclosed", "<12 zz>", ">", "<< 1 2 >>", "[" + string(bytes.Repeat([]byte("["), maxDepth+1))} {
		if got, err := newBytesLexer([]byte(in), newBudget(context.Background(), 0)).object(); err == nil {
			t.Errorf("object(%q) = %#v, want an error", in, got)
		}
	}
}

func TestParseDate(t *testing.T) {
	cases := map[string]time.Time{
		"D:20250102030405Z":        time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC),
		"D:20250102030405+02'00'":  time.Date(2025, 1, 2, 1, 4, 5, 0, time.UTC),
		"D:20250102030405-05'30":   time.Date(2025, 1, 2, 8, 34, 5, 0, time.UTC),
		"D:2025":                   time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
		"20250102":                 time.Date(2025, 1, 2, 0, 0, 0, 0, time.UTC),
		"D:20251302030405Z":        {},
		"D:not a date":             {},
		"D:20250102030405Z0000000": time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC),
	}
	for in, want := range cases {
		got, ok := parseDate(in)
		if ok != !want.IsZero() || !got.Equal(want) {
			t.Errorf("parseDate(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
}

func TestDecodeText(t *testing.T) {
	cases := map[pdfString]string{
		"plain":                         "plain",
		"\xFE\xFF\x00a\x00\xF1\x20\x14": "añ—",
		"\xEF\xBB\xBFutf-8 ñ":           "utf-8 ñ",
		"caf\xE9 \x84 \xA0":             "café — €",
	}
	for in, want := range cases {
		if got := decodeText(in); got != want {
			t.Errorf("decodeText(%q) = %q, want %q", in, got, want)
		}
	}
}

// compressedPDF writes a PDF 1.5 file whose objects, /Info among them, sit in
// an object stream indexed by a PNG-predicted xref stream.
func compressedPDF(t testing.TB, info string) []byte {
	t.Helper()
	objects := []string{"<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Pages /Kids [] /Count 0 >>", info}
	var header, body bytes.Buffer
	for i, o := range objects {
		fmt.Fprintf(&header, "%d %d ", i+1, body.Len())
		body.WriteString(o + "\n")
	}
	objstm := deflate(t, append(header.Bytes(), body.Bytes()...))

	var b bytes.Buffer
	b.WriteString("%PDF-1.5\n%\xE2\xE3\xCF\xD3\n")
	stmAt := b.Len()
	fmt.Fprintf(&b, "4 0 obj\n<< /Type /ObjStm /N 3 /First %d /Filter /FlateDecode /Length %d >>\nstream\n", header.Len(), len(objstm))
	b.Write(objstm)
	b.WriteString("\nendstream\nendobj\n")
	xrefAt := b.Len()
	rows := [][4]byte{
		{0, 0, 0, 255},
		{2, 0, 4, 0}, {2, 0, 4, 1}, {2, 0, 4, 2},
		{1, byte(stmAt >> 8), byte(stmAt), 0},
		{1, byte(xrefAt >> 8), byte(xrefAt), 0},
	}
	var predicted []byte
	var prev [4]byte
	for _, row := range rows {
		predicted = append(predicted, 2) // PNG "Up"
		for i := range row {
			predicted = append(predicted, row[i]-prev[i])
		}
		prev = row
	}
	xref := deflate(t, predicted)
	fmt.Fprintf(&b, "5 0 obj\n<< /Type /XRef /Size 6 /W [1 2 1] /Root 1 0 R /Info 3 0 R /Filter /FlateDecode /DecodeParms << /Columns 4 /Predictor 12 >> /Length %d >>\nstream\r\n", len(xref))
	b.Write(xref)
	fmt.Fprintf(&b, "\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", xrefAt)
	return b.Bytes()
}

func deflate(t testing.TB, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	w := zlib.NewWriter(&b)
	if _, err := w.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
