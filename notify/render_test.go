package notify_test

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"parindex/notify"
	"parindex/workflow"
)

// sampleData mentions everything a message may show; the deadline is
// 17:00 on 30/11/2026 in Huế.
func sampleData() notify.Data {
	opens := time.Date(2026, 11, 15, 1, 0, 0, 0, time.UTC)
	closes := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	return notify.Data{
		Campaign:   "Chỉ số CCHC năm 2026",
		Agency:     "Sở Tư pháp",
		ReportID:   7,
		Round:      1,
		OpensAt:    &opens,
		ClosesAt:   &closes,
		Criteria:   []string{"1.2", "2.1"},
		Note:       "Bổ sung tài liệu kiểm chứng đã ký số",
		Reason:     "Thiếu nội dung giải trình tiêu chí 1.2",
		Actor:      "Trần Văn Bình",
		LeftBefore: "3 ngày",
		BaseURL:    "https://cchc.example.vn/",
	}
}

// wording is what each kind must say, beyond the names every message carries.
var wording = map[string][]string{
	notify.KindCampaignOpened: {"Đã mở kỳ: «Chỉ số CCHC năm 2026» – Sở Tư pháp", "Kỳ «Chỉ số CCHC năm 2026» đã mở cho Sở Tư pháp.", "từ 15/11/2026 08:00 đến 30/11/2026 17:00 (giờ Việt Nam)"},
	notify.KindReminder:       {"Còn 3 ngày để gửi", "chưa được gửi", "Hạn chót: 30/11/2026 17:00 (giờ Việt Nam), còn 3 ngày"},
	notify.KindReturned:       {"bị trả lại", "trong kỳ «Chỉ số CCHC năm 2026»", "Lý do: Thiếu nội dung giải trình tiêu chí 1.2", "Người trả lại: Trần Văn Bình"},
	notify.KindSubmitted:      {"đã gửi báo cáo bổ sung lần 1", "Người gửi: Trần Văn Bình", "Hội đồng thẩm định"},
	notify.KindLocked:         {"đã bị khóa", "khóa tự động", "Hạn chót: 30/11/2026 17:00 (giờ Việt Nam)"},
	notify.KindExtended:       {"Gia hạn", "Hạn chót mới: 30/11/2026 17:00 (giờ Việt Nam)", "Lý do: Thiếu nội dung giải trình"},
	notify.KindRoundOpened:    {"Đã mở đợt báo cáo bổ sung lần 1", "trong kỳ «Chỉ số CCHC năm 2026»", "Tiêu chí được bổ sung: 1.2, 2.1", "Ghi chú của Hội đồng: Bổ sung tài liệu kiểm chứng đã ký số"},
}

func TestRenderEveryKind(t *testing.T) {
	if len(wording) != len(notify.Kinds()) {
		t.Fatalf("wording covers %d kinds, Kinds lists %d", len(wording), len(notify.Kinds()))
	}
	for _, kind := range notify.Kinds() {
		t.Run(kind, func(t *testing.T) {
			msg, err := notify.Render(kind, sampleData(), "Nguyễn Thị Hương", nil)
			if err != nil {
				t.Fatal(err)
			}
			assertWording(t, kind, msg.Subject, msg.Text, msg.HTML)
		})
	}
}

// assertWording checks a message of kind as rendered or as received: the
// greeting, the agency, the link and the kind's own phrases, in text and HTML
// (labels are bold in HTML, so only their value is looked for there).
func assertWording(t *testing.T, kind, subject, text, html string) {
	t.Helper()
	if !strings.Contains(subject, "Sở Tư pháp") {
		t.Errorf("subject %q does not name the agency", subject)
	}
	for _, want := range append([]string{"Kính gửi Nguyễn Thị Hương,", "Sở Tư pháp", "https://cchc.example.vn/reports/7"}, wording[kind]...) {
		if !strings.Contains(subject+"\n"+text, want) {
			t.Errorf("text lacks %q:\n%s\n%s", want, subject, text)
		}
		if _, value, labelled := strings.Cut(want, ": "); labelled {
			want = value
		}
		if !strings.Contains(subject+"\n"+html, want) {
			t.Errorf("HTML lacks %q:\n%s", want, html)
		}
	}
	if !strings.Contains(html, `<title>`+subject+`</title>`) {
		t.Errorf("HTML title is not the subject %q:\n%s", subject, html)
	}
}

