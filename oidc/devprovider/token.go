package devprovider

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// oauthError answers an OAuth error at the token or userinfo endpoint.
func oauthError(w http.ResponseWriter, status int, code, desc string) {
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

// handleToken exchanges an authorization code for tokens: the client
// authenticates with its secret (HTTP Basic or form), the code is used once,
// its redirect URI must match and the PKCE verifier must hash to the
// challenge.
func (p *Provider) handleToken(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "unreadable form")
		return
	}
	id, secret, basic := r.BasicAuth()
	if !basic {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	c, ok := p.client(id)
	if !ok || subtle.ConstantTimeCompare([]byte(secret), []byte(c.Secret)) != 1 {
		w.Header().Set("WWW-Authenticate", `Basic realm="dev-sso"`)
		oauthError(w, http.StatusUnauthorized, "invalid_client", "unknown client or wrong secret")
		return
	}
	if r.PostForm.Get("grant_type") != "authorization_code" {
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "only authorization_code")
		return
	}
	code := r.PostForm.Get("code")
	now := p.cfg.Now()
	p.mu.Lock()
	g, ok := p.codes[code]
	delete(p.codes, code) // a code is used once, right or wrong
	p.mu.Unlock()
	switch {
	case !ok || now.After(g.expires):
		oauthError(w, http.StatusBadRequest, "invalid_grant", "unknown, used or expired code")
		return
	case g.client != c.ID || g.redirect != r.PostForm.Get("redirect_uri"):
		oauthError(w, http.StatusBadRequest, "invalid_grant", "code issued to another client or redirect_uri")
		return
	case subtle.ConstantTimeCompare([]byte(s256(r.PostForm.Get("code_verifier"))), []byte(g.challenge)) != 1:
		oauthError(w, http.StatusBadRequest, "invalid_grant", "PKCE verification failed")
		return
	}
	idToken, err := p.sign(map[string]any{
		"iss": p.cfg.Issuer, "sub": g.account.Subject, "aud": c.ID,
		"iat": now.Unix(), "auth_time": now.Unix(), "exp": now.Add(p.cfg.TokenTTL).Unix(),
		"nonce": g.nonce, "sid": g.sid, "azp": c.ID,
		"name": g.account.Name, "email": g.account.Email, "email_verified": g.account.Email != "",
		"preferred_username": g.account.Username,
	})
	if err != nil {
		oauthError(w, http.StatusInternalServerError, "server_error", err.Error())
		return
	}
	access := rand.Text()
	g.expires = now.Add(p.cfg.TokenTTL)
	p.mu.Lock()
	p.access[access] = g
	p.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"access_token": access, "token_type": "Bearer",
		"expires_in": int(p.cfg.TokenTTL.Seconds()), "id_token": idToken,
	})
}

// handleUserinfo answers the claims of an access token's account.
func (p *Provider) handleUserinfo(w http.ResponseWriter, r *http.Request) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	p.mu.Lock()
	g, found := p.access[tok]
	p.mu.Unlock()
	if !ok || !found || p.cfg.Now().After(g.expires) {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		oauthError(w, http.StatusUnauthorized, "invalid_token", "unknown or expired access token")
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"sub": g.account.Subject, "name": g.account.Name, "email": g.account.Email,
		"email_verified": g.account.Email != "", "preferred_username": g.account.Username,
	})
}

// sign makes a compact JWS of claims with the provider's key.
func (p *Provider) sign(claims map[string]any) (string, error) {
	payload, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	jws, err := p.signer.Sign(payload)
	if err != nil {
		return "", err
	}
	return jws.CompactSerialize()
}

// verify checks a token this provider signed and returns its claims; the
// expiry is not checked (an id_token_hint may have expired).
func (p *Provider) verify(token string) (map[string]any, bool) {
	jws, err := jose.ParseSigned(token, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		return nil, false
	}
	payload, err := jws.Verify(&p.key.PublicKey)
	if err != nil {
		return nil, false
	}
	claims := map[string]any{}
	if json.Unmarshal(payload, &claims) != nil || claims["iss"] != p.cfg.Issuer {
		return nil, false
	}
	return claims, true
}

// LogoutToken makes a back-channel logout token for client about the
// provider session sid of subject (OpenID Back-Channel Logout 1.0: the
// logout event, a jti, no nonce). Tests use it directly.
func (p *Provider) LogoutToken(client, subject, sid string) (string, error) {
	now := p.cfg.Now()
	claims := map[string]any{
		"iss": p.cfg.Issuer, "aud": client, "iat": now.Unix(), "exp": now.Add(2 * time.Minute).Unix(),
		"jti":    rand.Text(),
		"events": map[string]any{"http://schemas.openid.net/event/backchannel-logout": map[string]any{}},
	}
	if subject != "" {
		claims["sub"] = subject
	}
	if sid != "" {
		claims["sid"] = sid
	}
	return p.sign(claims)
}
