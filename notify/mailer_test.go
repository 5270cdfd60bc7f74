package notify_test

import (
	"bytes"
	"context"
	"fmt"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"parindex/notify"
	"parindex/notify/smtptest"
)

const testFrom = "Sở Nội vụ <cchc@example.vn>"

// newMailer returns a mailer delivering to srv in plain text.
func newMailer(t testing.TB, srv *smtptest.Server) *notify.Mailer {
	t.Helper()
	m, err := notify.NewMailer(notify.Config{
		Host: srv.Host, Port: srv.Port, TLS: notify.TLSNone, From: testFrom, Timeout: 5 * time.Second,
	}, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	if !m.Configured() {
		t.Fatal("a mailer with a host is not configured")
	}
	return m
}

func mustRender(t testing.TB, kind string, d notify.Data) notify.Message {
	t.Helper()
	msg, err := notify.Render(kind, d, "Nguyễn Thị Hương", nil)
	if err != nil {
		t.Fatal(err)
	}
	return msg
}

// crlf undoes the line ends SMTP puts on the wire.
func crlf(s string) string { return strings.ReplaceAll(s, "\r\n", "\n") }

func TestSendEveryKind(t *testing.T) {
	srv := smtptest.Start(t)
	m := newMailer(t, srv)
	sent := map[string]notify.Message{}
	for _, kind := range notify.Kinds() {
		msg := mustRender(t, kind, sampleData())
		sent[kind] = msg
		if err := m.Send(context.Background(), "huong.nt@sotuphap.example.vn", "Nguyễn Thị Hương", msg); err != nil {
			t.Fatalf("%s: %v", kind, err)
		}
	}

	got := srv.WaitFor(t, len(notify.Kinds()), 5*time.Second)
	for i, kind := range notify.Kinds() {
		r, msg := got[i], sent[kind]
		t.Run(kind, func(t *testing.T) {
			if r.Subject != msg.Subject {
				t.Errorf("subject = %q, want %q", r.Subject, msg.Subject)
			}
			if crlf(r.Text) != msg.Text {
				t.Errorf("text differs:\n got %q\nwant %q", crlf(r.Text), msg.Text)
			}
			if crlf(r.HTML) != msg.HTML {
				t.Errorf("HTML differs:\n got %q\nwant %q", crlf(r.HTML), msg.HTML)
			}
			assertWording(t, kind, r.Subject, r.Text, r.HTML)

			if r.From != "cchc@example.vn" || len(r.To) != 1 || r.To[0] != "huong.nt@sotuphap.example.vn" {
				t.Errorf("envelope = %s → %v", r.From, r.To)
			}
			for header, want := range map[string]mail.Address{
				"To":   {Name: "Nguyễn Thị Hương", Address: "huong.nt@sotuphap.example.vn"},
				"From": {Name: "Sở Nội vụ", Address: "cchc@example.vn"},
			} {
				a, err := mail.ParseAddress(r.Header.Get(header)) // decodes RFC 2047
				if err != nil || *a != want {
					t.Errorf("%s = %q (%v), want %v", header, r.Header.Get(header), err, want)
				}
			}
			if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "multipart/alternative;") {
				t.Errorf("Content-Type = %q", ct)
			}
			raw := string(r.Data)
			for _, want := range []string{"charset=UTF-8", "Auto-Submitted: auto-generated"} {
				if !strings.Contains(raw, want) {
					t.Errorf("the message lacks %q:\n%s", want, raw)
				}
			}
			// Everything Vietnamese is encoded: the raw message is 7-bit.
			for _, b := range r.Data {
				if b >= 0x80 {
					t.Fatalf("raw message has 8-bit byte %#x", b)
				}
			}
		})
	}
}

