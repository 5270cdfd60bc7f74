package devprovider

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// handleDiscovery answers the OpenID discovery document.
func (p *Provider) handleDiscovery(w http.ResponseWriter, _ *http.Request) {
	iss := p.cfg.Issuer
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer":                                iss,
		"authorization_endpoint":                iss + "/authorize",
		"token_endpoint":                        iss + "/token",
		"userinfo_endpoint":                     iss + "/userinfo",
		"jwks_uri":                              iss + "/jwks",
		"end_session_endpoint":                  iss + "/end_session",
		"response_types_supported":              []string{"code"},
		"grant_types_supported":                 []string{"authorization_code"},
		"subject_types_supported":               []string{"public"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"code_challenge_methods_supported":      []string{"S256"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
		"scopes_supported":                      []string{"openid", "profile", "email"},
		"claims_supported":                      []string{"sub", "iss", "aud", "exp", "iat", "nonce", "sid", "name", "email", "email_verified", "preferred_username"},
		"backchannel_logout_supported":          true,
		"backchannel_logout_session_supported":  true,
	})
}

// handleJWKS answers the provider's public key.
func (p *Provider) handleJWKS(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{
		Key: &p.key.PublicKey, KeyID: p.kid, Algorithm: string(jose.RS256), Use: "sig",
	}}})
}

// authRequest is an authorization request, checked.
type authRequest struct {
	ClientID, RedirectURI, State, Nonce, Scope, Challenge string
}

// authRequestOf checks the parameters of an authorization request. An
// unknown client or redirect URI is answered here (never redirected to);
// other faults go back to the client as OAuth errors.
func (p *Provider) authRequestOf(w http.ResponseWriter, r *http.Request) (authRequest, bool) {
	if err := r.ParseForm(); err != nil {
		pageError(w, http.StatusBadRequest, "Yêu cầu đăng nhập không đọc được.")
		return authRequest{}, false
	}
	f := r.Form
	c, ok := p.client(f.Get("client_id"))
	if !ok {
		pageError(w, http.StatusBadRequest, "Ứng dụng yêu cầu đăng nhập chưa được đăng ký.")
		return authRequest{}, false
	}
	redirect := f.Get("redirect_uri")
	if !slices.Contains(c.RedirectURIs, redirect) {
		pageError(w, http.StatusBadRequest, "Địa chỉ quay về không được đăng ký cho ứng dụng này.")
		return authRequest{}, false
	}
	req := authRequest{ClientID: c.ID, RedirectURI: redirect, State: f.Get("state"),
		Nonce: f.Get("nonce"), Scope: f.Get("scope"), Challenge: f.Get("code_challenge")}
	fail := func(code, desc string) (authRequest, bool) {
		redirectBack(w, r, redirect, url.Values{"error": {code}, "error_description": {desc}, "state": {req.State}})
		return authRequest{}, false
	}
	switch {
	case f.Get("response_type") != "code":
		return fail("unsupported_response_type", "only response_type=code")
	case !slices.Contains(strings.Fields(req.Scope), "openid"):
		return fail("invalid_scope", "scope must include openid")
	case req.Challenge == "" || f.Get("code_challenge_method") != "S256":
		return fail("invalid_request", "PKCE with S256 is required")
	}
	return req, true
}

// handleAuthorizePage shows the accounts to pick from.
func (p *Provider) handleAuthorizePage(w http.ResponseWriter, r *http.Request) {
	req, ok := p.authRequestOf(w, r)
	if !ok {
		return
	}
	setPageHeaders(w)
	_ = pickPage.Execute(w, map[string]any{
		"Action":   p.prefix + "/authorize",
		"Req":      req,
		"Accounts": p.cfg.Accounts,
		"CSS":      template.CSS(pageCSS),
	})
}

// handleAuthorizePick logs in the account picked (or the refusal) and sends
// the browser back to the client with a code.
func (p *Provider) handleAuthorizePick(w http.ResponseWriter, r *http.Request) {
	req, ok := p.authRequestOf(w, r)
	if !ok {
		return
	}
	if r.PostForm.Get("cancel") != "" {
		redirectBack(w, r, req.RedirectURI, url.Values{"error": {"access_denied"}, "state": {req.State}})
		return
	}
	acc, ok := p.account(r.PostForm.Get("account"))
	if !ok {
		pageError(w, http.StatusBadRequest, "Tài khoản đã chọn không có trong danh sách.")
		return
	}
	code, sid := rand.Text(), rand.Text()
	p.mu.Lock()
	p.pruneLocked()
	p.codes[code] = grant{client: req.ClientID, redirect: req.RedirectURI, challenge: req.Challenge,
		nonce: req.Nonce, account: acc, sid: sid, expires: p.cfg.Now().Add(time.Minute)}
	p.sessions[sid] = &ssoState{subject: acc.Subject, clients: map[string]bool{req.ClientID: true}}
	p.mu.Unlock()
	redirectBack(w, r, req.RedirectURI, url.Values{"code": {code}, "state": {req.State}})
}

