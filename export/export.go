// Package export renders one agency's self-assessment report at one version as the
// documents the agency signs and files: the summary table (Bảng tổng hợp kết quả tự
// đánh giá) as XLSX and PDF, and the self-assessment report (Báo cáo tự đánh giá) as
// PDF. The caller fills a Summary; the same Summary always gives the same bytes.
package export

import (
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"golang.org/x/text/unicode/norm"

	"parindex/workflow"
)

// Summary is everything an export prints: the report's identity and version, its
// criteria in order and the totals. Points and the index are numbers, which the
// exports print the Vietnamese way (see Number) and store as numbers in the XLSX;
// the caller computes them exactly (workflow.Points) and converts them last, so
// that each prints back exactly: points with two decimals, the index with three.
type Summary struct {
	Province   string // "Tỉnh Thừa Thiên Huế"
	Agency     string // "Sở Tư pháp"
	AgencyCode string
	Campaign   string // "Chỉ số CCHC năm 2026"
	Year       int
	ReportID   int64
	Round      int // 0 = tự đánh giá, 1.. = bổ sung
	Version    int64
	State      string // workflow state, e.g. "reviewed"
	// GeneratedAt is the time of the report's current version: it is printed
	// and becomes the documents' dates, so an export depends on the version only.
	GeneratedAt time.Time
	// Zone is the province's: times print in it. Nil prints GeneratedAt in its
	// own location.
	Zone      *time.Location
	Rows      []Row   // the criteria tree in order, groups and leaves
	SelfTotal float64 // 72.5, printed "72,50"
	MaxTotal  float64 // 100, printed "100,00"
	Index     float64 // 72.5, printed "72,500"
	Digest    string  // 64 hex digits: SHA-256 of the report's content
}

// Row is one line of the criteria tree: a group (field or criterion with children)
// or a leaf.
type Row struct {
	STT         string // printed as given: "1", "1.1", "I", "a"
	Code        string // criterion code, "1.1.2"
	Title       string
	Depth       int  // 0 = top group; titles are indented by depth
	Leaf        bool // groups print bold
	MaxPoints   float64
	SelfScore   *float64 // nil when not scored; groups carry subtotals
	Evidence    []Evidence
	Explanation string // Giải trình
	Exempt      bool   // prints "Miễn trừ" instead of a score
}

// Evidence names one evidence file and whether it carries a digital signature.
type Evidence struct {
	Name   string
	Signed bool
}

// The column headings every export shares, in order.
var columns = []string{"STT", "Mã", "Tiêu chí", "Điểm tối đa", "Điểm tự chấm", "Tài liệu kiểm chứng", "Giải trình"}

// Fixed wording shared by the formats.
const (
	summaryTitle   = "BẢNG TỔNG HỢP KẾT QUẢ TỰ ĐÁNH GIÁ"
	reportTitle    = "BÁO CÁO TỰ ĐÁNH GIÁ, CHẤM ĐIỂM CHỈ SỐ CẢI CÁCH HÀNH CHÍNH"
	nationName     = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
	nationMotto    = "Độc lập - Tự do - Hạnh phúc"
	totalLabel     = "Tổng điểm tự chấm / Điểm tối đa"
	indexLabel     = "Chỉ số"
	signerTitle    = "LÃNH ĐẠO ĐƠN VỊ"
	signerHint     = "(Ký số, ghi rõ họ tên)"
	exemptText     = "Miễn trừ"
	unscoredText   = "chưa chấm"
	timeLabel      = "Thời điểm:"
	author         = "parindex"
	keywordsPrefix = "parindex:"
)

// Keywords returns the PDF Keywords the exports carry, so that a signed copy coming
// back can be matched to its report and version:
// "parindex:report=<id>;version=<v>;sha256=<digest>".
func Keywords(s Summary) string {
	return fmt.Sprintf("%sreport=%d;version=%d;sha256=%s", keywordsPrefix, s.ReportID, s.Version, strings.ToLower(s.Digest))
}

// ParseKeywords reads back what Keywords wrote, wherever it sits among other
// keywords; ok is false when any of the three values is absent or malformed.
func ParseKeywords(kw string) (reportID, version int64, digest string, ok bool) {
	i := strings.Index(kw, keywordsPrefix)
	if i < 0 {
		return 0, 0, "", false
	}
	rest := kw[i+len(keywordsPrefix):]
	if end := strings.IndexAny(rest, " \t\r\n,"); end >= 0 {
		rest = rest[:end]
	}
	var haveID, haveVersion bool
	for _, field := range strings.Split(rest, ";") {
		key, value, _ := strings.Cut(field, "=")
		var err error
		switch key {
		case "report":
			reportID, err = strconv.ParseInt(value, 10, 64)
			haveID = err == nil
		case "version":
			version, err = strconv.ParseInt(value, 10, 64)
			haveVersion = err == nil
		case "sha256":
			if validDigest(value) {
				digest = strings.ToLower(value)
			}
		}
	}
	if !haveID || !haveVersion || digest == "" {
		return 0, 0, "", false
	}
	return reportID, version, digest, true
}

