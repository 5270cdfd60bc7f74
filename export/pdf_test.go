package export_test

import (
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"

	"parindex/export"
)

func TestSummaryPDFText(t *testing.T) {
	s := withAlphabet(fixture(8, 5))
	d := readPDF(t, render(t, export.SummaryPDF, s))
	mustContain(t, "summary.pdf", d.text(),
		"TỈNH THỪA THIÊN HUẾ", "SỞ TƯ PHÁP",
		"BẢNG TỔNG HỢP KẾT QUẢ TỰ ĐÁNH GIÁ",
		"Chỉ số CCHC năm 2026",
		"Đơn vị: Sở Tư pháp (mã STP)",
		"Vòng tự đánh giá · Phiên bản 7 · Trạng thái: Đã phê duyệt · Thời điểm: 02/12/2026 10:15 ",
		"STT", "Mã", "Tiêu chí", "Điểm tối đa", "Điểm tự chấm", "Tài liệu kiểm chứng", "Giải trình",
		"Cải cách thủ tục hành chính",
		manyDiacritics,
		alphabetWords(),
		"Kế hoạch số 10/KH-STP ngày 05/01/2026.pdf (đã ký số)",
		"Báo cáo kết quả thực hiện (bản chụp).pdf (không ký số)",
		"Miễn trừ",
		explanation,
		"Tổng điểm tự chấm / Điểm tối đa 100,00 72,50",
		"Chỉ số 72,500",
		"Thừa Thiên Huế, ngày 02 tháng 12 năm 2026",
		"LÃNH ĐẠO ĐƠN VỊ", "(Ký số, ghi rõ họ tên)",
	)
}

func TestReportPDFText(t *testing.T) {
	s := withAlphabet(fixture(8, 5))
	s.Round = 1
	d := readPDF(t, render(t, export.ReportPDF, s))
	mustContain(t, "report.pdf", d.text(),
		"CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc",
		"TỈNH THỪA THIÊN HUẾ", "SỞ TƯ PHÁP",
		"BÁO CÁO TỰ ĐÁNH GIÁ, CHẤM ĐIỂM CHỈ SỐ CẢI CÁCH HÀNH CHÍNH",
		"Đơn vị: Sở Tư pháp (mã STP)",
		"Vòng bổ sung 1 · Phiên bản 7",
		"Thời điểm: 02/12/2026 10:15 ",
		"3. Cải cách thủ tục hành chính",
		"1.2. "+manyDiacritics,
		alphabetWords(),
		"Điểm tối đa: 2,00; điểm tự chấm: 1,50",
		"Điểm tối đa: 2,00; điểm tự chấm: Miễn trừ",
		"Tài liệu kiểm chứng: - Kế hoạch số 10/KH-STP ngày 05/01/2026.pdf (đã ký số) - Báo cáo kết quả thực hiện (bản chụp).pdf (không ký số)",
		"Giải trình: "+explanation,
		"Tổng điểm tự chấm / Điểm tối đa: 72,50 / 100,00",
		"Chỉ số: 72,500",
		"LÃNH ĐẠO ĐƠN VỊ", "(Ký số, ghi rõ họ tên)",
	)
}

// Every page of both PDFs carries the version, the digest and its number, and
// the documents' information names the report.
func TestPDFFooterAndInfo(t *testing.T) {
	s := fixture(20, 10) // 220 rows
	for name, fn := range map[string]func() []byte{
		"summary.pdf": func() []byte { return render(t, export.SummaryPDF, s) },
		"report.pdf":  func() []byte { return render(t, export.ReportPDF, s) },
	} {
		t.Run(name, func(t *testing.T) {
			d := readPDF(t, fn())
			if len(d.pages) < 5 {
				t.Fatalf("%d pages for 220 rows", len(d.pages))
			}
			for i, page := range d.pages {
				mustContain(t, fmt.Sprintf("page %d", i+1), page,
					"Phiên bản 7 · SHA-256: "+s.Digest,
					fmt.Sprintf("Trang %d/%d", i+1, len(d.pages)))
			}
			if got := d.info["Keywords"]; got != export.Keywords(s) {
				t.Errorf("Keywords = %q, want %q", got, export.Keywords(s))
			}
			id, version, digest, ok := export.ParseKeywords(d.info["Keywords"])
			if !ok || id != s.ReportID || version != s.Version || digest != s.Digest {
				t.Errorf("ParseKeywords = %d, %d, %q, %v", id, version, digest, ok)
			}
			if d.info["Author"] != "parindex" || !strings.Contains(d.info["Title"], "Sở Tư pháp") ||
				!strings.Contains(d.info["Subject"], "Chỉ số CCHC năm 2026") || d.info["Creator"] == "" {
				t.Errorf("info = %q", d.info)
			}
			if got := d.info["CreationDate"]; got != "D:20261202031530" {
				t.Errorf("CreationDate = %q, want the version's time in UTC", got)
			}
		})
	}
}

