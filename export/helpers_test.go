package export_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/ledongthuc/pdf"

	"parindex/export"
)

// manyDiacritics is a criterion title that uses most of Vietnamese's marks.
const manyDiacritics = "Mức độ hoàn thành kế hoạch cải cách thủ tục hành chính; rà soát, đơn giản hóa, " +
	"công bố, công khai đầy đủ, kịp thời; ứng dụng hiệu quả dịch vụ công trực tuyến toàn trình"

// vietnameseLetters is every precomposed Vietnamese letter, lower and upper case.
const vietnameseLetters = "aàáảãạăằắẳẵặâầấẩẫậbcdđeèéẻẽẹêềếểễệghiìíỉĩịklmnoòóỏõọôồốổỗộơờớởỡợpqrstuùúủũụưừứửữựvxyỳýỷỹỵ" +
	"AÀÁẢÃẠĂẰẮẲẴẶÂẦẤẨẪẬBCDĐEÈÉẺẼẸÊỀẾỂỄỆGHIÌÍỈĨỊKLMNOÒÓỎÕỌÔỒỐỔỖỘƠỜỚỞỠỢPQRSTUÙÚỦŨỤƯỪỨỬỮỰVXYỲÝỶỸỴ"

var groupTitles = []string{
	"Công tác chỉ đạo, điều hành cải cách hành chính",
	"Cải cách thể chế",
	"Cải cách thủ tục hành chính",
	"Cải cách tổ chức bộ máy hành chính nhà nước",
	"Cải cách chế độ công vụ",
	"Cải cách tài chính công",
	"Xây dựng và phát triển Chính quyền điện tử, Chính quyền số",
	"Tác động của cải cách hành chính đến người dân, tổ chức và phát triển kinh tế - xã hội",
}

var leafTitles = []string{
	"Ban hành kế hoạch cải cách hành chính năm đúng thời hạn, đầy đủ nội dung theo hướng dẫn của Ủy ban nhân dân tỉnh",
	manyDiacritics,
	"Báo cáo cải cách hành chính định kỳ (quý, 6 tháng, năm) đầy đủ, đúng hạn, đúng nội dung, kể cả báo cáo đột xuất",
	"Kiểm tra công tác cải cách hành chính đối với các phòng, đơn vị trực thuộc và xử lý các vấn đề phát hiện qua kiểm tra",
	"Tuyên truyền cải cách hành chính bằng nhiều hình thức: hội nghị, tập huấn, cổng thông tin điện tử, mạng xã hội",
}

const explanation = "Đơn vị đã ban hành Kế hoạch số 12/KH-STP ngày 05/01/2026 về cải cách hành chính năm 2026; " +
	"tổ chức triển khai đầy đủ các nhiệm vụ, báo cáo kết quả thực hiện định kỳ đúng hạn. " +
	"Một số nhiệm vụ về số hóa hồ sơ, kết quả giải quyết thủ tục hành chính chưa đạt chỉ tiêu do hạ tầng kỹ thuật còn hạn chế."

// fixture builds a report of groups × leavesPer leaves, in the tree order the caller
// hands the exports.
func fixture(groups, leavesPer int) export.Summary {
	zone := time.FixedZone("ICT", 7*3600)
	s := export.Summary{
		Province:    "Tỉnh Thừa Thiên Huế",
		Agency:      "Sở Tư pháp",
		AgencyCode:  "STP",
		Campaign:    "Chỉ số CCHC năm 2026",
		Year:        2026,
		ReportID:    42,
		Round:       0,
		Version:     7,
		State:       "reviewed",
		GeneratedAt: time.Date(2026, 12, 2, 10, 15, 30, 0, zone),
		Zone:        zone,
		SelfTotal:   72.5,
		MaxTotal:    100,
		Index:       72.5,
	}
	sum := sha256.Sum256([]byte("report 42 version 7"))
	s.Digest = hex.EncodeToString(sum[:])
	for g := 0; g < groups; g++ {
		s.Rows = append(s.Rows, export.Row{
			STT: fmt.Sprint(g + 1), Code: fmt.Sprint(g + 1), Title: groupTitles[g%len(groupTitles)],
			Depth: 0, MaxPoints: float64(2 * leavesPer), SelfScore: score(float64(leavesPer) + 0.5),
		})
		for l := 0; l < leavesPer; l++ {
			code := fmt.Sprintf("%d.%d", g+1, l+1)
			r := export.Row{
				STT: code, Code: code, Title: leafTitles[(g+l)%len(leafTitles)],
				Depth: 1, Leaf: true, MaxPoints: 2, SelfScore: score(1.5),
				Evidence: []export.Evidence{
					{Name: fmt.Sprintf("Kế hoạch số %d/KH-STP ngày 05/01/2026.pdf", 10+l), Signed: true},
					{Name: "Báo cáo kết quả thực hiện (bản chụp).pdf", Signed: false},
				},
				Explanation: explanation,
			}
			if l == 2 {
				r.Exempt, r.SelfScore, r.Evidence = true, nil, nil
			}
			s.Rows = append(s.Rows, r)
		}
	}
	return s
}