// validate refuses a Summary whose identity could not be checked later: the digest
// printed on every page and carried in the keywords must be a SHA-256.
func validate(s Summary) error {
	if !validDigest(s.Digest) {
		return workflow.Errorf(workflow.EINVALID, "Mã băm của bảng tổng hợp phải gồm 64 chữ số thập lục phân; nhận được «%s».", s.Digest)
	}
	return nil
}

func validDigest(d string) bool {
	if len(d) != 64 {
		return false
	}
	_, err := hex.DecodeString(d)
	return err == nil
}

// roundLabel names the round the way the agency knows it.
func roundLabel(round int) string {
	if round <= 0 {
		return "Vòng tự đánh giá"
	}
	return fmt.Sprintf("Vòng bổ sung %d", round)
}

// stateLabels are the workflow states in Vietnamese; an unknown state prints as is.
var stateLabels = map[workflow.State]string{
	workflow.StateDraft:     "Đang cập nhật",
	workflow.StateEntered:   "Đã cập nhật xong",
	workflow.StateReviewed:  "Đã phê duyệt",
	workflow.StateSigned:    "Đã ký số",
	workflow.StateSubmitted: "Đã gửi báo cáo",
	workflow.StateLocked:    "Đã khóa",
}

func stateLabel(state string) string {
	if l, ok := stateLabels[workflow.State(state)]; ok {
		return l
	}
	return state
}

// generatedAt is the version's time in the province's zone.
func generatedAt(s Summary) time.Time { return inZone(s.GeneratedAt, s.Zone) }

// versionLine is the header's one line of identity: round, version and state,
// then, in the PDFs, the version's time (the XLSX gives it a date cell of its
// own).
func versionLine(s Summary, withTime bool) string {
	line := fmt.Sprintf("%s · Phiên bản %d · Trạng thái: %s", roundLabel(s.Round), s.Version, stateLabel(s.State))
	if withTime {
		line += " · " + timeLabel + " " + DateTime(s.GeneratedAt, s.Zone)
	}
	return line
}

// agencyLine names the agency and its code.
func agencyLine(s Summary) string {
	if s.AgencyCode == "" {
		return "Đơn vị: " + s.Agency
	}
	return fmt.Sprintf("Đơn vị: %s (mã %s)", s.Agency, s.AgencyCode)
}

// footerText is printed on every page of the PDFs, beside the page number.
func footerText(s Summary) string {
	return fmt.Sprintf("Phiên bản %d · SHA-256: %s", s.Version, strings.ToLower(s.Digest))
}

// scoreText is a row's self score as printed: "" when not scored.
func scoreText(r Row) string {
	switch {
	case r.Exempt:
		return exemptText
	case r.SelfScore == nil:
		return ""
	}
	return Number(*r.SelfScore, pointDecimals)
}

// pointsText is points as printed: "1.234,50".
func pointsText(p float64) string { return Number(p, pointDecimals) }

// indexText is the index as printed: "72,500".
func indexText(i float64) string { return Number(i, indexDecimals) }

// evidenceText names one file and says whether it is signed.
func evidenceText(e Evidence) string {
	if e.Signed {
		return e.Name + " (đã ký số)"
	}
	return e.Name + " (không ký số)"
}

// evidenceLines is a row's evidence, one file a line.
func evidenceLines(r Row) []string {
	lines := make([]string, len(r.Evidence))
	for i, e := range r.Evidence {
		lines[i] = evidenceText(e)
	}
	return lines
}

// clean makes caller text safe to print: NFC, so that decomposed Vietnamese uses the
// font's precomposed glyphs; tabs and other control characters as spaces; and
// characters outside the Basic Multilingual Plane, which the PDF fonts cannot
// address, as U+FFFD.
func clean(s string) string {
	s = norm.NFC.String(s)
	return strings.Map(func(r rune) rune {
		switch {
		case r == '\n':
			return r
		case r == '\r':
			return -1
		case r < 0x20 || r == 0x7f:
			return ' '
		case r > 0xFFFF:
			return '\uFFFD'
		}
		return r
	}, s)
}