// A criterion whose explanation is longer than a page is split across pages
// instead of being cut off or looping, and nothing of it is lost.
func TestSummaryPDFRowTallerThanAPage(t *testing.T) {
	s := fixture(2, 3)
	var long []string
	for i := range 120 {
		long = append(long, fmt.Sprintf("Đoạn %d: %s", i+1, explanation))
	}
	s.Rows[1].Explanation = strings.Join(long, "\n")
	s.Rows[1].Title = strings.Repeat(manyDiacritics+" ", 6)
	d := readPDF(t, render(t, export.SummaryPDF, s))
	if len(d.pages) < 4 {
		t.Fatalf("%d pages, want the long row spread over several", len(d.pages))
	}
	mustContain(t, "summary.pdf", d.text(), "Đoạn 1: ", "Đoạn 60: ", "Đoạn 120: "+explanation, "LÃNH ĐẠO ĐƠN VỊ")
	for i, page := range d.pages {
		mustContain(t, fmt.Sprintf("page %d", i+1), page, "SHA-256: "+s.Digest)
		if i > 0 && strings.Contains(page, "Đoạn") {
			mustContain(t, fmt.Sprintf("page %d", i+1), page, "STT Mã Tiêu chí") // the heading repeats
		}
	}
}

// Text arriving decomposed (e + combining marks) or with characters the fonts
// cannot address still prints, as the precomposed letters and U+FFFD.
func TestPDFCleansText(t *testing.T) {
	s := fixture(1, 1)
	s.Rows[1].Title = "Ke\u0302\u0301 hoa\u0323ch\tnăm 2026 😀"
	d := readPDF(t, render(t, export.SummaryPDF, s))
	mustContain(t, "summary.pdf", d.text(), "Kế hoạch năm 2026 \uFFFD")
}

// Titles are indented by depth (field, criterion, sub-criterion) in both PDFs.
func TestPDFIndentsByDepth(t *testing.T) {
	s := fixture(1, 0)
	s.Rows = []export.Row{
		{STT: "1", Code: "1", Title: "Lĩnh vực chỉ đạo điều hành", Depth: 0, MaxPoints: 3, SelfScore: score(2.5)},
		{STT: "1.1", Code: "1.1", Title: "Tiêu chí kế hoạch năm", Depth: 1, MaxPoints: 2, SelfScore: score(1.5)},
		{STT: "1.1.1", Code: "1.1.1", Title: "Tiêu chí thành phần ban hành đúng hạn", Depth: 2, Leaf: true, MaxPoints: 1, SelfScore: score(1)},
		{STT: "1.1.2", Code: "1.1.2", Title: "Tiêu chí thành phần hoàn thành kế hoạch", Depth: 2, Leaf: true, MaxPoints: 1, SelfScore: score(0.5)},
		{STT: "1.2", Code: "1.2", Title: "Tiêu chí báo cáo định kỳ", Depth: 1, Leaf: true, MaxPoints: 1, SelfScore: score(1)},
	}
	for name, fn := range map[string]func(io.Writer, export.Summary) error{
		"summary.pdf": export.SummaryPDF, "report.pdf": export.ReportPDF,
	} {
		t.Run(name, func(t *testing.T) {
			b := render(t, fn, s)
			runs := textRuns(t, b, 1)
			find := func(part string) run {
				t.Helper()
				for _, r := range runs {
					if strings.Contains(r.s, part) {
						return r
					}
				}
				t.Fatalf("%q not found on page 1", part)
				return run{}
			}
			field, criterion, sub := find("Lĩnh vực"), find("Tiêu chí kế hoạch"), find("Tiêu chí thành phần ban hành")
			if !(field.x < criterion.x && criterion.x < sub.x) {
				t.Errorf("x of field, criterion, sub-criterion = %.1f, %.1f, %.1f: want increasing", field.x, criterion.x, sub.x)
			}
			// Groups print bold, leaves regular (fpdf names the bold font "utf8dejavuB").
			if !strings.HasSuffix(field.font, "B") || !strings.HasSuffix(criterion.font, "B") || strings.HasSuffix(sub.font, "B") {
				t.Errorf("fonts of field, criterion, sub-criterion = %s, %s, %s", field.font, criterion.font, sub.font)
			}
		})
	}
}

