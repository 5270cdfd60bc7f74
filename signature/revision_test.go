package signature

import (
	"bytes"
	"context"
	"fmt"
	"slices"
	"sort"
	"testing"

	"parindex/signature/signtest"
)

// exported stands in for an export: a one-page PDF with a font and a content
// stream, which the forgeries below change before the file is signed.
func exported(t *testing.T) []byte {
	t.Helper()
	return signtest.MinimalPDF(t, "Bang tong hop: 19,000 diem")
}

func openTest(t *testing.T, doc []byte) *document {
	t.Helper()
	d, err := openDocument(bytes.NewReader(doc), int64(len(doc)), newBudget(context.Background(), int64(len(doc))))
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func changesOf(t *testing.T, file []byte, from, to int64) []string {
	t.Helper()
	got, err := Changes(context.Background(), bytes.NewReader(file), from, to, 0)
	if err != nil {
		t.Fatalf("Changes: %v", err)
	}
	return got
}

// The signed summary must be the export plus what a signing tool adds. Each
// forgery is made on the export before signing, as a forger with a signing
// tool would; the signature itself then verifies, and only the comparison
// of the signed revision with the export catches it.
func TestChangesForgeries(t *testing.T) {
	f := newFixture(t)
	export := exported(t)
	l := signtest.LayoutOf(t, export)
	pageBody := func(key, value string) string {
		d := openTest(t, export)
		v, err := d.resolve(pdfRef{num: l.Page})
		if err != nil {
			t.Fatal(err)
		}
		return dictWith(v.(pdfDict), key, value)
	}

	cases := []struct {
		name   string
		forge  func([]byte) []byte
		signer *signtest.Signer
		want   []string // the changes between the export and the signature
		ok     bool     // what a signing tool would have done
	}{
		{name: "signed as exported", forge: func(b []byte) []byte { return b }, signer: f.signer, want: []string{ChangeForm}, ok: true},
		{name: "visible signature appearance", forge: func(b []byte) []byte { return b },
			signer: &signtest.Signer{Cert: f.signer.Cert, Key: f.signer.Key, Chain: f.signer.Chain, Visible: true}, want: []string{ChangeForm}, ok: true},
		{name: "content stream replaced", forge: func(b []byte) []byte { return signtest.ForgeContent(t, b, "Bang tong hop: 99,000 diem") },
			signer: f.signer, want: []string{ChangeContent, ChangeForm}},
		{name: "page added", forge: func(b []byte) []byte { return signtest.ForgePage(t, b, "Trang them") },
			signer: f.signer, want: []string{ChangeForm, ChangePages}},
		{name: "font swapped", forge: func(b []byte) []byte { return signtest.ForgeFont(t, b) },
			signer: f.signer, want: []string{ChangeContent, ChangeForm}},
		{name: "page resized", forge: func(b []byte) []byte {
			body := pageBody("", "")
			return signtest.AppendUpdate(t, b, signtest.Object{Num: l.Page, Body: body[:len(body)-3] + " /UserUnit 2 >>"})
		}, signer: f.signer, want: []string{ChangeForm, ChangePages}},
		{name: "sticky note added", forge: func(b []byte) []byte {
			return signtest.AppendUpdate(t, b,
				signtest.Object{Num: l.Size, Body: "<< /Type /Annot /Subtype /FreeText /Rect [72 700 400 740] /Contents (99,000) /DA (/Helv 24 Tf 0 g) >>"},
				signtest.Object{Num: l.Page, Body: pageBody("Annots", fmt.Sprintf("[%d 0 R]", l.Size))})
		}, signer: f.signer, want: []string{ChangeAnnotations, ChangeForm}},
		{name: "document information rewritten", forge: func(b []byte) []byte {
			info := openTest(t, b).trailer["Info"].(pdfRef)
			return signtest.AppendUpdate(t, b, signtest.Object{Num: info.num, Body: "<< /Title (Khac) /Producer (x) >>"})
		}, signer: f.signer, want: []string{ChangeForm, ChangeMetadata}, ok: true},
		{name: "catalog opens a script", forge: func(b []byte) []byte {
			return signtest.AppendUpdate(t, b, signtest.Object{Num: l.Catalog, Body: fmt.Sprintf("<< /Type /Catalog /Pages %d 0 R /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>", l.Pages)})
		}, signer: f.signer, want: []string{ChangeForm, ChangeStructure}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			forged := c.forge(bytes.Clone(export))
			signed := c.signer.Sign(t, forged)
			rep := mustVerify(t, signed, f.roots)
			if rep.Status != StatusValid || rep.SignedLength != int64(len(signed)) {
				t.Fatalf("the signature itself must hold: %+v", rep)
			}
			got := changesOf(t, signed, int64(len(export)), rep.SignedLength)
			if !slices.Equal(got, c.want) {
				t.Errorf("changes = %q, want %q", got, c.want)
			}
			if OnlySigning(got) != c.ok {
				t.Errorf("OnlySigning(%q) = %v, want %v", got, !c.ok, c.ok)
			}
		})
	}
}