// redirectBack sends the browser to the client's registered URI with params.
func redirectBack(w http.ResponseWriter, r *http.Request, to string, params url.Values) {
	u, err := url.Parse(to)
	if err != nil {
		pageError(w, http.StatusBadRequest, "Địa chỉ quay về không hợp lệ.")
		return
	}
	q := u.Query()
	for k, v := range params {
		if len(v) > 0 && v[0] != "" {
			q[k] = v
		}
	}
	u.RawQuery = q.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}

// pageCSS styles the provider's pages; the Content-Security-Policy allows
// exactly this style block by its hash and nothing else.
const pageCSS = `body{font-family:system-ui,sans-serif;max-width:40rem;margin:2rem auto;padding:0 1rem;color:#1b1b1b}
h1{font-size:1.4rem}.note{color:#555}ul{list-style:none;padding:0}
li{border:1px solid #ccc;border-radius:.5rem;padding:.75rem;margin:.5rem 0;display:flex;justify-content:space-between;align-items:center;gap:1rem}
.label{display:inline-block;background:#eef;border-radius:.3rem;padding:0 .4rem;margin-right:.3rem;font-size:.9rem}
button{font-size:1rem;padding:.4rem .9rem}`

var cspStyleHash = func() string {
	sum := sha256.Sum256([]byte(pageCSS))
	return base64.StdEncoding.EncodeToString(sum[:])
}()

func setPageHeaders(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Security-Policy",
		"default-src 'none'; style-src 'sha256-"+cspStyleHash+"'; base-uri 'none'; frame-ancestors 'none'")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Referrer-Policy", "no-referrer")
}

var pickPage = template.Must(template.New("pick").Parse(`<!doctype html>
<html lang="vi"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Đăng nhập thử nghiệm</title><style>{{.CSS}}</style></head>
<body><main>
<h1>Đăng nhập một lần (bản thử nghiệm)</h1>
<p class="note">Máy chủ đăng nhập này chỉ chạy cùng bản trình diễn của parindex. Chọn một tài khoản để đăng nhập, không cần mật khẩu.</p>
<form method="post" action="{{.Action}}">
<input type="hidden" name="client_id" value="{{.Req.ClientID}}">
<input type="hidden" name="redirect_uri" value="{{.Req.RedirectURI}}">
<input type="hidden" name="state" value="{{.Req.State}}">
<input type="hidden" name="nonce" value="{{.Req.Nonce}}">
<input type="hidden" name="scope" value="{{.Req.Scope}}">
<input type="hidden" name="response_type" value="code">
<input type="hidden" name="code_challenge" value="{{.Req.Challenge}}">
<input type="hidden" name="code_challenge_method" value="S256">
<ul>{{range .Accounts}}
<li><div><strong>{{.Name}}</strong><br>{{.Email}}<br>
<span class="label">Vai trò: {{.Role}}</span><span class="label">Cơ quan: {{.Agency}}</span></div>
<button type="submit" name="account" value="{{.Subject}}" aria-label="Đăng nhập với tài khoản {{.Name}}">Đăng nhập</button></li>{{end}}
</ul>
<p><button type="submit" name="cancel" value="1">Hủy</button></p>
</form>
</main></body></html>
`))

var messagePage = template.Must(template.New("message").Parse(`<!doctype html>
<html lang="vi"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Đăng nhập thử nghiệm</title><style>{{.CSS}}</style></head>
<body><main><h1>{{.Title}}</h1><p>{{.Text}}</p></main></body></html>
`))

// pageError shows a short Vietnamese page (never a redirect).
func pageError(w http.ResponseWriter, status int, text string) {
	setPageHeaders(w)
	w.WriteHeader(status)
	_ = messagePage.Execute(w, map[string]any{"Title": "Không thể đăng nhập", "Text": text, "CSS": template.CSS(pageCSS)})
}

// writeJSON answers v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
