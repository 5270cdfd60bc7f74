// Package smtptest runs an in-process SMTP server for tests: it accepts every
// message on 127.0.0.1, decodes it (MIME parts, quoted-printable or base64,
// RFC 2047 subject) so tests can assert on Vietnamese text, and can be told to
// fail the next deliveries. It is a non-test file so that every package's tests
// can use it.
package smtptest

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Received is one message the server accepted, with its envelope, its raw
// bytes and the decoded parts tests assert on.
type Received struct {
	From    string   // envelope sender (MAIL FROM)
	To      []string // envelope recipients (RCPT TO)
	Data    []byte   // the message as transmitted
	Header  mail.Header
	Subject string // decoded (RFC 2047)
	Text    string // decoded text/plain part
	HTML    string // decoded text/html part
}

// Server is a running SMTP server without TLS or authentication; it stops
// when the test that started it ends.
type Server struct {
	Addr string // "127.0.0.1:port"
	Host string
	Port int

	srv *smtp.Server
	log *testLogger

	mu         sync.Mutex
	failNext   int
	rejectNext int
	msgs       []Received
	arrived    chan struct{} // closed and replaced each time a message is accepted
}

// Start starts a server on a free port of 127.0.0.1; t.Cleanup stops it.
func Start(t testing.TB) *Server {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("smtptest: listen: %v", err)
	}
	addr := ln.Addr().(*net.TCPAddr)
	s := &Server{
		Addr:    addr.String(),
		Host:    addr.IP.String(),
		Port:    addr.Port,
		log:     &testLogger{t: t},
		arrived: make(chan struct{}),
	}
	s.srv = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) {
		return &session{server: s}, nil
	}))
	s.srv.Domain = "smtptest.localhost"
	s.srv.ReadTimeout = 30 * time.Second
	s.srv.WriteTimeout = 30 * time.Second
	s.srv.MaxMessageBytes = 10 << 20
	s.srv.ErrorLog = s.log

	served := make(chan struct{})
	go func() {
		defer close(served)
		_ = s.srv.Serve(ln) // returns nil once Close is called
	}()
	t.Cleanup(func() {
		// Close closes every open connection, but the listener only once
		// Serve has registered it: a test that ends at once could race
		// past that, so the listener is closed here too.
		_ = s.srv.Close()
		_ = ln.Close()
		<-served
		s.log.stop()
	})
	return s
}

// FailNext makes the next n DATA commands answer a temporary error
// (451 4.3.0), as a busy relay does; the messages are not kept.
func (s *Server) FailNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failNext = n
}

// RejectNext makes the next n DATA commands answer a permanent error
// (554 5.6.0), as a relay refusing the content does; the messages are not kept.
func (s *Server) RejectNext(n int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rejectNext = n
}

// Messages returns every accepted message, in the order accepted.
func (s *Server) Messages() []Received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Received(nil), s.msgs...)
}

// WaitFor waits until at least n messages have been accepted and returns them
// all; it fails the test after timeout. It wakes on each arrival, never polls.
func (s *Server) WaitFor(t testing.TB, n int, timeout time.Duration) []Received {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		s.mu.Lock()
		if len(s.msgs) >= n {
			msgs := append([]Received(nil), s.msgs...)
			s.mu.Unlock()
			return msgs
		}
		arrived, got := s.arrived, len(s.msgs)
		s.mu.Unlock()
		select {
		case <-arrived:
		case <-deadline.C:
			t.Fatalf("smtptest: %d of %d messages arrived within %s", got, n, timeout)
			return nil
		}
	}
}

// accept decides the fate of one message: a temporary or permanent error
// while FailNext or RejectNext are pending, otherwise it is decoded and kept.
func (s *Server) accept(from string, to []string, data []byte) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.failNext > 0:
		s.failNext--
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "smtptest: try again later"}
	case s.rejectNext > 0:
		s.rejectNext--
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "smtptest: message refused"}
	}
	r, err := decode(data)
	if err != nil {
		// Keep the message so the test can look at Data, and say why.
		s.log.errorf("smtptest: cannot decode message from %s: %v", from, err)
	}
	r.From, r.To, r.Data = from, to, data
	s.msgs = append(s.msgs, r)
	close(s.arrived)
	s.arrived = make(chan struct{})
	return nil
}

// session is one SMTP connection's transaction state.
type session struct {
	server *Server
	from   string
	to     []string
}

func (c *session) Mail(from string, _ *smtp.MailOptions) error {
	c.from = from
	return nil
}

func (c *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	c.to = append(c.to, to)
	return nil
}

func (c *session) Data(r io.Reader) error {
	data, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	return c.server.accept(c.from, append([]string(nil), c.to...), data)
}

func (c *session) Reset() {
	c.from, c.to = "", nil
}

func (c *session) Logout() error { return nil }

// decode parses a message and finds its subject and its text and HTML parts,
// looking inside nested multipart bodies.
func decode(data []byte) (Received, error) {
	var r Received
	m, err := mail.ReadMessage(bytes.NewReader(data))
	if err != nil {
		return r, fmt.Errorf("read message: %w", err)
	}
	r.Header = m.Header
	dec := new(mime.WordDecoder)
	if r.Subject, err = dec.DecodeHeader(m.Header.Get("Subject")); err != nil {
		return r, fmt.Errorf("decode subject: %w", err)
	}
	err = decodePart(&r, m.Header.Get("Content-Type"), m.Header.Get("Content-Transfer-Encoding"), m.Body)
	return r, err
}

func decodePart(r *Received, contentType, encoding string, body io.Reader) error {
	if contentType == "" {
		contentType = "text/plain; charset=us-ascii"
	}
	mediaType, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return fmt.Errorf("content type %q: %w", contentType, err)
	}
	if strings.HasPrefix(mediaType, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if err == io.EOF {
				return nil
			} else if err != nil {
				return fmt.Errorf("%s part: %w", mediaType, err)
			}
			if err := decodePart(r, p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p); err != nil {
				return err
			}
		}
	}
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, newlineStripper{body})
	}
	text, err := io.ReadAll(body)
	if err != nil {
		return fmt.Errorf("%s body (%s): %w", mediaType, encoding, err)
	}
	// Only UTF-8 and its ASCII subset are expected: the service sends nothing else.
	switch mediaType {
	case "text/plain":
		r.Text = string(text)
	case "text/html":
		r.HTML = string(text)
	}
	return nil
}

// newlineStripper drops the line breaks that split base64 bodies into lines.
type newlineStripper struct{ r io.Reader }

func (n newlineStripper) Read(p []byte) (int, error) {
	for {
		k, err := n.r.Read(p)
		j := 0
		for _, b := range p[:k] {
			if b != '\r' && b != '\n' {
				p[j] = b
				j++
			}
		}
		if j > 0 || err != nil {
			return j, err
		}
	}
}

// testLogger reports to the test from the server's goroutines until the
// test ends; afterwards it drops everything, since t.Logf would panic.
type testLogger struct {
	mu      sync.Mutex
	t       testing.TB
	stopped bool
}

func (l *testLogger) Printf(format string, v ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.stopped {
		l.t.Logf("smtptest: "+format, v...)
	}
}

func (l *testLogger) Println(v ...any) {
	l.Printf("%s", fmt.Sprintln(v...))
}

func (l *testLogger) errorf(format string, v ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.stopped {
		l.t.Errorf(format, v...)
	}
}

func (l *testLogger) stop() {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.stopped = true
}