func TestRenderTimes(t *testing.T) {
	utc, err := time.LoadLocation("UTC")
	if err != nil {
		t.Fatal(err)
	}
	hcm, err := time.LoadLocation(workflow.DefaultZone)
	if err != nil {
		t.Fatal(err)
	}
	d := sampleData()
	d.OpensAt = nil
	for _, tc := range []struct {
		zone *time.Location
		want string
	}{
		{nil, "30/11/2026 17:00 (giờ Việt Nam)"},
		{hcm, "30/11/2026 17:00 (giờ Việt Nam)"},
		{utc, "30/11/2026 10:00 (UTC)"},
		{time.FixedZone("ICT", 7*3600), "30/11/2026 17:00 (ICT)"},
	} {
		msg, err := notify.Render(notify.KindLocked, d, "", tc.zone)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(msg.Text, "Hạn chót: "+tc.want) || !strings.Contains(msg.HTML, tc.want) {
			t.Errorf("zone %v: want %q in\n%s\n%s", tc.zone, tc.want, msg.Text, msg.HTML)
		}
	}
}

func TestRenderEscapesHTML(t *testing.T) {
	d := sampleData()
	d.Reason = `<script>alert("x")</script> & "trả lại"`
	d.Note = "<script>alert(1)</script>\ndòng hai"
	d.Agency = "Sở <b>Tư</b> pháp"
	for _, kind := range []string{notify.KindReturned, notify.KindExtended, notify.KindRoundOpened} {
		msg, err := notify.Render(kind, d, "<i>Hương</i>", nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, bad := range []string{"<script", "<b>", "<i>"} {
			if strings.Contains(msg.HTML, bad) {
				t.Errorf("%s: HTML contains %q unescaped:\n%s", kind, bad, msg.HTML)
			}
		}
		if !strings.Contains(msg.HTML, "&lt;script&gt;alert(") {
			t.Errorf("%s: HTML does not show the script as text:\n%s", kind, msg.HTML)
		}
		// The plain-text part is not HTML: it shows what was typed.
		if !strings.Contains(msg.Text, "<script>alert(") {
			t.Errorf("%s: text lost the reason or note:\n%s", kind, msg.Text)
		}
	}
	msg, err := notify.Render(notify.KindRoundOpened, d, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(msg.HTML, "&lt;script&gt;alert(1)&lt;/script&gt;<br>dòng hai") {
		t.Errorf("a note keeps its line break in HTML:\n%s", msg.HTML)
	}
}

func TestRenderLinkIsSafe(t *testing.T) {
	d := sampleData()
	d.BaseURL = "javascript:alert(1)"
	msg, err := notify.Render(notify.KindSubmitted, d, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(msg.HTML, `href="javascript`) {
		t.Errorf("a javascript: link survived:\n%s", msg.HTML)
	}

	d.BaseURL = ""
	if msg, err = notify.Render(notify.KindSubmitted, d, "", nil); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(msg.Text, "Xem báo cáo") || strings.Contains(msg.HTML, "<a ") {
		t.Errorf("no base URL, yet a link:\n%s\n%s", msg.Text, msg.HTML)
	}
}

func TestRenderGreetingAndRound(t *testing.T) {
	d := sampleData()
	d.Round = 0
	msg, err := notify.Render(notify.KindSubmitted, d, "  ", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(msg.Text, "Kính gửi Ông/Bà,\n") {
		t.Errorf("greeting without a name:\n%s", msg.Text)
	}
	if msg.Subject != "Sở Tư pháp đã gửi báo cáo tự đánh giá" {
		t.Errorf("round 0 subject = %q", msg.Subject)
	}
}

func TestRenderNormalizesToNFC(t *testing.T) {
	d := sampleData()
	d.Agency = "Sở Tu\u031b pha\u0301p" // "Sở Tư pháp" typed with combining marks
	msg, err := notify.Render(notify.KindSubmitted, d, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(msg.Subject, "Sở Tư pháp ") {
		t.Errorf("subject %q is not in NFC", msg.Subject)
	}
}

func TestRenderSubjectIsOneLine(t *testing.T) {
	d := sampleData()
	d.Agency = "Sở Tư pháp\r\nBcc: x@example.vn"
	msg, err := notify.Render(notify.KindSubmitted, d, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(msg.Subject, "\r\n") {
		t.Errorf("subject %q spans lines", msg.Subject)
	}
}

func TestRenderRefusesBadInput(t *testing.T) {
	_, err := notify.Render("birthday", sampleData(), "", nil)
	if workflow.ErrorCode(err) != workflow.EINVALID {
		t.Errorf("unknown kind: err = %v, want %s", err, workflow.EINVALID)
	}

	d := sampleData()
	d.ClosesAt = nil
	d.Agency = ""
	_, err = notify.Render(notify.KindReminder, d, "", nil)
	if workflow.ErrorCode(err) != workflow.EINVALID {
		t.Fatalf("reminder without deadline: err = %v, want %s", err, workflow.EINVALID)
	}
	var fields []string
	for _, f := range workflow.ErrorFields(err) {
		fields = append(fields, f.Field)
	}
	if got := strings.Join(fields, ","); got != "agency,closes_at" {
		t.Errorf("fields = %s, want agency,closes_at", got)
	}

	// Kinds about an event, not a deadline, do without closes_at.
	if _, err := notify.Render(notify.KindSubmitted, notify.Data{Campaign: "CCHC 2026", Agency: "Sở Y tế"}, "", nil); err != nil {
		t.Errorf("submitted with the bare minimum: %v", err)
	}
}

func TestFormatLeft(t *testing.T) {
	for _, tc := range []struct {
		d    time.Duration
		want string
	}{
		{72 * time.Hour, "3 ngày"},
		{36 * time.Hour, "1 ngày 12 giờ"},
		{24*time.Hour + 30*time.Minute, "1 ngày"},
		{2 * time.Hour, "2 giờ"},
		{90 * time.Minute, "1 giờ 30 phút"},
		{30 * time.Minute, "30 phút"},
		{20 * time.Second, "dưới 1 phút"},
	} {
		if got := notify.FormatLeft(tc.d); got != tc.want {
			t.Errorf("FormatLeft(%s) = %q, want %q", tc.d, got, tc.want)
		}
	}
}

func TestDataJSON(t *testing.T) {
	b, err := json.Marshal(sampleData())
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"campaign", "agency", "report_id", "round", "opens_at", "closes_at", "criteria", "note", "reason", "actor", "left_before", "base_url"} {
		if !strings.Contains(string(b), `"`+key+`":`) {
			t.Errorf("JSON lacks %q: %s", key, b)
		}
	}
	var back notify.Data
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if !back.ClosesAt.Equal(*sampleData().ClosesAt) || back.Agency != "Sở Tư pháp" {
		t.Errorf("round trip = %+v", back)
	}
	b, _ = json.Marshal(notify.Data{Campaign: "c", Agency: "a"})
	if strings.Contains(string(b), "closes_at") || strings.Contains(string(b), "criteria") {
		t.Errorf("empty optional fields are written: %s", b)
	}
}

// TestRenderReadsWithRealCampaignNames: a campaign's name is quoted, never
// run into the sentence, so that a name that itself begins with "Tự đánh
// giá" or "Kỳ" reads naturally ("Đã mở kỳ: «Tự đánh giá …»", not "Mở kỳ tự
// đánh giá Tự đánh giá …"); quotes the name already has are not doubled.
func TestRenderReadsWithRealCampaignNames(t *testing.T) {
	for _, name := range []string{"Tự đánh giá Chỉ số CCHC năm 2026", "Kỳ tự đánh giá năm 2026", "«Chỉ số CCHC 2026»", "Đánh giá \"PAR Index\" 2026"} {
		d := sampleData()
		d.Campaign = name
		quoted := "«" + strings.Trim(name, "«»\" ") + "»"
		for _, kind := range notify.Kinds() {
			msg, err := notify.Render(kind, d, "", nil)
			if err != nil {
				t.Fatal(err)
			}
			all := msg.Subject + "\n" + msg.Text
			lower := strings.ToLower(all)
			for _, doubled := range []string{"tự đánh giá tự đánh giá", "kỳ tự đánh giá «tự đánh giá", "kỳ kỳ", "««", "»»"} {
				if strings.Contains(lower, doubled) {
					t.Errorf("%s with %q reads %q:\n%s", kind, name, doubled, all)
				}
			}
			if kind != notify.KindSubmitted || strings.Contains(all, "trong kỳ") {
				if !strings.Contains(msg.Text, quoted) {
					t.Errorf("%s does not quote the campaign as %s:\n%s", kind, quoted, msg.Text)
				}
			}
		}
		msg, err := notify.Render(notify.KindCampaignOpened, d, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		if want := "Đã mở kỳ: " + quoted + " – Sở Tư pháp"; msg.Subject != want {
			t.Errorf("subject %q, want %q", msg.Subject, want)
		}
	}
}
