package notify

import (
	"context"
	"errors"
	"fmt"
	netmail "net/mail"
	"time"

	"github.com/rs/zerolog"
	"github.com/wneessen/go-mail"

	"parindex/workflow"
)

// TLS modes of Config.TLS.
const (
	TLSStartTLS = "starttls" // the default: STARTTLS is mandatory, port 587
	TLSImplicit = "tls"      // TLS from the first byte, port 465
	TLSNone     = "none"     // plain text, port 25: a local relay or tests only
)

// DefaultTimeout bounds the dial and then each SMTP command of one Send.
const DefaultTimeout = 10 * time.Second

// ErrPermanent marks a delivery the server refused for good (a 5xx reply to
// MAIL, RCPT or DATA) or a recipient that is not an address: retrying cannot
// help. Test it with IsPermanent.
var ErrPermanent = errors.New("notify: permanent delivery failure")

// IsPermanent reports whether err says the message will never be delivered,
// so the outbox should give up instead of retrying.
func IsPermanent(err error) bool { return errors.Is(err, ErrPermanent) }

// Config of SMTP delivery; Host "" means not configured.
type Config struct {
	Host     string
	Port     int // 0: the TLS mode's usual port (587, 465 or 25)
	Username string
	Password string
	TLS      string // TLSStartTLS ("" too), TLSImplicit or TLSNone
	From     string // "Sở Nội vụ <cchc@example.vn>"
	Timeout  time.Duration
}

// Mailer delivers one message to one address.
//
// One go-mail Client holds the configuration and is shared by every Send:
// Client.DialToSMTPClientWithContext and Client.SendWithSMTPClient only read
// it (under its RWMutex) and work on the smtp.Client they return or are given,
// so they may run concurrently. Client.DialWithContext/Send/Close, by
// contrast, share one connection inside the Client and are not for
// concurrent use, so they are not used here. Each Send dials its own
// connection and closes it: no pool to go stale behind a relay's idle
// timeout, and BenchmarkSend shows a dial per message is far above the rate
// the outbox needs.
type Mailer struct {
	client *mail.Client // nil when not configured
	from   netmail.Address
	log    zerolog.Logger
}

// NewMailer checks cfg and builds a mailer. With Host "" it returns a mailer
// that logs each message (to, subject) at info level and reports success, so
// a development setup runs without a mail server.
func NewMailer(cfg Config, log zerolog.Logger) (*Mailer, error) {
	m := &Mailer{log: log}
	if cfg.Host == "" && cfg.From == "" {
		return m, nil
	}
	from, err := netmail.ParseAddress(cfg.From)
	if err != nil {
		return nil, fmt.Errorf("notify: from %q is not an address such as \"Sở Nội vụ <cchc@example.vn>\": %w", cfg.From, err)
	}
	m.from = *from
	if cfg.Host == "" {
		return m, nil
	}

	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	opts := []mail.Option{
		mail.WithTimeout(timeout),
		// Each connection is fresh: the NOOP go-mail sends before every
		// message to check the connection would only cost a round trip.
		mail.WithoutNoop(),
	}
	port := cfg.Port
	switch cfg.TLS {
	case "", TLSStartTLS:
		opts = append(opts, mail.WithTLSPolicy(mail.TLSMandatory))
		port = orDefault(port, 587)
	case TLSImplicit:
		opts = append(opts, mail.WithSSL())
		port = orDefault(port, 465)
	case TLSNone:
		opts = append(opts, mail.WithTLSPolicy(mail.NoTLS))
		port = orDefault(port, 25)
	default:
		return nil, fmt.Errorf("notify: TLS mode %q is not one of %s, %s, %s", cfg.TLS, TLSStartTLS, TLSImplicit, TLSNone)
	}
	opts = append(opts, mail.WithPort(port))
	if cfg.Username != "" {
		// Auto-discovery picks the strongest mechanism the server offers and
		// never PLAIN or LOGIN on an unencrypted connection.
		opts = append(opts, mail.WithSMTPAuth(mail.SMTPAuthAutoDiscover),
			mail.WithUsername(cfg.Username), mail.WithPassword(cfg.Password))
	}
	if m.client, err = mail.NewClient(cfg.Host, opts...); err != nil {
		return nil, fmt.Errorf("notify: smtp client: %w", err)
	}
	return m, nil
}

func orDefault(port, def int) int {
	if port == 0 {
		return def
	}
	return port
}

// Configured reports whether messages really leave by SMTP.
func (m *Mailer) Configured() bool { return m.client != nil }

// Send delivers msg to one recipient as multipart/alternative text and HTML,
// UTF-8, quoted-printable, with an RFC 2047 subject. An error is temporary
// (retry later) unless IsPermanent says otherwise; a failed login or TLS
// handshake is temporary too, since it is the configuration's fault and
// every message would be lost if it were permanent. ctx bounds the dial;
// after it, each SMTP command is bounded by the configured timeout.
func (m *Mailer) Send(ctx context.Context, to, toName string, msg Message) error {
	if m.client == nil {
		m.log.Info().Str("to", to).Str("subject", msg.Subject).Msg("smtp not configured: email not sent")
		return nil
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	rcpt, err := netmail.ParseAddress(to)
	if err != nil {
		return fmt.Errorf("%w: recipient %q is not an address: %w", ErrPermanent, to, err)
	}
	if name := workflow.NormalizeText(toName); name != "" {
		rcpt.Name = name
	}
	from := m.from

	e := mail.NewMsg()
	e.FromMailAddress(&from)
	e.ToMailAddress(rcpt)
	e.Subject(msg.Subject)
	e.SetGenHeader(mail.HeaderContentLang, "vi")
	// RFC 3834: out-of-office robots must not answer a notification.
	e.SetGenHeader(mail.Header("Auto-Submitted"), "auto-generated")
	e.SetGenHeader(mail.HeaderXAutoResponseSuppress, "All")
	e.SetBodyString(mail.TypeTextPlain, msg.Text)
	if msg.HTML != "" {
		e.AddAlternativeString(mail.TypeTextHTML, msg.HTML)
	}
	return m.deliver(ctx, e)
}

// deliver runs one SMTP session for e and sorts its failure into temporary
// and permanent.
func (m *Mailer) deliver(ctx context.Context, e *mail.Msg) error {
	// go-mail does not close the connection when EHLO, STARTTLS or AUTH fail
	// after it connected; the runtime's finalizer closes it later.
	conn, err := m.client.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return fmt.Errorf("notify: smtp %s: connect: %w", m.client.ServerAddr(), err)
	}
	sendErr := m.client.SendWithSMTPClient(conn, e)
	if err := m.client.CloseWithSMTPClient(conn); err != nil {
		// QUIT failed, which leaves the connection open; a delivered
		// message stays delivered.
		_ = conn.Close()
	}
	var se *mail.SendError
	switch {
	case sendErr == nil:
		return nil
	case e.IsDelivered():
		// The server accepted the message and only the RSET after it
		// failed: reporting an error would make the outbox send it twice.
		m.log.Warn().Err(sendErr).Str("to", e.GetToString()[0]).Msg("smtp: message delivered, but the session ended badly")
		return nil
	case errors.As(sendErr, &se) && se.ErrorCode()/100 == 5:
		return fmt.Errorf("%w: smtp %s: %w", ErrPermanent, m.client.ServerAddr(), sendErr)
	}
	return fmt.Errorf("notify: smtp %s: %w", m.client.ServerAddr(), sendErr)
}
