// Package oidc is parindex's OpenID Connect relying party: the authorization
// code flow with PKCE against the province's single sign-on (or the
// development provider of package devprovider), the ID token verified and its
// nonce compared, RP-initiated logout and back-channel logout. It knows
// nothing of users or sessions: it answers who the provider says the person
// is; linking that identity to a local user and keeping the session are the
// caller's.
package oidc

import (
	"context"
	"crypto/subtle"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	gooidc "github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"parindex/workflow"
)

// Config is how parindex meets its provider. Issuer, ClientID and
// RedirectURL are required; the rest have defaults.
type Config struct {
	Issuer       string   // the provider's issuer URL, e.g. https://sso.example.gov.vn/realms/tinh
	ClientID     string   // parindex's client at the provider
	ClientSecret string   // its secret (confidential client)
	RedirectURL  string   // the callback, e.g. https://parindex.example.gov.vn/auth/callback
	Scopes       []string // default openid, profile, email ("openid" is always asked)

	// EmailClaim and UsernameClaim name the claims that identify the person
	// to parindex's own list of users (default "email" and
	// "preferred_username").
	EmailClaim    string
	UsernameClaim string

	// ClientAuth is how parindex shows its secret at the token endpoint:
	// "client_secret_basic" or "client_secret_post". Default: basic when the
	// discovery document lists it or lists nothing (the standard's default),
	// post otherwise. A wrong guess costs a code: some providers spend the
	// code on a failed attempt, so the style is fixed, never tried twice.
	ClientAuth string

	// CABundle is a PEM file of extra root certificates, for providers
	// behind a private CA. They are added to the system's roots; TLS
	// verification is never skipped.
	CABundle string

	// Now is the clock (default time.Now); AttemptTTL how long a login may
	// take at the provider (default 10 min); MaxAttempts how many logins may
	// be under way at once (default 10,000; past it the oldest is dropped).
	Now         workflow.Clock
	AttemptTTL  time.Duration
	MaxAttempts int

	// HTTPClient, when set, is used to talk to the provider instead of one
	// built from CABundle (tests pass an httptest server's client).
	HTTPClient *http.Client
}

// Identity is a person as the provider vouches for them in a verified ID
// token. Email is "" unless the provider sent it; EmailVerified says whether
// the provider checked it.
type Identity struct {
	Issuer        string
	Subject       string
	Email         string
	EmailVerified bool
	Username      string
	Name          string
	SID           string    // the provider's session id, for back-channel logout ("" when not sent)
	Expiry        time.Time // the ID token's expiry
	RawIDToken    string    // kept server-side for the logout hint
}

// The two refusals a person can meet while logging in. Every error Finish
// returns wraps one of them (errors.Is); the wrapping text says what exactly
// failed, for the log.
var (
	// ErrAttempt: the callback names no login under way (unknown, used,
	// expired, or cancelled at the provider).
	ErrAttempt = workflow.Errorf(workflow.EUNAUTHORIZED,
		"Lượt đăng nhập này không còn hiệu lực (đã dùng, đã hết hạn hoặc không do trình duyệt này bắt đầu); vui lòng đăng nhập lại.")
	// ErrRejected: the provider's answer did not pass verification.
	ErrRejected = workflow.Errorf(workflow.EUNAUTHORIZED,
		"Không xác minh được thông tin đăng nhập do hệ thống đăng nhập một lần trả về; vui lòng đăng nhập lại hoặc liên hệ quản trị viên.")
)

// RP is the relying party: discovery done, keys fetched on demand, logins
// under way kept by their state. Safe for concurrent use.
type RP struct {
	cfg        Config
	client     *http.Client
	provider   *gooidc.Provider
	verifier   *gooidc.IDTokenVerifier
	oauth      oauth2.Config
	endSession string
	attempts   *attempts
	logouts    *seenTokens
}

