package notify

import (
	"fmt"
	htmltemplate "html/template"
	"strconv"
	"strings"
	"text/template"
	"time"

	"parindex/workflow"
)

// vietnam is the province's zone, used when Render is given none; the
// workflow package embeds the zone database, so this cannot fail.
var vietnam = mustLoadLocation(workflow.DefaultZone)

func mustLoadLocation(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// Render writes the message of one notification in Vietnamese for the
// recipient (the greeting falls back to "Ông/Bà" without a name). Times are
// shown as dd/MM/yyyy HH:mm in zone (nil means Asia/Ho_Chi_Minh), followed by
// "(giờ Việt Nam)" for the province's zone and the zone's name otherwise.
// It returns an EINVALID error for an unknown kind and for data the kind
// cannot do without (campaign, agency, and closes_at where a deadline is the
// point), so that a broken outbox row fails once instead of being retried.
func Render(kind string, data Data, recipientName string, zone *time.Location) (Message, error) {
	if zone == nil {
		zone = vietnam
	}
	d := normalize(data)
	compose, ok := composers[kind]
	if !ok {
		return Message{}, workflow.Errorf(workflow.EINVALID, "Không có loại thông báo «%s».", kind)
	}
	if err := d.require(kind); err != nil {
		return Message{}, err
	}
	p := compose(d, times{zone})
	p.Subject = strings.Join(strings.Fields(p.Subject), " ") // one line, whatever a name held
	p.Greeting = "Kính gửi Ông/Bà,"
	if name := workflow.NormalizeText(recipientName); name != "" {
		p.Greeting = "Kính gửi " + name + ","
	}
	p.Link, p.LinkText = d.link()

	var text, html strings.Builder
	if err := textLayout.Execute(&text, p); err != nil {
		return Message{}, fmt.Errorf("notify: render %s text: %w", kind, err)
	}
	if err := htmlLayout.Execute(&html, p); err != nil {
		return Message{}, fmt.Errorf("notify: render %s html: %w", kind, err)
	}
	return Message{Subject: p.Subject, Text: strings.TrimSpace(text.String()) + "\n", HTML: html.String()}, nil
}

// FormatLeft writes a reminder offset the way LeftBefore expects it:
// "3 ngày", "1 ngày 12 giờ", "2 giờ", "30 phút" (rounded down to the minute).
func FormatLeft(d time.Duration) string {
	days, hours, minutes := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour), int(d%time.Hour/time.Minute)
	var parts []string
	if days > 0 {
		parts = append(parts, strconv.Itoa(days)+" ngày")
	}
	if hours > 0 {
		parts = append(parts, strconv.Itoa(hours)+" giờ")
	}
	if minutes > 0 && days == 0 {
		parts = append(parts, strconv.Itoa(minutes)+" phút")
	}
	if len(parts) == 0 {
		return "dưới 1 phút"
	}
	return strings.Join(parts, " ")
}

// page is what both layouts show: a greeting, paragraphs (some labelled,
// "Lý do: …") and a link.
type page struct {
	Subject  string
	Greeting string
	Lines    []line
	Link     string
	LinkText string
}

// line is one paragraph; a multi-line text (a reason, a note) keeps its line
// breaks in HTML too.
type line struct {
	Label string
	Text  string
}

// Parts splits the text at its line breaks for the HTML layout.
func (l line) Parts() []string { return strings.Split(l.Text, "\n") }

var textLayout = template.Must(template.New("text").Parse(
	`{{.Greeting}}

{{range .Lines}}{{if .Label}}{{.Label}}: {{end}}{{.Text}}

{{end}}{{with .Link}}{{$.LinkText}}: {{.}}{{end}}`))

// htmlLayout escapes every value (html/template): a reason containing
// <script> shows as text, and a link that is not http(s) becomes "#ZgotmplZ".
var htmlLayout = htmltemplate.Must(htmltemplate.New("html").Parse(`<!DOCTYPE html>
<html lang="vi">
<head><meta charset="utf-8"><title>{{.Subject}}</title></head>
<body style="font-family: Arial, Helvetica, sans-serif; font-size: 15px; line-height: 1.5; color: #222;">
<p>{{.Greeting}}</p>
{{range .Lines}}<p>{{if .Label}}<strong>{{.Label}}:</strong> {{end}}{{range $i, $part := .Parts}}{{if $i}}<br>{{end}}{{$part}}{{end}}</p>
{{end}}{{with .Link}}<p><a href="{{.}}" style="color: #0b5cad;">{{$.LinkText}}</a></p>
{{end}}</body>
</html>
`))