// Updates that play with the cross-reference structure itself are
// structural changes whatever objects they write.
func TestChangesStructure(t *testing.T) {
	export := exported(t)
	l := signtest.LayoutOf(t, export)
	d := openTest(t, export)

	freed := bytes.Clone(export)
	at := len(freed)
	freed = fmt.Appendf(freed, "xref\n%d 1\n0000000000 65535 f \ntrailer\n<< /Size %d /Root %d 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n",
		l.Contents, l.Size, l.Catalog, d.startxref, at)
	if got := changesOf(t, freed, int64(len(export)), int64(len(freed))); !slices.Equal(got, []string{ChangeStructure}) {
		t.Errorf("object freed: changes = %q", got)
	}

	junk := append(bytes.Clone(export), "%% nothing to see\n"...)
	if got := changesOf(t, junk, int64(len(export)), int64(len(junk))); !slices.Equal(got, []string{ChangeStructure}) {
		t.Errorf("bytes that are no update: changes = %q", got)
	}

	// An update whose /Prev skips back past the export's last section
	// would make a reader resolve objects from an older revision.
	skip := bytes.Clone(export)
	at = len(skip)
	skip = fmt.Appendf(skip, "%d 0 obj\n<< /Producer (x) >>\nendobj\n", l.Size)
	xrefAt := len(skip)
	skip = fmt.Appendf(skip, "xref\n%d 1\n%010d 00000 n \ntrailer\n<< /Size %d /Root %d 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n",
		l.Size, at, l.Size+1, l.Catalog, d.sections[len(d.sections)-1].offset-1, xrefAt)
	if got := changesOf(t, skip, int64(len(export)), int64(len(skip))); !slices.Contains(got, ChangeStructure) {
		t.Errorf("/Prev elsewhere: changes = %q", got)
	}

	if got := changesOf(t, export, int64(len(export)), int64(len(export))); got != nil {
		t.Errorf("nothing appended: changes = %q", got)
	}
}

// For evidence, what an update after the signature changed is reported.
func TestVerifyModifiedAfterSigning(t *testing.T) {
	f := newFixture(t)
	signed := f.signer.Sign(t, exported(t))
	l := signtest.LayoutOf(t, signed)
	cases := map[string]struct {
		update func([]byte) []byte
		want   []string
	}{
		"content": {func(b []byte) []byte {
			return signtest.AppendUpdate(t, b, signtest.Object{Num: l.Contents, Body: signtest.Stream("BT /F1 12 Tf 72 720 Td (khac) Tj ET")})
		}, []string{ChangeContent}},
		"annotation": {func(b []byte) []byte {
			page := openTest(t, b)
			v, _ := page.resolve(pdfRef{num: l.Page})
			pd := v.(pdfDict)
			annots, _ := page.resolve(pd["Annots"])
			list, _ := annots.(pdfArray)
			list = append(list, pdfRef{num: l.Size + 10})
			return signtest.AppendUpdate(t, b,
				signtest.Object{Num: l.Size + 10, Body: "<< /Type /Annot /Subtype /Text /Rect [0 0 10 10] /Contents (note) >>"},
				signtest.Object{Num: l.Page, Body: dictWith(pd, "Annots", render(list))})
		}, []string{ChangeAnnotations}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			file := c.update(bytes.Clone(signed))
			rep := mustVerify(t, file, f.roots)
			if rep.CoversFile || !slices.Equal(rep.ModifiedAfterSigning, c.want) {
				t.Errorf("report = %+v, want modified after signing: %q", rep, c.want)
			}
		})
	}
	if rep := mustVerify(t, signed, f.roots); rep.ModifiedAfterSigning != nil {
		t.Errorf("untouched: modified after signing = %q", rep.ModifiedAfterSigning)
	}
}

// dictWith writes a dictionary back with key set to value, or as it is
// when key is empty.
func dictWith(d pdfDict, key, value string) string {
	var b bytes.Buffer
	b.WriteString("<<")
	keys := make([]string, 0, len(d))
	for k := range d {
		keys = append(keys, string(k))
	}
	sort.Strings(keys)
	for _, k := range keys {
		if k != key {
			fmt.Fprintf(&b, " /%s %s", k, render(d[pdfName(k)]))
		}
	}
	if key != "" {
		fmt.Fprintf(&b, " /%s %s", key, value)
	}
	b.WriteString(" >>")
	return b.String()
}

// render writes a parsed value back as PDF syntax (enough for the tests:
// strings are written as hex).
func render(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case pdfRef:
		return fmt.Sprintf("%d %d R", x.num, x.gen)
	case pdfName:
		return "/" + string(x)
	case pdfString:
		return fmt.Sprintf("<%x>", string(x))
	case pdfArray:
		var b bytes.Buffer
		b.WriteString("[")
		for i, e := range x {
			if i > 0 {
				b.WriteString(" ")
			}
			b.WriteString(render(e))
		}
		b.WriteString("]")
		return b.String()
	case pdfDict:
		return dictWith(x, "", "")
	case bool:
		return fmt.Sprint(x)
	case int64:
		return fmt.Sprint(x)
	case float64:
		return fmt.Sprintf("%.4f", x)
	}
	return fmt.Sprint(v)
}