// New reads the provider's discovery document and returns a relying party.
func New(ctx context.Context, cfg Config) (*RP, error) {
	if cfg.Issuer == "" || cfg.ClientID == "" || cfg.RedirectURL == "" {
		return nil, errors.New("oidc: issuer, client id and redirect URL are required")
	}
	if cfg.EmailClaim == "" {
		cfg.EmailClaim = "email"
	}
	if cfg.UsernameClaim == "" {
		cfg.UsernameClaim = "preferred_username"
	}
	if len(cfg.Scopes) == 0 {
		cfg.Scopes = []string{"profile", "email"}
	}
	scopes := []string{gooidc.ScopeOpenID}
	for _, s := range cfg.Scopes {
		if s != gooidc.ScopeOpenID {
			scopes = append(scopes, s)
		}
	}
	if cfg.Now == nil {
		cfg.Now = workflow.SystemClock
	}
	if cfg.AttemptTTL <= 0 {
		cfg.AttemptTTL = 10 * time.Minute
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 10000
	}
	client := cfg.HTTPClient
	if client == nil {
		var err error
		if client, err = httpClient(cfg.CABundle); err != nil {
			return nil, err
		}
	}
	provider, err := gooidc.NewProvider(gooidc.ClientContext(ctx, client), cfg.Issuer)
	if err != nil {
		return nil, fmt.Errorf("oidc: discovery at %s: %w", cfg.Issuer, err)
	}
	var meta struct {
		EndSession  string   `json:"end_session_endpoint"`
		AuthMethods []string `json:"token_endpoint_auth_methods_supported"`
	}
	if err := provider.Claims(&meta); err != nil {
		return nil, fmt.Errorf("oidc: discovery document: %w", err)
	}
	endpoint := provider.Endpoint()
	switch cfg.ClientAuth {
	case "client_secret_basic":
		endpoint.AuthStyle = oauth2.AuthStyleInHeader
	case "client_secret_post":
		endpoint.AuthStyle = oauth2.AuthStyleInParams
	case "":
		endpoint.AuthStyle = oauth2.AuthStyleInHeader
		if len(meta.AuthMethods) > 0 && !slices.Contains(meta.AuthMethods, "client_secret_basic") {
			endpoint.AuthStyle = oauth2.AuthStyleInParams
		}
	default:
		return nil, fmt.Errorf("oidc: client auth %q: want client_secret_basic or client_secret_post", cfg.ClientAuth)
	}
	return &RP{
		cfg:      cfg,
		client:   client,
		provider: provider,
		verifier: provider.Verifier(&gooidc.Config{ClientID: cfg.ClientID, Now: cfg.Now}),
		oauth: oauth2.Config{
			ClientID:     cfg.ClientID,
			ClientSecret: cfg.ClientSecret,
			Endpoint:     endpoint,
			RedirectURL:  cfg.RedirectURL,
			Scopes:       scopes,
		},
		endSession: meta.EndSession,
		attempts:   newAttempts(cfg.AttemptTTL, cfg.MaxAttempts),
		logouts:    newSeenTokens(cfg.MaxAttempts),
	}, nil
}

// httpClient trusts the system's roots plus those of the PEM file at bundle.
func httpClient(bundle string) (*http.Client, error) {
	transport := http.DefaultTransport.(*http.Transport).Clone()
	if bundle != "" {
		pem, err := os.ReadFile(bundle)
		if err != nil {
			return nil, fmt.Errorf("oidc: CA bundle: %w", err)
		}
		pool, err := x509.SystemCertPool()
		if err != nil || pool == nil {
			pool = x509.NewCertPool()
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("oidc: CA bundle %s holds no PEM certificate", bundle)
		}
		transport.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	}
	return &http.Client{Transport: transport, Timeout: 15 * time.Second}, nil
}

// Begin starts a login: it remembers a PKCE verifier, a nonce and the local
// path to come back to under a fresh state, and returns the provider's
// authorization URL and that state. The caller must tie the state to the
// browser that asked (keep it in that browser's session) and check it before
// calling Finish, or someone could finish a login started by another.
func (rp *RP) Begin(returnTo string) (authURL, state string) {
	a := attempt{
		verifier: oauth2.GenerateVerifier(),
		nonce:    randomToken(),
		returnTo: SafeReturn(returnTo),
		at:       rp.cfg.Now(),
	}
	state = rp.attempts.put(a)
	authURL = rp.oauth.AuthCodeURL(state,
		oauth2.S256ChallengeOption(a.verifier),
		gooidc.Nonce(a.nonce))
	return authURL, state
}

