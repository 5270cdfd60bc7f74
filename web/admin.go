package web

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/go-chi/chi/v5"

	"parindex/store"
	"parindex/workflow"
)

// adminRoutes: agencies, users, tokens, criteria sets, campaigns, audit.
// Every page asks the policy for its own action; anyone else gets a 403
// page (the menu shows no "Quản trị" to them either).
func (s *Server) adminRoutes(r chi.Router) {
	r.Route("/admin", func(r chi.Router) {
		r.Use(s.requireAnyAdmin)
		r.Get("/", s.handleAdminIndex)
		r.With(s.requireAction(workflow.ActAgencyManage)).Get("/agencies", s.handleAdminAgencies)
		r.With(s.requireAction(workflow.ActAgencyManage)).Get("/agencies/{id}", s.handleAdminAgency)
		r.With(s.requireAction(workflow.ActUserManage)).Get("/users", s.handleAdminUsers)
		r.With(s.requireAction(workflow.ActUserManage)).Get("/users/{id}", s.handleAdminUser)
		r.With(s.requireAction(workflow.ActCriteriaManage)).Get("/criteria", s.handleAdminCriteria)
		r.With(s.requireAction(workflow.ActCriteriaManage)).Get("/criteria/{id}", s.handleAdminCriteriaSet)
		r.With(s.requireAction(workflow.ActCampaignManage)).Get("/campaigns", s.handleAdminCampaigns)
		r.With(s.requireAction(workflow.ActCampaignManage)).Get("/campaigns/{id}", s.handleAdminCampaign)
		r.With(s.requireAction(workflow.ActAuditRead)).Get("/audit", s.handleAdminAudit)
	})
}

func init() {
	addFlashes(map[string]string{
		"dv-tao":     "Đã tạo đơn vị.",
		"dv-sua":     "Đã lưu thông tin đơn vị.",
		"dv-ngung":   "Đơn vị đã ngừng hoạt động: đơn vị không có báo cáo trong các kỳ đánh giá tạo sau này.",
		"dv-mo":      "Đơn vị đã hoạt động trở lại.",
		"dv-cb":      "Đã nhập danh sách cán bộ.",
		"dv-ky-them": "Đã đăng ký người ký.",
		"dv-ky-xoa":  "Đã xoá người ký khỏi danh sách đăng ký.",
		"nd-tao":     "Đã tạo người dùng. Hãy cấp vai trò cho họ.",
		"nd-sua":     "Đã lưu thông tin người dùng.",
		"nd-ngung":   "Người dùng đã bị ngừng: mã truy cập bị thu hồi và các phiên đăng nhập đã kết thúc.",
		"nd-mo":      "Người dùng đã được kích hoạt lại.",
		"nd-cap":     "Đã cấp vai trò.",
		"nd-thu":     "Đã thu hồi vai trò.",
		"ma-thu":     "Đã thu hồi mã truy cập; mã ngừng hoạt động ngay.",
		"tc-nhap":    "Đã nhập bộ tiêu chí.",
		"ky-tao":     "Đã tạo kỳ đánh giá, với một báo cáo cho mỗi đơn vị.",
		"ky-sua":     "Đã lưu kỳ đánh giá.",
		"ky-huy":     "Đã huỷ kỳ đánh giá.",
		"ky-them-bc": "Đã thêm báo cáo cho đơn vị.",
		"khoi-tao":   "Đã thêm khối. Hãy nhập bộ tiêu chí cho khối này.",
	})
}

// adminActions are the administrator's actions: any one opens /admin.
var adminActions = []workflow.Action{workflow.ActAgencyManage, workflow.ActUserManage, workflow.ActTokenManage,
	workflow.ActCriteriaManage, workflow.ActCampaignManage, workflow.ActAuditRead}

var errNotAdmin = workflow.Errorf(workflow.EFORBIDDEN, "Chỉ quản trị viên được vào trang quản trị.")

// requireAnyAdmin lets through only someone the policy allows one of the
// administrator's actions.
func (s *Server) requireAnyAdmin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, a := range adminActions {
			if workflow.Allows(user(r), a, workflow.Target{}) {
				next.ServeHTTP(w, r)
				return
			}
		}
		s.fail(w, r, errNotAdmin)
	})
}

