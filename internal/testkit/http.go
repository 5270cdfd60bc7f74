package testkit

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/textproto"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

// Client sends requests to a test server as the holder of one token.
type Client struct {
	Base  string       // the server's URL, e.g. an httptest.Server's
	Token string       // sent as "Authorization: Bearer Token" unless empty
	HTTP  *http.Client // nil: http.DefaultClient
}

// NewClient is a client of the server at base with token ("" for none).
func NewClient(base, token string) *Client { return &Client{Base: base, Token: token} }

// Raw is a request body sent as it is, with its Content-Type ("" for none).
type Raw struct {
	ContentType string
	Data        []byte
}

// Do sends a request (see Send) and fails the test when no answer comes.
func (c *Client) Do(t testing.TB, method, path string, body any, header ...string) *Response {
	t.Helper()
	res, err := c.Send(context.Background(), method, path, body, header...)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return res
}

// Send sends method to Base+path and reads the answer whole. body is nil
// (none), a Raw, or anything else sent as JSON; header holds name, value
// pairs, set after the client's own (so they may replace Content-Type).
// It never fails a test, for goroutines and for servers that may be down.
func (c *Client) Send(ctx context.Context, method, path string, body any, header ...string) (*Response, error) {
	var data []byte
	contentType := ""
	switch b := body.(type) {
	case nil:
	case Raw:
		data, contentType = b.Data, b.ContentType
	default:
		var err error
		if data, err = json.Marshal(b); err != nil {
			return nil, fmt.Errorf("encode the body: %w", err)
		}
		contentType = "application/json"
	}
	var r io.Reader
	if body != nil {
		r = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.Base+path, r)
	if err != nil {
		return nil, err
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	client := c.HTTP
	if client == nil {
		client = http.DefaultClient
	}
	res, err := client.Do(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	answer, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, fmt.Errorf("%d, then reading the body: %w", res.StatusCode, err)
	}
	// Give the request its body back, for checking it against a contract.
	if body != nil {
		req.Body = io.NopCloser(bytes.NewReader(data))
		req.GetBody = func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil }
	}
	return &Response{Request: req, Status: res.StatusCode, Header: res.Header, Body: answer}, nil
}

// Response is an answer, read whole.
type Response struct {
	Request *http.Request // as sent, its body readable again
	Status  int
	Header  http.Header
	Body    []byte
}

// String is the status and the body (the first 2,000 bytes of a long one).
func (r *Response) String() string {
	body := bytes.TrimSpace(r.Body)
	if len(body) > 2000 {
		return fmt.Sprintf("%d %s… (%d bytes)", r.Status, body[:2000], len(body))
	}
	return fmt.Sprintf("%d %s", r.Status, body)
}

// what names the request in failures.
func (r *Response) what() string {
	if r.Request == nil {
		return "answer"
	}
	return r.Request.Method + " " + r.Request.URL.RequestURI()
}

// Want fails the test, showing the body, unless the status is status; when
// v is not nil it decodes the JSON body into v.
func (r *Response) Want(t testing.TB, status int, v any) *Response {
	t.Helper()
	if r.Status != status {
		t.Fatalf("%s: got %s, want %d", r.what(), r, status)
	}
	if v != nil {
		r.Decode(t, v)
	}
	return r
}

// Decode reads the JSON body into v, failing the test when it cannot.
func (r *Response) Decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("%s: decode %s: %v", r.what(), r, err)
	}
}

// Problem is an RFC 9457 problem document, the body of every error.
type Problem struct {
	Type   string       `json:"type"`
	Title  string       `json:"title"`
	Status int          `json:"status"`
	Detail string       `json:"detail"`
	Errors []FieldError `json:"errors"`
}

// FieldError is one wrong field of a problem.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Fields lists the problem's field names, in order.
func (p Problem) Fields() []string {
	out := []string{}
	for _, e := range p.Errors {
		out = append(out, e.Field)
	}
	return out
}

// WantProblem checks an error answer and returns its problem: the status,
// application/problem+json, the same status inside with a type and a title
// and, when fields are given, exactly those fields named in its errors (in
// any order, each at least once).
func (r *Response) WantProblem(t testing.TB, status int, fields ...string) Problem {
	t.Helper()
	var p Problem
	r.Want(t, status, &p)
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("%s: Content-Type %q, want application/problem+json", r.what(), ct)
	}
	if p.Status != status || p.Title == "" || p.Type == "" {
		t.Errorf("%s: problem %+v: want status %d with a type and a title", r.what(), p, status)
	}
	if fields != nil {
		got, want := set(p.Fields()), set(fields)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: problem fields %v, want %v (%s)", r.what(), p.Fields(), fields, r)
		}
	}
	return p
}

func set(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return slices.Compact(s)
}

// Part is one part of a multipart/form-data body.
type Part struct {
	Field       string
	Filename    string // "" for a plain field
	ContentType string // "" for none
	Data        []byte
}

// File is a file part as a browser sends one: the name as it is (quotes and
// backslashes escaped), application/octet-stream.
func File(field, filename string, data []byte) Part {
	return Part{Field: field, Filename: filename, ContentType: "application/octet-stream", Data: data}
}

// Upload is a multipart/form-data body with one file part (see File).
func Upload(t testing.TB, field, filename string, data []byte) Raw {
	t.Helper()
	return Multipart(t, File(field, filename, data))
}

// Multipart is a multipart/form-data body of the parts, in order.
func Multipart(t testing.TB, parts ...Part) Raw {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	quote := strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace
	for _, p := range parts {
		h := textproto.MIMEHeader{}
		disposition := fmt.Sprintf(`form-data; name="%s"`, quote(p.Field))
		if p.Filename != "" {
			disposition += fmt.Sprintf(`; filename="%s"`, quote(p.Filename))
		}
		h.Set("Content-Disposition", disposition)
		if p.ContentType != "" {
			h.Set("Content-Type", p.ContentType)
		}
		part, err := w.CreatePart(h)
		if err != nil {
			t.Fatal(err)
		}
		part.Write(p.Data)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return Raw{ContentType: w.FormDataContentType(), Data: b.Bytes()}
}

// InProcess is an HTTP client whose requests h serves in this process, with
// no network and no connection of its own: what a fuzz target wants, since
// the fuzzer takes whatever any goroutine runs (a keep-alive connection's
// reader, say) for coverage of the input. A request h has not answered
// within timeout fails with an error, while h goes on in the background.
func InProcess(h http.Handler, timeout time.Duration) *http.Client {
	return &http.Client{Transport: inProcess{h, timeout}}
}

type inProcess struct {
	h       http.Handler
	timeout time.Duration
}

func (p inProcess) RoundTrip(req *http.Request) (*http.Response, error) {
	r := req.Clone(req.Context())
	r.RemoteAddr, r.RequestURI = "192.0.2.1:1234", req.URL.RequestURI() // as httptest.NewRequest
	if r.Body == nil {
		r.Body = http.NoBody
	}
	done := make(chan *http.Response, 1)
	go func() {
		rec := httptest.NewRecorder()
		p.h.ServeHTTP(rec, r)
		done <- rec.Result()
	}()
	timer := time.NewTimer(p.timeout)
	defer timer.Stop()
	select {
	case res := <-done:
		res.Request = req
		return res, nil
	case <-timer.C:
		return nil, fmt.Errorf("no answer within %s", p.timeout)
	case <-req.Context().Done():
		return nil, req.Context().Err()
	}
}
