package main

import (
	"bytes"
	"encoding/json"
	"io"
	"mime/multipart"
	"net/http"
	"testing"
)

// client calls the API over real HTTP as one token's holder.
type client struct {
	t     *testing.T
	base  string
	token string
}

func newClient(t *testing.T, base, token string) *client {
	return &client{t: t, base: base, token: token}
}

// response is an answer read whole.
type response struct {
	method, path string
	status       int
	header       http.Header
	body         []byte
}

// do sends a request. body is nil (none), a rawBody, or anything else as JSON;
// header is name, value pairs.
func (c *client) do(method, path string, body any, header ...string) *response {
	c.t.Helper()
	var r io.Reader
	contentType := ""
	switch b := body.(type) {
	case nil:
	case rawBody:
		r, contentType = bytes.NewReader(b.data), b.contentType
	default:
		data, err := json.Marshal(b)
		if err != nil {
			c.t.Fatalf("marshal: %v", err)
		}
		r, contentType = bytes.NewReader(data), "application/json"
	}
	req, err := http.NewRequest(method, c.base+path, r)
	if err != nil {
		c.t.Fatalf("request: %v", err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatalf("%s %s: read body: %v", method, path, err)
	}
	return &response{method: method, path: path, status: res.StatusCode, header: res.Header, body: data}
}

// rawBody is a request body sent as is.
type rawBody struct {
	contentType string
	data        []byte
}

// want fails the test unless the status is the expected one, and decodes the
// JSON body into v when v is not nil.
func (r *response) want(t *testing.T, status int, v any) *response {
	t.Helper()
	if r.status != status {
		t.Fatalf("%s %s: status %d, want %d; body: %s", r.method, r.path, r.status, status, r.body)
	}
	if v != nil {
		if err := json.Unmarshal(r.body, v); err != nil {
			t.Fatalf("%s %s: decode %s: %v", r.method, r.path, r.body, err)
		}
	}
	return r
}

// problem is an RFC 9457 answer.
type problem struct {
	Type   string `json:"type"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Errors []struct {
		Field   string `json:"field"`
		Message string `json:"message"`
	} `json:"errors"`
}

// wantProblem checks an error answer: status, problem+json and its status field.
func (r *response) wantProblem(t *testing.T, status int) problem {
	t.Helper()
	var p problem
	r.want(t, status, &p)
	if ct := r.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("%s %s: Content-Type %q, want application/problem+json", r.method, r.path, ct)
	}
	if p.Status != status {
		t.Errorf("%s %s: problem status %d, want %d", r.method, r.path, p.Status, status)
	}
	return p
}

// fields lists a problem's field names.
func (p problem) fields() []string {
	out := []string{}
	for _, e := range p.Errors {
		out = append(out, e.Field)
	}
	return out
}

// getStatus answers GET path's status without authentication.
func getStatus(t *testing.T, base, path string) int {
	t.Helper()
	return newClient(t, base, "").do("GET", path, nil).status
}

// multipartFile is a multipart/form-data body with one field "file".
func multipartFile(t *testing.T, name string, content []byte) rawBody {
	t.Helper()
	var b bytes.Buffer
	w := multipart.NewWriter(&b)
	part, err := w.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	part.Write(content)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return rawBody{data: b.Bytes(), contentType: w.FormDataContentType()}
}
