package devprovider_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"parindex/oidc/devprovider"
)

const redirect = "http://127.0.0.1:1/auth/callback"

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// start mounts a provider under /dev-sso of a real server, as parindex does.
func start(t *testing.T) (*devprovider.Provider, string) {
	t.Helper()
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	p, err := devprovider.New(devprovider.Config{
		Issuer:   srv.URL + "/dev-sso",
		Clients:  []devprovider.Client{{ID: "parindex", Secret: "s3cret", RedirectURIs: []string{redirect}}},
		Accounts: []devprovider.Account{{Subject: "u1", Name: "Lê Văn Cường", Email: "cuong.lv@example.gov.vn", Username: "cuong.lv", Role: "Người duyệt", Agency: "Sở Nội vụ"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("/dev-sso/", p)
	return p, srv.URL + "/dev-sso"
}

func challenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// authorize picks account u1 for an authorization request and returns the
// redirect the provider answers.
func authorize(t *testing.T, iss string, params url.Values) *http.Response {
	t.Helper()
	form := url.Values{"client_id": {"parindex"}, "redirect_uri": {redirect}, "response_type": {"code"},
		"scope": {"openid email"}, "state": {"st"}, "nonce": {"nn"},
		"code_challenge": {challenge("verifier-0123456789-0123456789-0123456789")}, "code_challenge_method": {"S256"},
		"account": {"u1"}}
	for k, v := range params {
		form[k] = v
	}
	res, err := noRedirect.PostForm(iss+"/authorize", form)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res
}

func codeOf(t *testing.T, res *http.Response) string {
	t.Helper()
	loc, _ := url.Parse(res.Header.Get("Location"))
	if res.StatusCode != http.StatusFound || loc.Query().Get("code") == "" || loc.Query().Get("state") != "st" {
		t.Fatalf("authorize: %s to %s", res.Status, loc)
	}
	return loc.Query().Get("code")
}

// token posts a token request and returns its status and JSON.
func token(t *testing.T, iss string, form url.Values, basic bool) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, iss+"/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basic {
		req.SetBasicAuth("parindex", "s3cret")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	out := map[string]any{}
	_ = json.NewDecoder(res.Body).Decode(&out)
	return res.StatusCode, out
}

func TestDiscoveryNamesEveryEndpoint(t *testing.T) {
	_, iss := start(t)
	res, err := http.Get(iss + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var d map[string]any
	if err := json.NewDecoder(res.Body).Decode(&d); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]string{"issuer": iss, "authorization_endpoint": iss + "/authorize",
		"token_endpoint": iss + "/token", "jwks_uri": iss + "/jwks", "userinfo_endpoint": iss + "/userinfo",
		"end_session_endpoint": iss + "/end_session"} {
		if d[k] != want {
			t.Errorf("%s = %v, want %s", k, d[k], want)
		}
	}
	res, err = http.Get(iss + "/jwks")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(body), `"kty":"RSA"`) || strings.Contains(string(body), `"d":`) {
		t.Fatalf("jwks: %s", body)
	}
}

func TestTokenEndpoint(t *testing.T) {
	_, iss := start(t)
	verifier := "verifier-0123456789-0123456789-0123456789"
	form := func(code string) url.Values {
		return url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirect}, "code_verifier": {verifier}}
	}

	// Refusals, each on a fresh code (a code is spent by any attempt).
	for name, tc := range map[string]struct {
		change func(url.Values)
		basic  bool
		status int
	}{
		"wrong secret":       {func(f url.Values) { f.Set("client_id", "parindex"); f.Set("client_secret", "guess") }, false, http.StatusUnauthorized},
		"no client auth":     {func(url.Values) {}, false, http.StatusUnauthorized},
		"wrong verifier":     {func(f url.Values) { f.Set("code_verifier", "another-verifier-0123456789-0123456789") }, true, http.StatusBadRequest},
		"no verifier":        {func(f url.Values) { f.Del("code_verifier") }, true, http.StatusBadRequest},
		"other redirect_uri": {func(f url.Values) { f.Set("redirect_uri", "http://127.0.0.1:1/elsewhere") }, true, http.StatusBadRequest},
		"unknown code":       {func(f url.Values) { f.Set("code", "nope") }, true, http.StatusBadRequest},
	} {
		f := form(codeOf(t, authorize(t, iss, nil)))
		tc.change(f)
		if status, out := token(t, iss, f, tc.basic); status != tc.status || out["id_token"] != nil {
			t.Errorf("%s: %d %v", name, status, out)
		}
	}

	// Right, by Basic auth, then the same code again.
	code := codeOf(t, authorize(t, iss, nil))
	status, out := token(t, iss, form(code), true)
	if status != http.StatusOK || out["id_token"] == nil || out["token_type"] != "Bearer" {
		t.Fatalf("token: %d %v", status, out)
	}
	if status, _ := token(t, iss, form(code), true); status != http.StatusBadRequest {
		t.Fatalf("a code was used twice: %d", status)
	}
	// By form secret too.
	f := form(codeOf(t, authorize(t, iss, nil)))
	f.Set("client_id", "parindex")
	f.Set("client_secret", "s3cret")
	if status, out := token(t, iss, f, false); status != http.StatusOK || out["id_token"] == nil {
		t.Fatalf("client_secret_post: %d %v", status, out)
	}

	// Userinfo with the access token, and without.
	req, _ := http.NewRequest(http.MethodGet, iss+"/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+out["access_token"].(string))
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	info := map[string]any{}
	_ = json.NewDecoder(res.Body).Decode(&info)
	res.Body.Close()
	if res.StatusCode != http.StatusOK || info["sub"] != "u1" || info["email"] != "cuong.lv@example.gov.vn" {
		t.Fatalf("userinfo: %s %v", res.Status, info)
	}
	res, err = http.Get(iss + "/userinfo")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusUnauthorized {
		t.Fatalf("userinfo without a token: %s", res.Status)
	}
}

func TestAuthorizeRefusals(t *testing.T) {
	_, iss := start(t)
	// Never redirect to a URI the client did not register, nor for an
	// unknown client: answer a page.
	for name, params := range map[string]url.Values{
		"unregistered redirect_uri": {"redirect_uri": {"https://evil.example/cb"}},
		"unknown client":            {"client_id": {"someone"}},
	} {
		res := authorize(t, iss, params)
		if res.StatusCode != http.StatusBadRequest || res.Header.Get("Location") != "" {
			t.Errorf("%s: %s to %q", name, res.Status, res.Header.Get("Location"))
		}
	}
	// Other faults go back to the client as OAuth errors.
	for name, tc := range map[string]struct {
		params url.Values
		err    string
	}{
		"no PKCE":         {url.Values{"code_challenge": {""}}, "invalid_request"},
		"plain PKCE":      {url.Values{"code_challenge_method": {"plain"}}, "invalid_request"},
		"no openid scope": {url.Values{"scope": {"email"}}, "invalid_scope"},
		"implicit flow":   {url.Values{"response_type": {"id_token"}}, "unsupported_response_type"},
		"cancelled":       {url.Values{"cancel": {"1"}}, "access_denied"},
		"unknown account": {url.Values{"account": {"ghost"}}, ""},
	} {
		res := authorize(t, iss, tc.params)
		loc, _ := url.Parse(res.Header.Get("Location"))
		if tc.err == "" {
			if res.StatusCode != http.StatusBadRequest {
				t.Errorf("%s: %s", name, res.Status)
			}
			continue
		}
		if res.StatusCode != http.StatusFound || loc.Query().Get("error") != tc.err || loc.Query().Get("code") != "" {
			t.Errorf("%s: %s to %s", name, res.Status, loc)
		}
	}
}

func TestCodesExpire(t *testing.T) {
	now := time.Date(2026, 11, 20, 8, 0, 0, 0, time.UTC)
	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	p, err := devprovider.New(devprovider.Config{
		Issuer:   srv.URL + "/dev-sso",
		Clients:  []devprovider.Client{{ID: "parindex", Secret: "s3cret", RedirectURIs: []string{redirect}}},
		Accounts: []devprovider.Account{{Subject: "u1", Name: "A"}},
		Now:      func() time.Time { return now },
	})
	if err != nil {
		t.Fatal(err)
	}
	mux.Handle("/dev-sso/", p)
	code := codeOf(t, authorize(t, p.Issuer(), nil))
	now = now.Add(2 * time.Minute)
	f := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirect},
		"code_verifier": {"verifier-0123456789-0123456789-0123456789"}}
	if status, _ := token(t, p.Issuer(), f, true); status != http.StatusBadRequest {
		t.Fatalf("an expired code: %d", status)
	}
	if err := p.EndSessionsOf(context.Background(), "nobody"); err != nil {
		t.Fatalf("ending no session: %v", err)
	}
}