// requireAction refuses, with the policy's own message, anyone who may not
// do a.
func (s *Server) requireAction(a workflow.Action) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if err := workflow.Can(user(r), a, workflow.Target{}); err != nil {
				s.fail(w, r, err)
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// adminPage renders an admin page with the menu entry set.
func (s *Server) adminPage(w http.ResponseWriter, r *http.Request, name, title string, data any) {
	s.render(w, r, http.StatusOK, name, page{Title: title, Nav: "admin", Data: data})
}

func (s *Server) handleAdminIndex(w http.ResponseWriter, r *http.Request) {
	s.adminPage(w, r, "admin", "Quản trị", nil)
}

// auditPage is the audit log with its filters, as in the URL.
type auditPage struct {
	Actor, Kind, From, To string
	Problems              []string
	Rows                  []auditRow
	Kinds                 []auditKind
	Admins                []store.UserRecord
	Older                 string // the next page's URL, "" on the last
}

type auditKind struct{ Code, Name string }

type auditRow struct {
	store.AuditEntry
	KindName, ActionName, DetailText string
	Link                             string // the admin page of the target, when it has one
}

// auditLinks are the admin pages of each kind's target (an id).
var auditLinks = map[string]string{
	store.AuditUser: "/admin/users/", store.AuditGrant: "/admin/users/", store.AuditAgency: "/admin/agencies/",
	store.AuditImport: "/admin/agencies/", store.AuditCampaign: "/admin/campaigns/", store.AuditCriteriaSet: "/admin/criteria/",
}

// auditKindNames are the audit log's kinds in Vietnamese.
var auditKindNames = map[string]string{
	store.AuditUser: "Người dùng", store.AuditGrant: "Vai trò", store.AuditToken: "Mã truy cập",
	store.AuditAgency: "Đơn vị", store.AuditCriteriaSet: "Bộ tiêu chí", store.AuditCampaign: "Kỳ đánh giá",
	store.AuditExemption: "Miễn tiêu chí", store.AuditImport: "Nhập danh sách", store.AuditSigner: "Người ký",
}

// auditActionNames are the actions in Vietnamese; another is shown as is.
var auditActionNames = map[string]string{
	"create": "tạo", "update": "sửa", "delete": "xoá", "replace": "thay thế", "deactivate": "ngừng hoạt động",
	"activate": "kích hoạt lại", "issue": "cấp", "revoke": "thu hồi", "cancel": "huỷ", "add-report": "thêm báo cáo",
	"create-kind": "thêm loại đơn vị", "officials": "nhập danh sách cán bộ", "link-identity": "liên kết tài khoản đăng nhập một lần",
}

const auditPageSize = 50

// handleAdminAudit is the audit log, newest first, filtered by who, what
// and the days (from and to inclusive, in the province's zone).
func (s *Server) handleAdminAudit(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	p := auditPage{Actor: q.Get("actor"), Kind: q.Get("kind"), From: q.Get("from"), To: q.Get("to")}
	f := store.AuditFilter{Limit: auditPageSize}
	if p.Actor != "" {
		if id, err := strconv.ParseInt(p.Actor, 10, 64); err == nil && id > 0 {
			f.ActorID = id
		} else {
			p.Problems = append(p.Problems, "Người thực hiện không hợp lệ; đã bỏ qua.")
		}
	}
	if p.Kind != "" {
		if _, ok := auditKindNames[p.Kind]; ok {
			f.Kind = p.Kind
		} else {
			p.Problems = append(p.Problems, "Loại thay đổi không hợp lệ; đã bỏ qua.")
		}
	}
	day := func(v, what string, next bool) *time.Time {
		if v == "" {
			return nil
		}
		t, err := time.ParseInLocation("2006-01-02", v, s.cfg.Zone)
		if err != nil {
			p.Problems = append(p.Problems, what+" phải là một ngày; đã bỏ qua.")
			return nil
		}
		if next {
			t = t.AddDate(0, 0, 1)
		}
		return &t
	}
	f.From, f.To = day(p.From, "Từ ngày", false), day(p.To, "Đến ngày", true)
	if v := q.Get("before"); v != "" {
		if id, err := strconv.ParseInt(v, 10, 64); err == nil && id > 0 {
			f.Before = id
		}
	}
	rows, err := s.store.ListAudit(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, e := range rows {
		row := auditRow{AuditEntry: e, KindName: auditKindNames[e.Kind], ActionName: auditActionNames[e.Action]}
		if row.KindName == "" {
			row.KindName = e.Kind
		}
		if row.ActionName == "" {
			row.ActionName = e.Action
		}
		if prefix, ok := auditLinks[e.Kind]; ok && e.Action != "cancel" {
			if id, err := strconv.ParseInt(e.Target, 10, 64); err == nil && id > 0 {
				row.Link = prefix + e.Target
			}
		}
		var buf bytes.Buffer
		if json.Indent(&buf, e.Detail, "", "  ") == nil && buf.String() != "{}" {
			row.DetailText = buf.String()
		}
		p.Rows = append(p.Rows, row)
	}
	if len(rows) == auditPageSize {
		older := url.Values{}
		for _, k := range []string{"actor", "kind", "from", "to"} {
			if v := q.Get(k); v != "" {
				older.Set(k, v)
			}
		}
		older.Set("before", strconv.FormatInt(rows[len(rows)-1].ID, 10))
		p.Older = "/admin/audit?" + older.Encode()
	}
	for _, k := range store.AuditKinds {
		p.Kinds = append(p.Kinds, auditKind{k, auditKindNames[k]})
	}
	if p.Admins, err = s.store.ListUsers(r.Context(), store.UserFilter{Role: workflow.RoleAdmin, Limit: store.MaxUserLimit}); err != nil {
		s.fail(w, r, err)
		return
	}
	s.adminPage(w, r, "admin-audit", "Nhật ký quản trị", p)
}
