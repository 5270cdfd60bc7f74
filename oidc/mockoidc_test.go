package oidc_test

// Against a second, separate provider (oauth2-proxy's mockoidc, with its own
// key and issuer): the refusals that the development provider, being ours,
// would never provoke.

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/url"
	"parindex/internal/testkit"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"

	"parindex/oidc"
)

// startMock runs mockoidc on 127.0.0.1:0 with a fresh key (its default key
// is published in its source, so anyone could sign with it).
func startMock(t *testing.T) *mockoidc.MockOIDC {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	m, err := mockoidc.NewServer(key)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(ln, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Shutdown() })
	return m
}

// mockRP is a relying party of m; now is its clock.
func mockRP(t *testing.T, m *mockoidc.MockOIDC, now func() time.Time) *oidc.RP {
	t.Helper()
	rp, err := oidc.New(context.Background(), oidc.Config{
		Issuer: m.Issuer(), ClientID: m.ClientID, ClientSecret: m.ClientSecret,
		RedirectURL: "http://127.0.0.1:1/auth/callback",
		// mockoidc lists client_secret_basic but reads the secret from the
		// form only: the setting exists for providers like it.
		ClientAuth: "client_secret_post",
		Now:        now,
	})
	if err != nil {
		t.Fatal(err)
	}
	return rp
}

// loginAtMock follows the authorization URL (mockoidc logs in its queued
// user at once) and finishes the login with the code it returns.
func loginAtMock(t *testing.T, rp *oidc.RP, returnTo string) (oidc.Identity, string, error) {
	t.Helper()
	authURL, state := rp.Begin(returnTo)
	res, err := noRedirect.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	back, err := url.Parse(res.Header.Get("Location"))
	if err != nil || res.StatusCode != http.StatusFound {
		t.Fatalf("authorize: %s %q", res.Status, res.Header.Get("Location"))
	}
	if back.Query().Get("state") != state {
		t.Fatalf("state came back as %q", back.Query().Get("state"))
	}
	return rp.Finish(context.Background(), state, back.Query().Get("code"))
}

// tamperedUser is a mockoidc user whose ID token claims a test changes.
type tamperedUser struct {
	*mockoidc.MockUser
	tamper func(*mockoidc.IDTokenClaims)
}

func (u tamperedUser) Claims(scope []string, c *mockoidc.IDTokenClaims) (jwt.Claims, error) {
	u.tamper(c)
	return u.MockUser.Claims(scope, c)
}

func keycloakLikeUser() *mockoidc.MockUser {
	return &mockoidc.MockUser{Subject: "f3a1c2d4", Email: "lan.pt@snv.example.gov.vn", EmailVerified: true, PreferredUsername: "lan.pt"}
}

func TestLoginThroughASecondProvider(t *testing.T) {
	m := startMock(t)
	rp := mockRP(t, m, nil)
	m.QueueUser(keycloakLikeUser())
	id, returnTo, err := loginAtMock(t, rp, "/campaigns/3")
	if err != nil {
		t.Fatal(err)
	}
	if id.Issuer != m.Issuer() || id.Subject != "f3a1c2d4" || id.Email != "lan.pt@snv.example.gov.vn" ||
		!id.EmailVerified || id.Username != "lan.pt" || returnTo != "/campaigns/3" {
		t.Fatalf("identity %+v, returnTo %q", id, returnTo)
	}
	// mockoidc publishes no end_session_endpoint: logout stays local.
	if u := rp.LogoutURL(id.RawIDToken, "http://127.0.0.1:1/"); u != "" {
		t.Fatalf("LogoutURL = %q, want none", u)
	}
}

func TestSecondProviderRefusals(t *testing.T) {
	cases := []struct {
		name   string
		user   func() mockoidc.User
		skew   time.Duration // mockoidc's clock, relative to the RP's
		detail string
	}{
		{"nonce mismatch", func() mockoidc.User {
			return tamperedUser{keycloakLikeUser(), func(c *mockoidc.IDTokenClaims) { c.Nonce = "another-login" }}
		}, 0, "nonce"},
		{"no nonce", func() mockoidc.User {
			return tamperedUser{keycloakLikeUser(), func(c *mockoidc.IDTokenClaims) { c.Nonce = "" }}
		}, 0, "nonce"},
		{"wrong audience", func() mockoidc.User {
			return tamperedUser{keycloakLikeUser(), func(c *mockoidc.IDTokenClaims) { c.Audience = []string{"another-client"} }}
		}, 0, "audience"},
		{"wrong issuer", func() mockoidc.User {
			return tamperedUser{keycloakLikeUser(), func(c *mockoidc.IDTokenClaims) { c.Issuer = "https://sso.evil.example/realms/tinh" }}
		}, 0, "issue"},
		// The provider's clock is an hour behind: its 10-minute token has
		// expired by the RP's.
		{"expired ID token", func() mockoidc.User { return keycloakLikeUser() }, -time.Hour, "expired"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			m := startMock(t)
			m.FastForward(tc.skew)
			rp := mockRP(t, m, nil)
			m.QueueUser(tc.user())
			_, _, err := loginAtMock(t, rp, "/")
			if !errors.Is(err, oidc.ErrRejected) || !strings.Contains(err.Error(), tc.detail) {
				t.Fatalf("err = %v, want a refusal about %s", err, tc.detail)
			}
			if testing.Verbose() {
				t.Log(err)
			}
		})
	}
}

