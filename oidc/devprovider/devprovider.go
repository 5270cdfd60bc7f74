// Package devprovider is a small OpenID provider served inside parindex with
// --demo, so that a newcomer logs in through the same OIDC code as production
// without another server: discovery, keys, an authorization page in
// Vietnamese that lists the demo accounts to pick from (no password), the
// token endpoint with PKCE (S256) and client secrets, userinfo, RP-initiated
// logout and back-channel logout. Its state lives in memory and its signing
// key is made at start: it is for development and demonstration only.
package devprovider

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// Account is a person the provider can log in. Role and Agency are only
// labels on the picking page: parindex takes roles from its own database.
type Account struct {
	Subject  string // "sub", stable
	Name     string
	Email    string
	Username string // "preferred_username"
	Role     string // label, e.g. "Người cập nhật"
	Agency   string // label, e.g. "Sở Tư pháp"
}

// Client is a relying party registered with the provider. URIs match exactly.
type Client struct {
	ID                     string
	Secret                 string
	RedirectURIs           []string
	PostLogoutRedirectURIs []string
	BackChannelLogoutURI   string // "" when the client takes no back-channel logout
}

// Config describes a provider. Issuer is the full URL the provider is
// reachable at, path included (e.g. http://localhost:8080/dev-sso); the
// handler answers the paths below it.
type Config struct {
	Issuer   string
	Clients  []Client
	Accounts []Account
	Now      func() time.Time // default time.Now
	TokenTTL time.Duration    // ID and access tokens (default 5 min)
	// HTTPClient posts back-channel logouts (default: 10 s time-out).
	HTTPClient *http.Client
}

// Provider is the development OpenID provider; it is an http.Handler.
type Provider struct {
	cfg    Config
	prefix string // the issuer's path, e.g. "/dev-sso"
	key    *rsa.PrivateKey
	kid    string
	signer jose.Signer

	mu       sync.Mutex
	codes    map[string]grant     // authorization code → what it grants
	access   map[string]grant     // access token → what it grants
	sessions map[string]*ssoState // sid → the provider's session
}

// grant is what a code or an access token stands for.
type grant struct {
	client    string
	redirect  string
	challenge string
	nonce     string
	account   Account
	sid       string
	expires   time.Time
}

// ssoState is one login at the provider: its account and the clients it
// logged into.
type ssoState struct {
	subject string
	clients map[string]bool
}

// New makes a provider with a fresh 2048-bit RSA signing key.
func New(cfg Config) (*Provider, error) {
	u, err := url.Parse(cfg.Issuer)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return nil, fmt.Errorf("devprovider: issuer %q is not an absolute URL", cfg.Issuer)
	}
	if len(cfg.Accounts) == 0 || len(cfg.Clients) == 0 {
		return nil, errors.New("devprovider: at least one client and one account are needed")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.TokenTTL <= 0 {
		cfg.TokenTTL = 5 * time.Minute
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	cfg.Issuer = strings.TrimSuffix(cfg.Issuer, "/")
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	kid := rand.Text()[:16]
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", kid))
	if err != nil {
		return nil, err
	}
	return &Provider{
		cfg:      cfg,
		prefix:   strings.TrimSuffix(u.Path, "/"),
		key:      key,
		kid:      kid,
		signer:   signer,
		codes:    map[string]grant{},
		access:   map[string]grant{},
		sessions: map[string]*ssoState{},
	}, nil
}

// Issuer is the provider's issuer URL.
func (p *Provider) Issuer() string { return p.cfg.Issuer }

// ServeHTTP answers the provider's endpoints below the issuer's path.
func (p *Provider) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path, ok := strings.CutPrefix(r.URL.Path, p.prefix)
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	switch {
	case path == "/.well-known/openid-configuration" && r.Method == http.MethodGet:
		p.handleDiscovery(w, r)
	case path == "/jwks" && r.Method == http.MethodGet:
		p.handleJWKS(w, r)
	case path == "/authorize" && r.Method == http.MethodGet:
		p.handleAuthorizePage(w, r)
	case path == "/authorize" && r.Method == http.MethodPost:
		p.handleAuthorizePick(w, r)
	case path == "/token" && r.Method == http.MethodPost:
		p.handleToken(w, r)
	case path == "/userinfo" && (r.Method == http.MethodGet || r.Method == http.MethodPost):
		p.handleUserinfo(w, r)
	case path == "/end_session" && (r.Method == http.MethodGet || r.Method == http.MethodPost):
		p.handleEndSession(w, r)
	default:
		http.NotFound(w, r)
	}
}

// pruneLocked forgets expired codes and access tokens, so that a demo
// running for months keeps only what is live; the caller holds mu.
func (p *Provider) pruneLocked() {
	now := p.cfg.Now()
	for k, g := range p.codes {
		if now.After(g.expires) {
			delete(p.codes, k)
		}
	}
	for k, g := range p.access {
		if now.After(g.expires) {
			delete(p.access, k)
		}
	}
}

// client returns the registered client with id.
func (p *Provider) client(id string) (Client, bool) {
	for _, c := range p.cfg.Clients {
		if c.ID == id {
			return c, true
		}
	}
	return Client{}, false
}

// account returns the account with subject.
func (p *Provider) account(subject string) (Account, bool) {
	for _, a := range p.cfg.Accounts {
		if a.Subject == subject {
			return a, true
		}
	}
	return Account{}, false
}

// s256 is the PKCE S256 challenge of verifier.
func s256(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}
