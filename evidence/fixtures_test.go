package evidence

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"math/rand/v2"
	"testing"
	"unicode/utf16"
)

// Evidence files built in code, each the smallest thing its format's readers
// (and mimetype) accept.

// pdfFile is a one-page PDF with a correct cross-reference table.
func pdfFile() []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	objects := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
	}
	offsets := make([]int, len(objects))
	for i, o := range objects {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objects)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objects)+1, xref)
	return b.Bytes()
}

type zipEntry struct {
	name   string
	body   []byte
	stored bool // no compression: ODF's "mimetype" must be stored
}

func zipFile(t *testing.T, entries ...zipEntry) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		if e.stored {
			h.Method = zip.Store
		}
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write(e.body); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

const rels = `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="%s"/></Relationships>`

func contentTypes(main, mainType string) []byte {
	return fmt.Appendf(nil, `<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/%s" ContentType="%s"/></Types>`, main, mainType)
}

// docxFile is a one-paragraph Word document. With thumbnail, a 16 KB stored
// picture comes before the word/ parts, as some producers write it, so the
// first 4 KB show only a ZIP.
func docxFile(t *testing.T, thumbnail bool) []byte {
	entries := []zipEntry{{name: "[Content_Types].xml", body: contentTypes("word/document.xml",
		"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml")}}
	if thumbnail {
		entries = append(entries, zipEntry{name: "docProps/thumbnail.jpeg", body: randomBytes(16 << 10), stored: true})
	}
	entries = append(entries,
		zipEntry{name: "_rels/.rels", body: fmt.Appendf(nil, rels, "word/document.xml")},
		zipEntry{name: "word/document.xml", body: []byte(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>Báo cáo</w:t></w:r></w:p></w:body></w:document>`)})
	return zipFile(t, entries...)
}

// xlsxFile is a workbook with one empty sheet.
func xlsxFile(t *testing.T) []byte {
	return zipFile(t,
		zipEntry{name: "[Content_Types].xml", body: contentTypes("xl/workbook.xml",
			"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml")},
		zipEntry{name: "_rels/.rels", body: fmt.Appendf(nil, rels, "xl/workbook.xml")},
		zipEntry{name: "xl/workbook.xml", body: []byte(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>`)},
		zipEntry{name: "xl/_rels/workbook.xml.rels", body: []byte(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>`)},
		zipEntry{name: "xl/worksheets/sheet1.xml", body: []byte(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>`)},
	)
}

// odfFile is an OpenDocument package of the given type: "mimetype" first and
// stored, as the specification requires and as detection relies on.
func odfFile(t *testing.T, mediaType string) []byte {
	return zipFile(t,
		zipEntry{name: "mimetype", body: []byte(mediaType), stored: true},
		zipEntry{name: "content.xml", body: []byte(`<?xml version="1.0" encoding="UTF-8"?>
<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" office:version="1.3"><office:body/></office:document-content>`)},
		zipEntry{name: "META-INF/manifest.xml", body: fmt.Appendf(nil, `<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3"><manifest:file-entry manifest:full-path="/" manifest:media-type="%s"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/></manifest:manifest>`, mediaType)},
	)
}

func testImage() image.Image {
	img := image.NewRGBA(image.Rect(0, 0, 16, 16))
	for x := range 16 {
		for y := range 16 {
			img.Set(x, y, color.RGBA{uint8(16 * x), uint8(16 * y), 128, 255})
		}
	}
	return img
}

func pngFile(t *testing.T) []byte {
	var b bytes.Buffer
	if err := png.Encode(&b, testImage()); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func jpegFile(t *testing.T) []byte {
	var b bytes.Buffer
	if err := jpeg.Encode(&b, testImage(), nil); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// oleFile is an OLE2 compound file (512-byte sectors) whose root storage holds
// one stream, named stream ("WordDocument", "Workbook", …). The directory is
// in sector dirSector, the sectors before it filler: Word often writes its
// directory well past the first 4 KB.
func oleFile(stream string, dirSector int) []byte {
	const secSize = 512
	le := binary.LittleEndian
	b := make([]byte, secSize*(dirSector+2))
	hdr := b[:secSize]
	copy(hdr, []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1})
	le.PutUint16(hdr[24:], 0x003E)            // minor version
	le.PutUint16(hdr[26:], 3)                 // major version: 512-byte sectors
	le.PutUint16(hdr[28:], 0xFFFE)            // byte order
	le.PutUint16(hdr[30:], 9)                 // sector shift
	le.PutUint16(hdr[32:], 6)                 // mini sector shift
	le.PutUint32(hdr[44:], 1)                 // allocation table sectors
	le.PutUint32(hdr[48:], uint32(dirSector)) // first directory sector
	le.PutUint32(hdr[56:], 4096)              // mini stream cutoff
	le.PutUint32(hdr[60:], 0xFFFFFFFE)        // no mini allocation table
	le.PutUint32(hdr[68:], 0xFFFFFFFE)        // no extra allocation table sectors
	for i := range 109 {
		le.PutUint32(hdr[76+4*i:], 0xFFFFFFFF) // unused
	}
	le.PutUint32(hdr[76:], 0) // the allocation table is sector 0

	sector := func(id int) []byte { return b[secSize*(id+1):][:secSize] }
	sat := sector(0)
	for i := range secSize / 4 {
		le.PutUint32(sat[4*i:], 0xFFFFFFFF) // free
	}
	le.PutUint32(sat[0:], 0xFFFFFFFD)           // sector 0 holds the table
	le.PutUint32(sat[4*dirSector:], 0xFFFFFFFE) // the directory is one sector

	dir := sector(dirSector)
	entry := func(i int, name string, typ byte, child uint32) {
		e := dir[128*i:][:128]
		u := utf16.Encode([]rune(name))
		for j, c := range u {
			le.PutUint16(e[2*j:], c)
		}
		le.PutUint16(e[64:], uint16(2*len(u)+2))
		e[66], e[67] = typ, 1
		le.PutUint32(e[68:], 0xFFFFFFFF)
		le.PutUint32(e[72:], 0xFFFFFFFF)
		le.PutUint32(e[76:], child)
		le.PutUint32(e[116:], 0xFFFFFFFE)
	}
	entry(0, "Root Entry", 5, 1)
	entry(1, stream, 2, 0xFFFFFFFF)
	return b
}

// exeFile starts like every Windows executable.
func exeFile() []byte {
	b := make([]byte, 1024)
	copy(b, "MZ\x90\x00\x03")
	binary.LittleEndian.PutUint32(b[0x3c:], 0x80)
	copy(b[0x80:], "PE\x00\x00")
	return b
}

func randomBytes(n int) []byte {
	b := make([]byte, n)
	r := rand.NewChaCha8([32]byte{1})
	r.Read(b)
	return b
}
