package devprovider

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// handleEndSession is RP-initiated logout: the provider session named by the
// id_token_hint ends, every client it logged into with a back-channel
// logout URI is told, and the browser goes to the post_logout_redirect_uri
// when it is registered for the client, or sees a short page.
func (p *Provider) handleEndSession(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		pageError(w, http.StatusBadRequest, "Yêu cầu đăng xuất không đọc được.")
		return
	}
	clientID := r.Form.Get("client_id")
	sid := ""
	if hint := r.Form.Get("id_token_hint"); hint != "" {
		claims, ok := p.verify(hint)
		if !ok {
			pageError(w, http.StatusBadRequest, "Thông tin phiên đăng nhập gửi kèm (id_token_hint) không hợp lệ.")
			return
		}
		aud, _ := claims["aud"].(string)
		if clientID != "" && clientID != aud {
			pageError(w, http.StatusBadRequest, "Thông tin phiên đăng nhập gửi kèm không thuộc ứng dụng này.")
			return
		}
		clientID = aud
		sid, _ = claims["sid"].(string)
	}
	redirect := r.Form.Get("post_logout_redirect_uri")
	if redirect != "" {
		c, ok := p.client(clientID)
		if !ok || !slices.Contains(c.PostLogoutRedirectURIs, redirect) {
			pageError(w, http.StatusBadRequest, "Địa chỉ quay về sau khi đăng xuất không được đăng ký cho ứng dụng này.")
			return
		}
	}
	if sid != "" {
		// The browser is leaving anyway: a client that cannot be told keeps
		// its session until it expires, as with any provider.
		_ = p.EndSession(r.Context(), sid)
	}
	if redirect != "" {
		redirectBack(w, r, redirect, url.Values{"state": {r.Form.Get("state")}})
		return
	}
	setPageHeaders(w)
	_ = messagePage.Execute(w, map[string]any{"Title": "Đã đăng xuất",
		"Text": "Bạn đã đăng xuất khỏi hệ thống đăng nhập một lần thử nghiệm.", "CSS": template.CSS(pageCSS)})
}

// EndSession ends the provider session sid and posts a back-channel logout
// token to each client it logged into that has a back-channel logout URI.
// It returns the failed deliveries, joined.
func (p *Provider) EndSession(ctx context.Context, sid string) error {
	p.mu.Lock()
	s, ok := p.sessions[sid]
	delete(p.sessions, sid)
	p.mu.Unlock()
	if !ok {
		return fmt.Errorf("devprovider: no session %q", sid)
	}
	var errs []error
	for id := range s.clients {
		c, ok := p.client(id)
		if !ok || c.BackChannelLogoutURI == "" {
			continue
		}
		if err := p.backChannel(ctx, c, s.subject, sid); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// EndSessionsOf ends every provider session of subject (as an administrator
// ending someone's sessions at the provider would).
func (p *Provider) EndSessionsOf(ctx context.Context, subject string) error {
	p.mu.Lock()
	var sids []string
	for sid, s := range p.sessions {
		if s.subject == subject {
			sids = append(sids, sid)
		}
	}
	p.mu.Unlock()
	var errs []error
	for _, sid := range sids {
		errs = append(errs, p.EndSession(ctx, sid))
	}
	return errors.Join(errs...)
}

// backChannel posts a logout token to the client's back-channel URI; the
// client answers 200 (or 204) when it ended the sessions.
func (p *Provider) backChannel(ctx context.Context, c Client, subject, sid string) error {
	tok, err := p.LogoutToken(c.ID, subject, sid)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.BackChannelLogoutURI,
		strings.NewReader(url.Values{"logout_token": {tok}}.Encode()))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	res, err := p.cfg.HTTPClient.Do(req)
	if err != nil {
		return fmt.Errorf("devprovider: back-channel logout to %s: %w", c.ID, err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK && res.StatusCode != http.StatusNoContent {
		return fmt.Errorf("devprovider: back-channel logout to %s: %s", c.ID, res.Status)
	}
	return nil
}