func TestSendEscapedReasonArrivesEscaped(t *testing.T) {
	srv := smtptest.Start(t)
	d := sampleData()
	d.Reason = "<script>alert('trả lại')</script>"
	if err := newMailer(t, srv).Send(context.Background(), "a@example.vn", "", mustRender(t, notify.KindReturned, d)); err != nil {
		t.Fatal(err)
	}
	r := srv.WaitFor(t, 1, 5*time.Second)[0]
	if strings.Contains(r.HTML, "<script") || !strings.Contains(r.HTML, "&lt;script&gt;alert(&#39;trả lại&#39;)&lt;/script&gt;") {
		t.Errorf("HTML part:\n%s", r.HTML)
	}
	if !strings.Contains(r.Text, "Lý do: <script>alert('trả lại')</script>") {
		t.Errorf("text part:\n%s", r.Text)
	}
}

func TestSendTemporaryFailureThenSuccess(t *testing.T) {
	srv := smtptest.Start(t)
	m := newMailer(t, srv)
	msg := mustRender(t, notify.KindReminder, sampleData())
	srv.FailNext(2)
	for i := range 2 {
		err := m.Send(context.Background(), "a@example.vn", "", msg)
		if err == nil {
			t.Fatalf("send %d: no error while the server fails", i+1)
		}
		if notify.IsPermanent(err) {
			t.Errorf("send %d: a 451 is permanent: %v", i+1, err)
		}
		if !strings.Contains(err.Error(), "451") {
			t.Errorf("send %d: the error does not quote the server: %v", i+1, err)
		}
	}
	if err := m.Send(context.Background(), "a@example.vn", "", msg); err != nil {
		t.Fatalf("send 3: %v", err)
	}
	srv.WaitFor(t, 1, 5*time.Second)
	if n := len(srv.Messages()); n != 1 {
		t.Errorf("%d messages received, want 1", n)
	}
}

func TestSendPermanentFailure(t *testing.T) {
	srv := smtptest.Start(t)
	m := newMailer(t, srv)
	msg := mustRender(t, notify.KindLocked, sampleData())
	srv.RejectNext(1)
	err := m.Send(context.Background(), "a@example.vn", "", msg)
	if !notify.IsPermanent(err) || !strings.Contains(err.Error(), "554") {
		t.Errorf("a 554 reply: err = %v, want a permanent error", err)
	}
	for _, to := range []string{"", "not an address", "a@b@c"} {
		if err := m.Send(context.Background(), to, "", msg); !notify.IsPermanent(err) {
			t.Errorf("recipient %q: err = %v, want a permanent error", to, err)
		}
	}
	if notify.IsPermanent(nil) || notify.IsPermanent(context.Canceled) {
		t.Error("IsPermanent is true for nil or a plain error")
	}
	if err := m.Send(context.Background(), "a@example.vn", "", msg); err != nil {
		t.Fatalf("after the rejection: %v", err)
	}
	if n := len(srv.WaitFor(t, 1, 5*time.Second)); n != 1 {
		t.Errorf("%d messages received, want 1", n)
	}
}