// withAlphabet appends a criterion whose title is every Vietnamese letter, in
// words short enough not to be broken inside when wrapped.
func withAlphabet(s export.Summary) export.Summary {
	s.Rows = append(append([]export.Row(nil), s.Rows...), export.Row{
		STT: "9.9", Code: "9.9", Title: alphabetWords(), Depth: 1, Leaf: true,
		MaxPoints: 1, SelfScore: score(0.75),
	})
	return s
}

// score is a self score as a Row holds it.
func score(v float64) *float64 { return &v }

// alphabetWords is vietnameseLetters in words of eight letters.
func alphabetWords() string {
	r := []rune(vietnameseLetters)
	var words []string
	for len(r) > 0 {
		n := min(8, len(r))
		words = append(words, string(r[:n]))
		r = r[n:]
	}
	return strings.Join(words, " ")
}

// render runs one export into memory.
func render(t testing.TB, fn func(io.Writer, export.Summary) error, s export.Summary) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := fn(&buf, s); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// pdfDoc is what a test reads back out of a PDF by parsing it.
type pdfDoc struct {
	pages []string          // each page's text, runs of white space as one space
	info  map[string]string // the document information dictionary
}

func (d pdfDoc) text() string { return strings.Join(d.pages, " ") }

// readPDF parses b with github.com/ledongthuc/pdf, an independent reader, and
// extracts every page's text through the fonts' ToUnicode maps.
func readPDF(t testing.TB, b []byte) pdfDoc {
	t.Helper()
	r, err := pdf.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("parse pdf: %v", err)
	}
	d := pdfDoc{info: map[string]string{}}
	info := r.Trailer().Key("Info")
	for _, k := range info.Keys() {
		d.info[k] = info.Key(k).Text()
	}
	for i := 1; i <= r.NumPage(); i++ {
		text, err := r.Page(i).GetPlainText(nil)
		if err != nil {
			t.Fatalf("page %d: %v", i, err)
		}
		d.pages = append(d.pages, strings.Join(strings.Fields(text), " "))
	}
	return d
}

// mustContain fails for every want missing from text, showing the text once.
func mustContain(t testing.TB, what, text string, wants ...string) {
	t.Helper()
	missing := false
	for _, w := range wants {
		if !strings.Contains(text, strings.Join(strings.Fields(w), " ")) {
			t.Errorf("%s: %q not found", what, w)
			missing = true
		}
	}
	if missing {
		t.Logf("%s text:\n%.3000s", what, text)
	}
}

// run is one string shown on a page, where its line starts and in which font.
type run struct {
	x, y float64
	font string // the font's BaseFont
	s    string
}

// textRuns interprets the content stream of page n and returns every string
// shown, decoded through its font's ToUnicode map, with the position of its
// start. It follows the operators fpdf writes (BT, Td, Tm, Tf, Tj, TJ).
func textRuns(t testing.TB, b []byte, n int) []run {
	t.Helper()
	r, err := pdf.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	page := r.Page(n)
	var (
		runs []run
		x, y float64
		enc  pdf.TextEncoding
		font string
	)
	show := func(v pdf.Value) {
		if enc != nil && v.Kind() == pdf.String {
			runs = append(runs, run{x, y, font, enc.Decode(v.RawString())})
		}
	}
	pdf.Interpret(page.V.Key("Contents"), func(stk *pdf.Stack, op string) {
		args := make([]pdf.Value, stk.Len())
		for i := len(args) - 1; i >= 0; i-- {
			args[i] = stk.Pop()
		}
		switch op {
		case "BT":
			x, y = 0, 0
		case "Td":
			x, y = x+args[0].Float64(), y+args[1].Float64()
		case "Tm":
			x, y = args[4].Float64(), args[5].Float64()
		case "Tf":
			f := page.Font(args[0].Name())
			enc, font = f.Encoder(), f.BaseFont()
		case "Tj":
			show(args[0])
		case "TJ":
			for i := 0; i < args[0].Len(); i++ {
				show(args[0].Index(i))
			}
		}
	})
	return runs
}