// normalize puts every text in NFC, so that Vietnamese typed decomposed reads
// (and compares) like the rest.
func normalize(d Data) Data {
	d.Campaign = workflow.NormalizeText(d.Campaign)
	d.Agency = workflow.NormalizeText(d.Agency)
	d.Note = workflow.NormalizeText(d.Note)
	d.Reason = workflow.NormalizeText(d.Reason)
	d.Actor = workflow.NormalizeText(d.Actor)
	d.LeftBefore = workflow.NormalizeText(d.LeftBefore)
	d.BaseURL = strings.TrimRight(strings.TrimSpace(d.BaseURL), "/")
	codes := make([]string, 0, len(d.Criteria))
	for _, c := range d.Criteria {
		if c = workflow.NormalizeText(c); c != "" {
			codes = append(codes, c)
		}
	}
	d.Criteria = codes
	return d
}

// require refuses data the kind cannot be written without.
func (d Data) require(kind string) error {
	var fields []workflow.FieldError
	if d.Campaign == "" {
		fields = append(fields, workflow.Field("campaign", "Bắt buộc."))
	}
	if d.Agency == "" {
		fields = append(fields, workflow.Field("agency", "Bắt buộc."))
	}
	switch kind {
	case KindCampaignOpened, KindReminder, KindExtended, KindRoundOpened:
		if d.ClosesAt == nil {
			fields = append(fields, workflow.Field("closes_at", "Bắt buộc với thông báo loại %s.", kind))
		}
	}
	if fields != nil {
		return workflow.Errorf(workflow.EINVALID, "Thông báo loại %s thiếu dữ liệu.", kind).WithFields(fields...)
	}
	return nil
}

// link is the report's page in the web app, or the app itself for a message
// about no one report.
func (d Data) link() (url, text string) {
	switch {
	case d.BaseURL == "":
		return "", ""
	case d.ReportID == 0:
		return d.BaseURL, "Truy cập phần mềm"
	}
	return d.BaseURL + "/reports/" + strconv.FormatInt(d.ReportID, 10), "Xem báo cáo"
}

// report names the report of the round: "báo cáo tự đánh giá" in round 0,
// "báo cáo bổ sung lần N" after.
func (d Data) report() string {
	if d.Round > 0 {
		return "báo cáo bổ sung lần " + strconv.Itoa(d.Round)
	}
	return "báo cáo tự đánh giá"
}

// reportTitle is report at the start of a sentence.
func (d Data) reportTitle() string { return "B" + strings.TrimPrefix(d.report(), "b") }

// times formats instants in the recipient's zone.
type times struct{ zone *time.Location }

func (t times) at(when time.Time) string {
	return t.clock(when) + " " + t.label()
}

func (t times) clock(when time.Time) string {
	return when.In(t.zone).Format("02/01/2006 15:04")
}

// label names the zone after a time: "(giờ Việt Nam)" for the province's.
func (t times) label() string {
	if name := t.zone.String(); name != workflow.DefaultZone && name != "Asia/Saigon" {
		return "(" + name + ")"
	}
	return "(giờ Việt Nam)"
}

// window is "từ … đến … (zone)", or the deadline alone when the start is
// unknown.
func (t times) window(d Data) line {
	if d.OpensAt == nil {
		return line{"Hạn chót", t.at(*d.ClosesAt)}
	}
	return line{"Thời gian", "từ " + t.clock(*d.OpensAt) + " đến " + t.clock(*d.ClosesAt) + " " + t.label()}
}

// named is a campaign's name as a sentence quotes it: «Tự đánh giá Chỉ số
// CCHC năm 2026», so that the sentence reads whatever the name says (it may
// itself begin with "Tự đánh giá" or "Kỳ"). Quotes the name already has are
// not doubled.
func named(name string) string {
	return "«" + strings.Trim(name, "«»\"“” ") + "»"
}

