package devprovider

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
)

// Client is an HTTP client that reaches this provider in-process, without
// the network: parindex's relying party uses it for discovery, keys and
// tokens in the demo, so that it can be built before the server listens.
// The browser still goes through the real server. Requests to any other
// host fail.
func (p *Provider) Client() *http.Client {
	return &http.Client{Transport: inProcess{p}}
}

type inProcess struct{ p *Provider }

func (t inProcess) RoundTrip(r *http.Request) (*http.Response, error) {
	iss, _ := url.Parse(t.p.cfg.Issuer)
	if r.URL.Scheme != iss.Scheme || r.URL.Host != iss.Host {
		return nil, fmt.Errorf("devprovider: in-process client asked for %s, not the provider", r.URL.Redacted())
	}
	if r.Body != nil {
		defer r.Body.Close()
	}
	rec := httptest.NewRecorder()
	t.p.ServeHTTP(rec, r)
	res := rec.Result()
	res.Request = r
	return res, nil
}