func TestSendNeedsSTARTTLSByDefault(t *testing.T) {
	srv := smtptest.Start(t) // offers no STARTTLS
	m, err := notify.NewMailer(notify.Config{Host: srv.Host, Port: srv.Port, From: testFrom}, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	err = m.Send(context.Background(), "a@example.vn", "", mustRender(t, notify.KindLocked, sampleData()))
	if err == nil || notify.IsPermanent(err) || !strings.Contains(err.Error(), "STARTTLS") {
		t.Errorf("err = %v, want a temporary STARTTLS error", err)
	}
	if n := len(srv.Messages()); n != 0 {
		t.Errorf("%d messages went out in plain text", n)
	}
}

func TestSendServerDownIsTemporary(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close() // nothing listens there any more
	m, err := notify.NewMailer(notify.Config{Host: "127.0.0.1", Port: port, TLS: notify.TLSNone, From: testFrom, Timeout: time.Second}, zerolog.Nop())
	if err != nil {
		t.Fatal(err)
	}
	err = m.Send(context.Background(), "a@example.vn", "", mustRender(t, notify.KindLocked, sampleData()))
	if err == nil || notify.IsPermanent(err) {
		t.Errorf("server down: err = %v, want a temporary error", err)
	}
}

func TestSendCanceled(t *testing.T) {
	srv := smtptest.Start(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	err := newMailer(t, srv).Send(ctx, "a@example.vn", "", mustRender(t, notify.KindLocked, sampleData()))
	if err == nil || notify.IsPermanent(err) {
		t.Errorf("canceled: err = %v, want a temporary error", err)
	}
}

func TestSendUnconfiguredLogs(t *testing.T) {
	var buf bytes.Buffer
	m, err := notify.NewMailer(notify.Config{}, zerolog.New(&buf))
	if err != nil {
		t.Fatal(err)
	}
	if m.Configured() {
		t.Error("a mailer without a host says it is configured")
	}
	msg := mustRender(t, notify.KindSubmitted, sampleData())
	if err := m.Send(context.Background(), "hoidong@example.vn", "Hội đồng", msg); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"level":"info"`, `"to":"hoidong@example.vn"`, `"subject":"` + msg.Subject + `"`} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("log lacks %s: %s", want, buf.String())
		}
	}
}

func TestNewMailerRefusesBadConfig(t *testing.T) {
	for name, cfg := range map[string]notify.Config{
		"bad from":          {Host: "smtp.example.vn", From: "Sở Nội vụ cchc at example.vn"},
		"no from":           {Host: "smtp.example.vn"},
		"bad from, no host": {From: "<<>>"},
		"unknown TLS mode":  {Host: "smtp.example.vn", From: testFrom, TLS: "ssl"},
		"bad port":          {Host: "smtp.example.vn", From: testFrom, Port: 70000},
	} {
		if _, err := notify.NewMailer(cfg, zerolog.Nop()); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	for _, mode := range []string{"", notify.TLSStartTLS, notify.TLSImplicit, notify.TLSNone} {
		if _, err := notify.NewMailer(notify.Config{Host: "smtp.example.vn", From: testFrom, TLS: mode}, zerolog.Nop()); err != nil {
			t.Errorf("TLS %q: %v", mode, err)
		}
	}
}

func TestSendConcurrent(t *testing.T) {
	srv := smtptest.Start(t)
	m := newMailer(t, srv)
	const goroutines, each = 16, 4
	var wg sync.WaitGroup
	errs := make(chan error, goroutines*each)
	for g := range goroutines {
		wg.Go(func() {
			for i := range each {
				d := sampleData()
				d.ReportID = int64(g*each + i)
				to := fmt.Sprintf("user%d.%d@example.vn", g, i)
				if err := m.Send(context.Background(), to, "Người nhận", mustRender(t, notify.KindReminder, d)); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	got := srv.WaitFor(t, goroutines*each, 10*time.Second)
	seen := map[string]bool{}
	for _, r := range got {
		seen[r.To[0]] = true
	}
	if len(got) != goroutines*each || len(seen) != goroutines*each {
		t.Errorf("%d messages to %d recipients, want %d each", len(got), len(seen), goroutines*each)
	}
}

// BenchmarkSend delivers messages one after another to the in-process
// server, a new connection each; msgs/s is the rate a sequential outbox loop
// gets against a local relay.
func BenchmarkSend(b *testing.B) {
	srv := smtptest.Start(b)
	m := newMailer(b, srv)
	msg := mustRender(b, notify.KindReminder, sampleData())
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if err := m.Send(ctx, "a@example.vn", "Nguyễn Thị Hương", msg); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "msgs/s")
}

// BenchmarkRender is the rendering share of a Send.
func BenchmarkRender(b *testing.B) {
	d := sampleData()
	for b.Loop() {
		if _, err := notify.Render(notify.KindRoundOpened, d, "Nguyễn Thị Hương", nil); err != nil {
			b.Fatal(err)
		}
	}
}
