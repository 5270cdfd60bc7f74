package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/rs/zerolog"

	"parindex/i18n"
	"parindex/oidc"
	"parindex/oidc/devprovider"
	"parindex/session"
	"parindex/web"
	"parindex/workflow"
)

// loginConfig is the single sign-on and session part of serve's flags.
type loginConfig struct {
	issuer, clientID, clientSecret, caBundle string
	emailClaim, usernameClaim, clientAuth    string
	idle, absolute                           time.Duration
}

// baseURLOf is the service's public address: --base-url, or the listener's
// address on localhost (a newcomer's make run, tests on :0).
func baseURLOf(c *serveConfig, l net.Listener) string {
	if c.baseURL != "" {
		return strings.TrimRight(c.baseURL, "/")
	}
	_, port, _ := net.SplitHostPort(l.Addr().String())
	host := "localhost"
	if h, _, err := net.SplitHostPort(c.addr); err == nil && h != "" && !net.ParseIP(h).IsUnspecified() {
		host = h
	}
	return "http://" + net.JoinHostPort(host, port)
}

// openPages builds the sessions, the relying party (and, with --demo and no
// provider configured, the development provider it logs in through) and
// the pages.
func (m *Main) openPages(ctx context.Context, c *serveConfig, base string, log zerolog.Logger) (*web.Server, error) {
	sessions, err := session.New(m.store.DB().DB, m.store.Dialect(), session.Config{
		Idle: c.login.idle, Absolute: c.login.absolute, BaseURL: base, CookieName: web.CookieName, Now: m.Clock})
	if err != nil {
		return nil, err
	}
	m.sessions = sessions
	cfg := web.Config{Store: m.store, Sessions: sessions, Log: log, Zone: c.zone, BaseURL: base, Province: c.province, Now: m.Clock, Demo: c.demo}
	rpc := oidc.Config{
		Issuer: c.login.issuer, ClientID: c.login.clientID, ClientSecret: c.login.clientSecret,
		RedirectURL: base + "/auth/callback", EmailClaim: c.login.emailClaim, UsernameClaim: c.login.usernameClaim,
		ClientAuth: c.login.clientAuth, CABundle: c.login.caBundle, Now: m.Clock,
	}
	switch {
	case rpc.Issuer == "" && c.demo:
		provider, err := m.devProvider(ctx, base)
		if err != nil {
			return nil, err
		}
		cfg.DevProvider = provider
		rpc.Issuer, rpc.ClientID, rpc.ClientSecret = provider.Issuer(), demoClientID, m.demoSecret
		rpc.HTTPClient = provider.Client()
		log.Info().Str("issuer", rpc.Issuer).Msg("login: the demo's development OpenID provider (--demo)")
	case rpc.Issuer == "":
		log.Warn().Msg("login: no --oidc-issuer; the pages cannot log anyone in (the API still takes tokens)")
	}
	if rpc.Issuer != "" {
		if cfg.RP, err = oidc.New(ctx, rpc); err != nil {
			return nil, fmt.Errorf("--oidc-issuer: %w", err)
		}
	}
	return web.New(cfg)
}

const demoClientID = "parindex"

// devProvider is the demo's OpenID provider at <base>/dev-sso, listing one
// account per demo user (parindex still takes their roles from its own
// database).
func (m *Main) devProvider(ctx context.Context, base string) (*devprovider.Provider, error) {
	secret := make([]byte, 24)
	rand.Read(secret)
	m.demoSecret = hex.EncodeToString(secret)
	return devprovider.New(devprovider.Config{
		Issuer: base + "/dev-sso",
		Clients: []devprovider.Client{{
			ID: demoClientID, Secret: m.demoSecret,
			RedirectURIs:           []string{base + "/auth/callback"},
			PostLogoutRedirectURIs: []string{base + "/logged-out"},
			BackChannelLogoutURI:   base + "/auth/backchannel-logout",
		}},
		Accounts: demoAccounts(),
		Now:      m.Clock,
	})
}

// demoAccounts are the demo's people as the development provider lists them.
func demoAccounts() []devprovider.Account {
	account := func(email, name string, role workflow.Role, agency string) devprovider.Account {
		return devprovider.Account{Subject: "demo-" + email, Name: name, Email: email, Username: email,
			Role: upperFirst(termVI(string(role))), Agency: agency}
	}
	out := []devprovider.Account{
		account(demoAdmin, demoAdminName, workflow.RoleAdmin, "Sở Nội vụ"),
		account(demoCouncil, demoCouncilName, workflow.RoleCouncil, "Hội đồng thẩm định tỉnh"),
	}
	for _, d := range demoAgencies {
		out = append(out,
			account(demoEmail(string(workflow.RoleUpdater), d.code), demoUserName(workflow.RoleUpdater, d.name), workflow.RoleUpdater, d.name),
			account(demoEmail(string(workflow.RoleApprover), d.code), demoUserName(workflow.RoleApprover, d.name), workflow.RoleApprover, d.name))
	}
	return out
}

func termVI(v string) string { return i18n.Term(i18n.VI, v) }

func upperFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	return string(unicode.ToUpper(r)) + s[n:]
}