// Finish ends the login that state names (once: a second call with the same
// state fails) with the provider's code: it exchanges the code with the PKCE
// verifier, verifies the ID token (signature, issuer, audience, expiry),
// compares its nonce with the one sent, and returns the identity and the
// local path the login was begun for. Errors wrap ErrAttempt or ErrRejected.
func (rp *RP) Finish(ctx context.Context, state, code string) (Identity, string, error) {
	a, ok := rp.attempts.take(state, rp.cfg.Now())
	if !ok {
		return Identity{}, "", fmt.Errorf("oidc: state unknown, used or expired: %w", ErrAttempt)
	}
	if code == "" {
		return Identity{}, "", fmt.Errorf("oidc: no code in the callback: %w", ErrAttempt)
	}
	ctx = gooidc.ClientContext(ctx, rp.client)
	tok, err := rp.oauth.Exchange(ctx, code, oauth2.VerifierOption(a.verifier))
	if err != nil {
		return Identity{}, "", fmt.Errorf("oidc: code exchange: %v: %w", err, ErrRejected)
	}
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return Identity{}, "", fmt.Errorf("oidc: the token answer has no id_token: %w", ErrRejected)
	}
	idt, err := rp.verifier.Verify(ctx, raw)
	if err != nil {
		return Identity{}, "", fmt.Errorf("oidc: ID token: %v: %w", err, ErrRejected)
	}
	// go-oidc leaves the nonce to us: it binds the token to this attempt.
	if subtle.ConstantTimeCompare([]byte(idt.Nonce), []byte(a.nonce)) != 1 {
		return Identity{}, "", fmt.Errorf("oidc: ID token nonce does not match the attempt's: %w", ErrRejected)
	}
	claims := map[string]any{}
	if err := idt.Claims(&claims); err != nil {
		return Identity{}, "", fmt.Errorf("oidc: ID token claims: %v: %w", err, ErrRejected)
	}
	// Some providers keep email and username out of the ID token: ask the
	// userinfo endpoint for what is missing, for the same subject only.
	if (claims[rp.cfg.EmailClaim] == nil || claims[rp.cfg.UsernameClaim] == nil) && rp.provider.UserInfoEndpoint() != "" {
		if info, err := rp.provider.UserInfo(ctx, oauth2.StaticTokenSource(tok)); err == nil && info.Subject == idt.Subject {
			more := map[string]any{}
			if info.Claims(&more) == nil {
				for k, v := range more {
					if _, ok := claims[k]; !ok {
						claims[k] = v
					}
				}
			}
		}
	}
	id := Identity{
		Issuer:        idt.Issuer,
		Subject:       idt.Subject,
		Email:         str(claims[rp.cfg.EmailClaim]),
		EmailVerified: boolean(claims["email_verified"]),
		Username:      str(claims[rp.cfg.UsernameClaim]),
		Name:          str(claims["name"]),
		SID:           str(claims["sid"]),
		Expiry:        idt.Expiry,
		RawIDToken:    raw,
	}
	return id, a.returnTo, nil
}

// Cancel forgets the login that state names (the provider answered with an
// error, or the person went back) and returns the path it was begun for.
func (rp *RP) Cancel(state string) string {
	if a, ok := rp.attempts.take(state, rp.cfg.Now()); ok {
		return a.returnTo
	}
	return "/"
}

// LogoutURL is where to send the browser to end the provider's session too
// (OpenID RP-Initiated Logout: id_token_hint, post_logout_redirect_uri and
// client_id, which Keycloak ≥ 18 requires instead of redirect_uri). It is ""
// when the provider publishes no end_session_endpoint.
func (rp *RP) LogoutURL(idTokenHint, postLogoutRedirect string) string {
	if rp.endSession == "" {
		return ""
	}
	u, err := url.Parse(rp.endSession)
	if err != nil {
		return ""
	}
	q := u.Query()
	if idTokenHint != "" {
		q.Set("id_token_hint", idTokenHint)
	}
	if postLogoutRedirect != "" {
		q.Set("post_logout_redirect_uri", postLogoutRedirect)
	}
	q.Set("client_id", rp.cfg.ClientID)
	u.RawQuery = q.Encode()
	return u.String()
}

// VerifyBackChannelLogout checks a logout_token the provider posted
// (OpenID Back-Channel Logout 1.0, through go-oidc's VerifyLogout: signature,
// iss, aud, exp, the logout event, no nonce, sub or sid present) and that its
// jti was not seen before, and returns the provider session id and subject
// whose local sessions must end (either may be "").
func (rp *RP) VerifyBackChannelLogout(ctx context.Context, logoutToken string) (sid, sub string, err error) {
	lt, err := rp.verifier.VerifyLogout(gooidc.ClientContext(ctx, rp.client), logoutToken)
	if err != nil {
		return "", "", fmt.Errorf("oidc: logout token: %v: %w", err, ErrRejected)
	}
	if !rp.logouts.first(lt.TokenID, lt.Expiry, rp.cfg.Now()) {
		return "", "", fmt.Errorf("oidc: logout token %q replayed: %w", lt.TokenID, ErrRejected)
	}
	return lt.SessionID, lt.Subject, nil
}

// Issuer is the provider's issuer URL, the first half of an identity's key.
func (rp *RP) Issuer() string { return rp.cfg.Issuer }

func str(v any) string {
	s, _ := v.(string)
	return s
}

// boolean reads a claim some providers send as "true".
func boolean(v any) bool {
	switch b := v.(type) {
	case bool:
		return b
	case string:
		return strings.EqualFold(b, "true")
	case json.Number:
		return b.String() == "1"
	}
	return false
}
