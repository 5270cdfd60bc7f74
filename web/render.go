package web

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"

	"github.com/go-chi/chi/v5/middleware"

	"parindex/workflow"
)

//go:embed templates static
var files embed.FS

// page is what every template gets: the page's own Data, and the frame's.
type page struct {
	Title  string
	Nav    string // the menu entry that is current: "home", "council", "admin"
	User   *workflow.User
	Unread int    // unread notifications, shown in the menu
	Flash  string // what the last action did, from ?xong=KEY (see flashes)
	Data   any
}

// flashes are the messages a page shows after an action, by the key the
// page's script puts in ?xong= when the action succeeded: fixed texts, so
// that a link cannot make a page say anything else.
var flashes = map[string]string{}

// addFlashes registers flash messages (each page file its own, in init).
func addFlashes(m map[string]string) {
	for k, v := range m {
		if _, dup := flashes[k]; dup {
			panic("web: flash " + k + " twice")
		}
		flashes[k] = v
	}
}

// pageTemplate is one page: the layout, the partials and the page's own
// "content".
type pageTemplate struct{ t *template.Template }

// parsePages parses templates/pages/*.html, each with the layout and the
// partials.
func parsePages(funcs template.FuncMap) (map[string]*pageTemplate, error) {
	names, err := fs.Glob(files, "templates/pages/*.html")
	if err != nil {
		return nil, err
	}
	out := map[string]*pageTemplate{}
	for _, name := range names {
		t, err := template.New("layout.html").Funcs(funcs).ParseFS(files, "templates/layout.html", "templates/partials/*.html", name)
		if err != nil {
			return nil, fmt.Errorf("web: %s: %w", name, err)
		}
		out[strings.TrimSuffix(path.Base(name), ".html")] = &pageTemplate{t}
	}
	return out, nil
}

// render writes a page. It renders into a buffer first, so that a failing
// template is an error page, never half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) {
	t, ok := s.pages[name]
	if !ok {
		panic("web: no page template " + name)
	}
	if p.User == nil {
		p.User = user(r)
	}
	if p.Flash == "" {
		p.Flash = flashes[r.URL.Query().Get("xong")]
	}
	if p.User != nil && p.Unread == 0 {
		if n, err := s.store.CountUnread(r.Context(), p.User.ID); err == nil {
			p.Unread = n
		}
	}
	var buf bytes.Buffer
	if err := t.t.ExecuteTemplate(&buf, "layout.html", p); err != nil {
		logOf(r).Error().Err(err).Str("page", name).Msg("page template")
		if name != "error" {
			s.fail(w, r, fmt.Errorf("template %s: %w", name, err))
		}
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Content-Language", "vi")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// errorPage is what the error page shows.
type errorPage struct {
	Status    int
	Message   string
	RequestID string
	Login     bool // offer to log in again
}

// fail shows an error page: the domain's Vietnamese message, or for an
// internal error only the request id to quote (the error goes to the log).
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	status, ok := workflow.Statuses[workflow.ErrorCode(err)]
	e := errorPage{Status: status, Message: workflow.ErrorMessage(err)}
	if !ok || status == http.StatusInternalServerError {
		e.Status = http.StatusInternalServerError
		e.RequestID = middleware.GetReqID(r.Context())
		e.Message = "Đã có lỗi trong hệ thống; xin thử lại sau. Nếu lỗi lặp lại, hãy báo quản trị viên kèm mã yêu cầu dưới đây."
		logOf(r).Error().Err(err).Msg("page: internal error")
	}
	e.Login = e.Status == http.StatusUnauthorized
	s.render(w, r, e.Status, "error", page{Title: errorTitle(e.Status), Data: e})
}

func errorTitle(status int) string {
	switch status {
	case http.StatusNotFound:
		return "Không tìm thấy"
	case http.StatusForbidden:
		return "Không có quyền"
	case http.StatusUnauthorized:
		return "Cần đăng nhập"
	case http.StatusServiceUnavailable:
		return "Tạm thời không phục vụ được"
	case http.StatusInternalServerError:
		return "Lỗi hệ thống"
	}
	return "Không thực hiện được"
}

// assets are the static files' versions (a hash of their content), so that
// a page names /static/app.css?v=… and browsers may keep a file for a year.
var assets = func() map[string]string {
	out := map[string]string{}
	fs.WalkDir(files, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := files.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		out[strings.TrimPrefix(p, "static/")] = hex.EncodeToString(sum[:6])
		return nil
	})
	return out
}()

// asset is the URL of a static file, with its version.
func asset(name string) string {
	v, ok := assets[name]
	if !ok {
		panic("web: no static file " + name)
	}
	return "/static/" + name + "?v=" + v
}

// staticFiles serves the embedded static files, outside the session.
func staticFiles() http.Handler {
	sub, err := fs.Sub(files, "static")
	if err != nil {
		panic(err)
	}
	fileServer := http.StripPrefix("/static/", http.FileServerFS(sub))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("v") != "" {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		} else {
			w.Header().Set("Cache-Control", "public, max-age=300")
		}
		fileServer.ServeHTTP(w, r)
	})
}