// composers hold the wording of each kind: a subject and the paragraphs.
// The campaign is always quoted (named); the subject names the agency.
var composers = map[string]func(d Data, t times) page{
	KindCampaignOpened: func(d Data, t times) page {
		return page{
			Subject: "Đã mở kỳ: " + named(d.Campaign) + " – " + d.Agency,
			Lines: []line{
				{"", "Kỳ " + named(d.Campaign) + " đã mở cho " + d.Agency + "."},
				t.window(d),
				{"", "Người cập nhật báo cáo nhập điểm tự chấm, đính kèm tài liệu kiểm chứng hoặc nội dung giải trình cho từng tiêu chí; người phê duyệt báo cáo kiểm tra, ký số bảng tổng hợp và Gửi báo cáo trước thời hạn. Hết thời hạn, phần mềm tự động khóa báo cáo."},
			},
		}
	},
	KindReminder: func(d Data, t times) page {
		subject := "Nhắc hạn gửi " + d.report() + " – " + d.Agency
		deadline := t.at(*d.ClosesAt)
		if d.LeftBefore != "" {
			subject = "Còn " + d.LeftBefore + " để gửi " + d.report() + " – " + d.Agency
			deadline += ", còn " + d.LeftBefore
		}
		return page{
			Subject: subject,
			Lines: []line{
				{"", d.reportTitle() + " của " + d.Agency + " trong kỳ " + named(d.Campaign) + " chưa được gửi."},
				{"Hạn chót", deadline},
				{"", "Đề nghị đơn vị hoàn thành, ký số và Gửi báo cáo trước thời hạn. Hết thời hạn, phần mềm tự động khóa báo cáo và đơn vị không thể cập nhật."},
			},
		}
	},
	KindReturned: func(d Data, t times) page {
		lines := []line{{"", d.reportTitle() + " của " + d.Agency + " trong kỳ " + named(d.Campaign) + " đã bị trả lại để chỉnh sửa."}}
		lines = appendIf(lines, "Người trả lại", d.Actor)
		lines = appendIf(lines, "Lý do", d.Reason)
		if d.ClosesAt != nil {
			lines = append(lines, line{"Hạn chót", t.at(*d.ClosesAt)})
		}
		lines = append(lines, line{"", "Sau khi chỉnh sửa, đề nghị hoàn thành lại báo cáo để người phê duyệt xem xét."})
		return page{Subject: d.reportTitle() + " của " + d.Agency + " bị trả lại", Lines: lines}
	},
	KindSubmitted: func(d Data, t times) page {
		lines := []line{{"", d.Agency + " đã gửi " + d.report() + " trong kỳ " + named(d.Campaign) + "."}}
		lines = appendIf(lines, "Người gửi", d.Actor)
		lines = append(lines, line{"", "Báo cáo đã sẵn sàng để Hội đồng thẩm định."})
		return page{Subject: d.Agency + " đã gửi " + d.report(), Lines: lines}
	},
	KindLocked: func(d Data, t times) page {
		lines := []line{{"", d.reportTitle() + " của " + d.Agency + " trong kỳ " + named(d.Campaign) + " chưa được gửi khi hết thời hạn nên đã bị khóa tự động."}}
		if d.ClosesAt != nil {
			lines = append(lines, line{"Hạn chót", t.at(*d.ClosesAt)})
		}
		lines = append(lines, line{"", "Đơn vị không thể cập nhật báo cáo, trừ khi Hội đồng thẩm định gia hạn hoặc mở đợt báo cáo bổ sung."})
		return page{Subject: d.reportTitle() + " của " + d.Agency + " đã bị khóa", Lines: lines}
	},
	KindExtended: func(d Data, t times) page {
		lines := []line{{"", "Thời hạn gửi " + d.report() + " của " + d.Agency + " trong kỳ " + named(d.Campaign) + " đã được gia hạn."}}
		lines = append(lines, line{"Hạn chót mới", t.at(*d.ClosesAt)})
		lines = appendIf(lines, "Người gia hạn", d.Actor)
		lines = appendIf(lines, "Lý do", d.Reason)
		lines = append(lines, line{"", "Báo cáo đã được mở lại để đơn vị tiếp tục hoàn thành, ký số và Gửi báo cáo."})
		return page{Subject: "Gia hạn " + d.report() + " – " + d.Agency, Lines: lines}
	},
	KindRoundOpened: func(d Data, t times) page {
		round := "đợt báo cáo bổ sung lần " + strconv.Itoa(d.Round)
		criteria := "tất cả các tiêu chí do đơn vị tự chấm"
		if len(d.Criteria) > 0 {
			criteria = strings.Join(d.Criteria, ", ")
		}
		lines := []line{
			{"", "Hội đồng thẩm định đã mở " + round + " cho " + d.Agency + " trong kỳ " + named(d.Campaign) + "."},
			t.window(d),
			{"Tiêu chí được bổ sung", criteria},
		}
		lines = appendIf(lines, "Ghi chú của Hội đồng", d.Note)
		lines = append(lines, line{"", "Người cập nhật báo cáo bổ sung tài liệu kiểm chứng hoặc nội dung giải trình cho các tiêu chí trên; người phê duyệt báo cáo kiểm tra, ký số và Gửi báo cáo trước thời hạn. Hết thời hạn, phần mềm tự động khóa báo cáo."})
		return page{Subject: "Đã mở " + round + " – " + d.Agency, Lines: lines}
	},
}

// appendIf adds a labelled paragraph when there is something to say.
func appendIf(lines []line, label, text string) []line {
	if text == "" {
		return lines
	}
	return append(lines, line{label, text})
}
