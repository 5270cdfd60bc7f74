package export

import (
	"bytes"
	_ "embed"
	"fmt"
	"io"
	"strings"

	"github.com/go-pdf/fpdf"
)

// DejaVu Sans Condensed covers every Vietnamese letter precomposed and is narrow
// enough for a seven-column table; fonts/LICENSE is its licence.
var (
	//go:embed fonts/DejaVuSansCondensed.ttf
	fontRegular []byte
	//go:embed fonts/DejaVuSansCondensed-Bold.ttf
	fontBold []byte
)

const (
	fontFamily = "DejaVu"
	pageAlias  = "{nb}"
)

// newPDF starts a document with the fonts, the info dictionary and the footer that
// every PDF export shares. Every value that would otherwise come from the clock or
// from map order is fixed, so the same Summary gives the same bytes.
func newPDF(s Summary, orientation, title string) *fpdf.Fpdf {
	pdf := fpdf.NewCustom(&fpdf.InitType{
		OrientationStr: orientation,
		UnitStr:        "mm",
		SizeStr:        "A4",
	})
	// The alias must be set before the fonts are added: fpdf sizes a font's
	// initial subset by it.
	pdf.AliasNbPages(pageAlias)
	pdf.AddUTF8FontFromBytes(fontFamily, "", fontRegular)
	pdf.AddUTF8FontFromBytes(fontFamily, "B", fontBold)

	pdf.SetCatalogSort(true)
	// fpdf writes dates without a zone offset, which readers take as UTC.
	pdf.SetCreationDate(s.GeneratedAt.UTC())
	pdf.SetModificationDate(s.GeneratedAt.UTC())
	pdf.SetTitle(clean(title+" – "+s.Agency), true)
	pdf.SetSubject(clean(fmt.Sprintf("%s – %s – %s", s.Campaign, s.Agency, roundLabel(s.Round))), true)
	pdf.SetAuthor(author, true)
	pdf.SetCreator(author+" export", true)
	pdf.SetProducer(author, true)
	pdf.SetKeywords(Keywords(s), true)
	pdf.SetLang("vi-VN")

	footer := clean(footerText(s))
	pdf.SetFooterFunc(func() {
		left, _, right, bottom := pdf.GetMargins()
		w, h := pdf.GetPageSize()
		pdf.SetFont(fontFamily, "", 7)
		pdf.SetTextColor(90, 90, 90)
		pdf.SetXY(left, h-bottom+3)
		pdf.CellFormat(w-left-right, 4, footer, "T", 0, "L", false, 0, "")
		// Left-aligned in a box at the right: fpdf would align by the width of
		// the alias, not of the page count that replaces it.
		pdf.SetXY(w-right-18, h-bottom+3)
		pdf.CellFormat(18, 4, fmt.Sprintf("Trang %d/%s", pdf.PageNo(), pageAlias), "", 0, "L", false, 0, "")
		pdf.SetTextColor(0, 0, 0)
	})
	return pdf
}

// write finishes the document, makes its text extractable by strict readers too
// (see fixToUnicode) and writes it to w.
func write(pdf *fpdf.Fpdf, w io.Writer) error {
	var buf bytes.Buffer
	if err := pdf.Output(&buf); err != nil {
		return fmt.Errorf("export: render pdf: %w", err)
	}
	doc, err := fixToUnicode(buf.Bytes())
	if err != nil {
		return err
	}
	if _, err := w.Write(doc); err != nil {
		return fmt.Errorf("export: write pdf: %w", err)
	}
	return nil
}

// lines wraps text to width w in the current font: one entry per printed line,
// explicit newlines and blank lines kept; nil for blank text. It cleans the text
// itself, since fpdf's wrapping indexes its width table by rune and would panic
// past the Basic Multilingual Plane.
func lines(pdf *fpdf.Fpdf, text string, w float64) []string {
	text = clean(text)
	if strings.TrimSpace(text) == "" {
		return nil
	}
	var out []string
	for _, para := range strings.Split(text, "\n") {
		if strings.TrimSpace(para) == "" {
			out = append(out, "")
			continue
		}
		out = append(out, pdf.SplitText(para, w)...)
	}
	return out
}