// pointDecimal is a number printed the English way: a decimal point and two or
// three decimals, not followed by more digits or by a Vietnamese decimal part
// ("72.50", "19.000"; not "1.234,50", "1.000.000,00" or a code such as "1.2").
var pointDecimal = regexp.MustCompile(`\d\.\d{2,3}(?:[^\d.,]|$)`)

// dateTime is a time as printed, with seconds when there are any.
var dateTime = regexp.MustCompile(`\d\d/\d\d/\d{4} \d\d:\d\d(?::\d\d)?`)

// Both PDFs print numbers and times the Vietnamese way: the index nineteen as
// "19,000", never "19.000", which reads as nineteen thousand; thousands with
// dots; the version's time as dd/mm/yyyy HH:mm in the province's zone, even
// when it is given in another and the province is already in the next year.
func TestPDFVietnameseNumbersAndTimes(t *testing.T) {
	hcm, err := time.LoadLocation("Asia/Ho_Chi_Minh")
	if err != nil {
		t.Fatal(err)
	}
	s := fixture(2, 3)
	s.GeneratedAt = time.Date(2026, 12, 31, 17, 30, 45, 0, time.UTC) // 00:30 on 1 January in Huế
	s.Zone = hcm
	s.SelfTotal, s.MaxTotal, s.Index = 19, 100, 19
	s.Rows[1].MaxPoints, s.Rows[1].SelfScore = 1234.5, score(-0.75)
	s.Rows[2].MaxPoints, s.Rows[2].SelfScore = 1000000, score(0)
	s.Rows[5].SelfScore = nil // not scored
	for name, fn := range map[string]func(io.Writer, export.Summary) error{
		"summary.pdf": export.SummaryPDF, "report.pdf": export.ReportPDF,
	} {
		t.Run(name, func(t *testing.T) {
			text := readPDF(t, render(t, fn, s)).text()
			mustContain(t, name, text,
				"19,000", "100,00", "19,00", "1.234,50", "-0,75", "1.000.000,00", "0,00",
				"Thời điểm: 01/01/2027 00:30 ", "ngày 01 tháng 01 năm 2027")
			if m := pointDecimal.FindAllString(text, -1); m != nil {
				t.Errorf("numbers with a decimal point: %q", m)
			}
			if strings.Contains(text, "19.000") {
				t.Error(`the index prints as "19.000"`)
			}
			for _, d := range dateTime.FindAllString(text, -1) {
				if d != "01/01/2027 00:30" {
					t.Errorf("time %q, want only the version's, 01/01/2027 00:30", d)
				}
			}
			if name == "report.pdf" {
				mustContain(t, name, text, "Chỉ số: 19,000", "Tổng điểm tự chấm / Điểm tối đa: 19,00 / 100,00",
					"Điểm tối đa: 1.234,50; điểm tự chấm: -0,75", "điểm tự chấm: chưa chấm")
			} else {
				mustContain(t, name, text, "Chỉ số 19,000", "Tổng điểm tự chấm / Điểm tối đa 100,00 19,00")
			}
		})
	}
}
