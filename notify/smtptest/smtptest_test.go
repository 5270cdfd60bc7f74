package smtptest_test

import (
	"net/smtp"
	"strings"
	"testing"
	"time"

	"parindex/notify/smtptest"
)

// A message as another mailer might write it: base64 parts inside
// multipart/mixed, a B-encoded subject.
const rawMessage = "From: cchc@example.vn\r\n" +
	"To: a@example.vn\r\n" +
	"Subject: =?UTF-8?B?QsOhbyBjw6FvIMSRw6MgYuG7iyBraMOzYQ==?=\r\n" +
	"MIME-Version: 1.0\r\n" +
	"Content-Type: multipart/mixed; boundary=outer\r\n" +
	"\r\n" +
	"--outer\r\n" +
	"Content-Type: multipart/alternative; boundary=inner\r\n" +
	"\r\n" +
	"--inner\r\n" +
	"Content-Type: text/plain; charset=UTF-8\r\n" +
	"Content-Transfer-Encoding: base64\r\n" +
	"\r\n" +
	"S8OtbmggZ+G7rWkgTmd1eeG7hW4g\r\nVGjhu4sgSMawxqFuZw==\r\n" +
	"--inner\r\n" +
	"Content-Type: text/html; charset=UTF-8\r\n" +
	"Content-Transfer-Encoding: quoted-printable\r\n" +
	"\r\n" +
	"<p>Kh=C3=B3a</p>\r\n" +
	"--inner--\r\n" +
	"--outer--\r\n"

func TestDecodesNestedBase64(t *testing.T) {
	srv := smtptest.Start(t)
	if err := smtp.SendMail(srv.Addr, nil, "cchc@example.vn", []string{"a@example.vn", "b@example.vn"}, []byte(rawMessage)); err != nil {
		t.Fatal(err)
	}
	r := srv.WaitFor(t, 1, 5*time.Second)[0]
	if r.Subject != "Báo cáo đã bị khóa" {
		t.Errorf("subject = %q", r.Subject)
	}
	if r.Text != "Kính gửi Nguyễn Thị Hương" {
		t.Errorf("text = %q", r.Text)
	}
	if strings.TrimSpace(r.HTML) != "<p>Khóa</p>" {
		t.Errorf("HTML = %q", r.HTML)
	}
	if r.From != "cchc@example.vn" || strings.Join(r.To, ",") != "a@example.vn,b@example.vn" {
		t.Errorf("envelope = %s → %v", r.From, r.To)
	}
}

func TestFailAndRejectNext(t *testing.T) {
	srv := smtptest.Start(t)
	send := func() error {
		return smtp.SendMail(srv.Addr, nil, "cchc@example.vn", []string{"a@example.vn"}, []byte(rawMessage))
	}
	srv.FailNext(1)
	srv.RejectNext(1)
	if err := send(); err == nil || !strings.HasPrefix(err.Error(), "451") {
		t.Errorf("first send: %v, want 451", err)
	}
	if err := send(); err == nil || !strings.HasPrefix(err.Error(), "554") {
		t.Errorf("second send: %v, want 554", err)
	}
	if err := send(); err != nil {
		t.Errorf("third send: %v", err)
	}
	if n := len(srv.WaitFor(t, 1, 5*time.Second)); n != 1 || len(srv.Messages()) != 1 {
		t.Errorf("%d messages kept, want 1", n)
	}
}