func TestExpiredIDTokenByTheRPClock(t *testing.T) {
	// The same refusal with the RP's clock moved instead (go-oidc's
	// Config.Now): the provider's token lives 1 minute; the RP checks it 2
	// minutes after the login began (the attempt itself lives 10).
	m := startMock(t)
	m.AccessTTL = time.Minute
	c := testkit.NewClock(time.Now())
	rp := mockRP(t, m, c.Now)
	m.QueueUser(keycloakLikeUser())
	authURL, state := rp.Begin("/")
	res, err := noRedirect.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	back, _ := url.Parse(res.Header.Get("Location"))
	c.Add(2 * time.Minute)
	_, _, err = rp.Finish(context.Background(), state, back.Query().Get("code"))
	if !errors.Is(err, oidc.ErrRejected) || !strings.Contains(err.Error(), "expired") {
		t.Fatalf("err = %v", err)
	}
}

func TestReplayedStateAtASecondProvider(t *testing.T) {
	m := startMock(t)
	rp := mockRP(t, m, nil)
	authURL, state := rp.Begin("/")
	res, err := noRedirect.Get(authURL)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	back, _ := url.Parse(res.Header.Get("Location"))
	if _, _, err := rp.Finish(context.Background(), state, back.Query().Get("code")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := rp.Finish(context.Background(), state, back.Query().Get("code")); !errors.Is(err, oidc.ErrAttempt) {
		t.Fatalf("replayed state: %v", err)
	}
	if _, _, err := rp.Finish(context.Background(), "forged-state", back.Query().Get("code")); !errors.Is(err, oidc.ErrAttempt) {
		t.Fatalf("unknown state: %v", err)
	}
}

// signWith makes a compact JWS of claims with key under kid.
func signWith(t *testing.T, key *rsa.PrivateKey, kid string, claims map[string]any) string {
	t.Helper()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key},
		(&jose.SignerOptions{}).WithType("logout+jwt").WithHeader("kid", kid))
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := json.Marshal(claims)
	jws, err := signer.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	s, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestBackChannelLogoutTokens(t *testing.T) {
	m := startMock(t)
	rp := mockRP(t, m, nil)
	kid, _ := m.Keypair.KeyID()
	forger, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	event := map[string]any{"http://schemas.openid.net/event/backchannel-logout": map[string]any{}}
	claims := func(change func(map[string]any)) map[string]any {
		c := map[string]any{
			"iss": m.Issuer(), "aud": m.ClientID, "iat": now.Unix(), "exp": now.Add(2 * time.Minute).Unix(),
			"jti": rand.Text(), "sub": "f3a1c2d4", "sid": "sso-session-1", "events": event,
		}
		if change != nil {
			change(c)
		}
		return c
	}
	ctx := context.Background()

	good := signWith(t, m.Keypair.PrivateKey, kid, claims(nil))
	sid, sub, err := rp.VerifyBackChannelLogout(ctx, good)
	if err != nil || sid != "sso-session-1" || sub != "f3a1c2d4" {
		t.Fatalf("valid logout token: sid %q sub %q err %v", sid, sub, err)
	}
	if _, _, err := rp.VerifyBackChannelLogout(ctx, good); !errors.Is(err, oidc.ErrRejected) || !strings.Contains(err.Error(), "replayed") {
		t.Fatalf("replayed logout token: %v", err)
	}

	for name, tok := range map[string]string{
		"forged signature": signWith(t, forger, kid, claims(nil)),
		"wrong audience":   signWith(t, m.Keypair.PrivateKey, kid, claims(func(c map[string]any) { c["aud"] = "another-client" })),
		"wrong issuer":     signWith(t, m.Keypair.PrivateKey, kid, claims(func(c map[string]any) { c["iss"] = "https://sso.evil.example" })),
		"expired":          signWith(t, m.Keypair.PrivateKey, kid, claims(func(c map[string]any) { c["exp"] = now.Add(-time.Minute).Unix() })),
		"no logout event":  signWith(t, m.Keypair.PrivateKey, kid, claims(func(c map[string]any) { delete(c, "events") })),
		"with a nonce":     signWith(t, m.Keypair.PrivateKey, kid, claims(func(c map[string]any) { c["nonce"] = "n" })),
		"neither sub nor sid": signWith(t, m.Keypair.PrivateKey, kid, claims(func(c map[string]any) {
			delete(c, "sub")
			delete(c, "sid")
		})),
		"not a JWT": "logout",
	} {
		if _, _, err := rp.VerifyBackChannelLogout(ctx, tok); !errors.Is(err, oidc.ErrRejected) {
			t.Errorf("%s: accepted (%v)", name, err)
		}
	}

	// An ID token is not a logout token, even from the right provider.
	m.QueueUser(keycloakLikeUser())
	id, _, err := loginAtMock(t, rp, "/")
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := rp.VerifyBackChannelLogout(ctx, id.RawIDToken); !errors.Is(err, oidc.ErrRejected) {
		t.Fatalf("an ID token was taken for a logout token: %v", err)
	}
}
