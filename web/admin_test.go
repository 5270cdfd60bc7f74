package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"parindex/internal/testkit"
	"parindex/store/storetest"
)

// adminPaths are the administrator's pages, with the form each must offer.
func adminPaths(s *site) map[string][]string {
	return map[string][]string{
		"/admin":          {`href="/admin/agencies"`, `href="/admin/users"`, `href="/admin/criteria"`, `href="/admin/campaigns"`, `href="/admin/audit"`},
		"/admin/agencies": {`data-api="/api/v1/agencies"`, "Sở Tư pháp", "UBND huyện A Lưới", "UBND cấp huyện", `for="dv-code"`},
		fmt.Sprintf("/admin/agencies/%d", s.Dept.ID): {fmt.Sprintf(`data-admin-upload="/api/v1/agencies/%d/officials"`, s.Dept.ID), fmt.Sprintf(`data-api="/api/v1/agencies/%d/deactivate"`, s.Dept.ID), s.Dept.Updater.Email, "Cán bộ cập nhật", `data-api="/api/v1/agencies/` + fmt.Sprint(s.Dept.ID) + `/signers"`},
		"/admin/users": {`data-api="/api/v1/users"`, `name="q"`, s.Council.Email, "Hội đồng thẩm định"},
		fmt.Sprintf("/admin/users/%d", s.Dept.Updater.ID): {fmt.Sprintf(`data-api="/api/v1/users/%d/grants"`, s.Dept.Updater.ID), `data-api="/api/v1/tokens" data-show="1"`, "Cán bộ cập nhật · Sở Tư pháp", "role=updater"},
		"/admin/criteria": {`data-admin-file="/api/v1/criteria-sets"`, s.DeptSet.Name, "Đang dùng trong kỳ đánh giá"},
		fmt.Sprintf("/admin/criteria/%d", s.DeptSet.ID): {s.DeptSet.Criteria[0].Title, "Cây tiêu chí"},
		"/admin/campaigns": {`data-admin-json="/api/v1/campaigns"`, s.Campaign.Name, `name="criteria_sets.district"`, "Đang diễn ra"},
		fmt.Sprintf("/admin/campaigns/%d", s.Campaign.ID): {fmt.Sprintf(`data-api="/api/v1/campaigns/%d/cancel"`, s.Campaign.ID), `data-confirm="xn-huy-ky"`},
		"/admin/audit": {`name="kind"`, `type="date"`},
	}
}

// The administrator sees each page with its forms; everyone else gets a 403
// page on each and no "Quản trị" in the menu.
func TestAdminPagesAndWhoSeesThem(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		s := newSite(t, dialect)
		admin := s.login(t, s.Admin)
		admin.open("/").has(t, `href="/admin"`)
		for path, texts := range adminPaths(s) {
			p := admin.open(path)
			p.has(t, texts...)
			p.has(t, "admin.js", `aria-current="page">Quản trị`)
		}
		for _, u := range []*struct {
			name string
			b    *browser
		}{{"updater", s.login(t, s.Dept.Updater)}, {"council", s.login(t, s.Council)}} {
			u.b.open("/").lacks(t, `href="/admin"`)
			for path := range adminPaths(s) {
				p := u.b.get(path)
				if p.Status != http.StatusForbidden {
					t.Errorf("%s: GET %s = %d, want 403", u.name, path, p.Status)
				}
				p.lacks(t, "data-api=", "data-admin-")
			}
		}
		admin.get("/admin/users/999999").has(t, "Không tìm thấy")
		if p := admin.get("/admin/campaigns/x"); p.Status != http.StatusNotFound {
			t.Errorf("/admin/campaigns/x = %d", p.Status)
		}
	})
}

// The page's create form's body makes a user; the list and the search show
// them, their name as text; a role granted shows on their page.
func TestAdminCreatesUserAndGrantsRole(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		s := newSite(t, dialect)
		b := s.login(t, s.Admin)
		res := b.call("POST", "/api/v1/users", `{"name":"Lê <script>alert(1)</script> Văn","email":"le.van@stp.example.vn","title":"Chuyên viên"}`)
		if res.Status != http.StatusCreated {
			t.Fatalf("create user: %s\n%s", res, res.Body)
		}
		var u struct{ ID int64 }
		if err := json.Unmarshal([]byte(res.Body), &u); err != nil || u.ID == 0 {
			t.Fatalf("answer %s: %v", res.Body, err)
		}
		list := b.open("/admin/users?xong=nd-tao")
		list.has(t, "le.van@stp.example.vn", "Lê &lt;script&gt;alert(1)&lt;/script&gt; Văn", "Đã tạo người dùng")
		list.lacks(t, "<script>alert(1)")
		found := b.open("/admin/users?q=le.van")
		found.has(t, "le.van@stp.example.vn")
		found.lacks(t, s.Council.Email)
		b.open("/admin/users?q=khong-co-ai").has(t, "Không có người dùng nào khớp điều kiện tìm")

		res = b.call("POST", fmt.Sprintf("/api/v1/users/%d/grants", u.ID), fmt.Sprintf(`{"role":"approver","agency_id":%d}`, s.Dept.ID))
		if res.Status != http.StatusCreated {
			t.Fatalf("grant: %s\n%s", res, res.Body)
		}
		p := b.open(fmt.Sprintf("/admin/users/%d", u.ID))
		p.has(t, "Lãnh đạo phê duyệt · Sở Tư pháp", fmt.Sprintf("agency_id=%d&amp;role=approver", s.Dept.ID))
		p.lacks(t, "<script>alert(1)")
		b.open(fmt.Sprintf("/admin/users?role=approver&agency=%d", s.Dept.ID)).has(t, "le.van@stp.example.vn", s.Dept.Approver.Email)
		b.open(fmt.Sprintf("/admin/agencies/%d", s.Dept.ID)).has(t, "le.van@stp.example.vn")

		// The revoke button's request, as the page sends it.
		res = b.call("DELETE", fmt.Sprintf("/api/v1/users/%d/grants?role=approver&agency_id=%d", u.ID, s.Dept.ID), "{}")
		if res.Status != http.StatusOK {
			t.Fatalf("revoke: %s\n%s", res, res.Body)
		}
		b.open(fmt.Sprintf("/admin/users/%d", u.ID)).has(t, "Chưa có vai trò nào")
	})
}

// multipartFile is a form with one file field, as the page's FormData is.
func multipartFile(t *testing.T, name string, data []byte) (string, string) {
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	return buf.String(), mw.FormDataContentType()
}

// An officials list with bad rows is refused whole; the answer names every
// row and column (the page's alert box lists them); a good list's officials
// then show on the agency's page.
func TestAdminOfficialsImport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		s := newSite(t, dialect)
		b := s.login(t, s.Admin)
		path := fmt.Sprintf("/api/v1/agencies/%d/officials", s.District.ID)
		body, ctype := multipartFile(t, "officials-bad.csv", testkit.Sample(t, "officials-bad.csv"))
		res := b.call("POST", path, body, "Content-Type", ctype)
		if res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("bad list: %s\n%s", res, res.Body)
		}
		var p struct {
			Detail string
			Errors []struct {
				Row            int
				Field, Message string
			}
		}
		if err := json.Unmarshal([]byte(res.Body), &p); err != nil {
			t.Fatal(err)
		}
		fields := map[string]bool{}
		for _, e := range p.Errors {
			fields[e.Field] = true
			if e.Row == 0 || !strings.HasPrefix(e.Field, fmt.Sprintf("rows/%d/", e.Row)) || e.Message == "" {
				t.Errorf("an error the page cannot place: %+v", e)
			}
		}
		for _, f := range []string{"rows/2/email", "rows/3/name", "rows/4/permission", "rows/6/email"} {
			if !fields[f] {
				t.Errorf("no error on %s in %s", f, res.Body)
			}
		}
		if !strings.Contains(p.Detail, "chưa nhập gì") {
			t.Errorf("detail %q", p.Detail)
		}
		b.open(fmt.Sprintf("/admin/agencies/%d", s.District.ID)).lacks(t, "giang@huyen.example.vn")

		body, ctype = multipartFile(t, "officials-department.csv", testkit.Sample(t, "officials-department.csv"))
		if res := b.call("POST", path, body, "Content-Type", ctype); res.Status != http.StatusOK {
			t.Fatalf("good list: %s\n%s", res, res.Body)
		}
		b.open(fmt.Sprintf("/admin/agencies/%d?xong=dv-cb", s.District.ID)).has(t, "an.nv@so-tuphap.example.vn", "Phó Giám đốc", "Đã nhập danh sách cán bộ")
	})
}

// A token is shown once, in the answer the page's script gets; the page
// lists it without its secret, and revoking it is one request.
func TestAdminTokenShownOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		s := newSite(t, dialect)
		b := s.login(t, s.Admin)
		u := s.Dept.Updater
		res := b.call("POST", "/api/v1/tokens", fmt.Sprintf(`{"user_id":%d,"no_expiry":false}`, u.ID))
		if res.Status != http.StatusCreated {
			t.Fatalf("issue: %s\n%s", res, res.Body)
		}
		var tok struct {
			ID    int64
			Token string
		}
		if err := json.Unmarshal([]byte(res.Body), &tok); err != nil || tok.Token == "" {
			t.Fatalf("answer %s: %v", res.Body, err)
		}
		p := b.open(fmt.Sprintf("/admin/users/%d", u.ID))
		p.has(t, fmt.Sprintf(`data-api="/api/v1/tokens/%d" data-method="DELETE"`, tok.ID), "Còn hiệu lực", s.Admin.Email)
		p.lacks(t, tok.Token)
		if res := b.call("DELETE", fmt.Sprintf("/api/v1/tokens/%d", tok.ID), "{}"); res.Status != http.StatusNoContent {
			t.Fatalf("revoke: %s\n%s", res, res.Body)
		}
		p = b.open(fmt.Sprintf("/admin/users/%d?xong=ma-thu", u.ID))
		p.has(t, "Đã thu hồi", "Đã thu hồi mã truy cập")
		p.lacks(t, fmt.Sprintf(`data-api="/api/v1/tokens/%d"`, tok.ID))
	})
}

// A criteria set sent as the page's script sends the chosen file: errors
// named by criterion; a good one is listed and viewable.
func TestAdminCriteriaImport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		s := newSite(t, dialect)
		b := s.login(t, s.Admin)
		res := b.call("POST", "/api/v1/criteria-sets", string(testkit.Sample(t, "criteria-bad.yaml")), "Content-Type", "application/yaml")
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `"field":"criteria/`) {
			t.Fatalf("bad set: %s\n%s", res, res.Body)
		}
		res = b.call("POST", "/api/v1/criteria-sets", string(testkit.Sample(t, "criteria-small.json")), "Content-Type", "application/json")
		if res.Status != http.StatusCreated {
			t.Fatalf("good set: %s\n%s", res, res.Body)
		}
		var set struct{ ID int64 }
		json.Unmarshal([]byte(res.Body), &set)
		b.open("/admin/criteria").has(t, "Bộ tiêu chí nhỏ (JSON)", "NHO-2026", "Chưa dùng")
		b.open(fmt.Sprintf("/admin/criteria/%d", set.ID)).has(t, "Khảo sát sự hài lòng", "2,5", "UBND cấp huyện")
	})
}

// A campaign made with the page's body shape (sets nested by kind), edited
// before it opens, then cancelled; the audit log shows every step, and its
// filters narrow it.
func TestAdminCampaignAndAudit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		s := newSite(t, dialect)
		b := s.login(t, s.Admin)
		res := b.call("POST", "/api/v1/campaigns", fmt.Sprintf(`{"name":"Kỳ <b>thử</b>","year":2027,"opens_at":"2027-01-05T08:00","closes_at":"2027-02-05T17:00","criteria_sets":{"department":%d}}`, s.DeptSet.ID))
		if res.Status != http.StatusCreated {
			t.Fatalf("create: %s\n%s", res, res.Body)
		}
		var c struct{ ID int64 }
		json.Unmarshal([]byte(res.Body), &c)
		b.open("/admin/campaigns").has(t, "Kỳ &lt;b&gt;thử&lt;/b&gt;", "08:00 05/01/2027", "17:00 05/02/2027", "Chưa mở")
		p := b.open(fmt.Sprintf("/admin/campaigns/%d", c.ID))
		p.has(t, fmt.Sprintf(`data-api="/api/v1/campaigns/%d" data-method="PATCH"`, c.ID), `value="2027-01-05T08:00"`, s.DeptSet.Name)
		if res := b.call("PATCH", fmt.Sprintf("/api/v1/campaigns/%d", c.ID), `{"name":"Kỳ thử","opens_at":"2027-01-06T08:00","closes_at":"2027-02-05T17:00"}`); res.Status != http.StatusOK {
			t.Fatalf("edit: %s\n%s", res, res.Body)
		}
		b.open(fmt.Sprintf("/admin/campaigns/%d", c.ID)).has(t, "08:00 06/01/2027")
		// The running campaign offers no edit.
		b.open(fmt.Sprintf("/admin/campaigns/%d", s.Campaign.ID)).lacks(t, `data-method="PATCH"`)
		if res := b.call("POST", fmt.Sprintf("/api/v1/campaigns/%d/cancel", c.ID), "{}"); res.Status != http.StatusNoContent {
			t.Fatalf("cancel: %s\n%s", res, res.Body)
		}
		b.open("/admin/campaigns?xong=ky-huy").has(t, "Đã huỷ kỳ đánh giá")

		b.call("POST", "/api/v1/tokens", fmt.Sprintf(`{"user_id":%d}`, s.Council.ID))
		a := b.open("/admin/audit")
		a.has(t, "Kỳ đánh giá: tạo", "Kỳ đánh giá: sửa", "Kỳ đánh giá: huỷ", "Mã truy cập: cấp", s.Admin.Email, "10:00 20/11/2026")
		// The admin's own first login linked their identity: nobody at the
		// command line did.
		a.has(t, "chính người dùng, ở lần đăng nhập đầu tiên")
		a = b.open("/admin/audit?kind=token")
		a.has(t, "Mã truy cập: cấp")
		a.lacks(t, "Kỳ đánh giá: tạo")
		b.open("/admin/audit?from=2026-11-21").has(t, "Không có thay đổi nào khớp bộ lọc")
		b.open("/admin/audit?from=2026-11-20&to=2026-11-20").has(t, "Kỳ đánh giá: huỷ")
		b.open(fmt.Sprintf("/admin/audit?actor=%d", s.Council.ID)).has(t, "Không có thay đổi nào")
		b.open("/admin/audit?from=hôm-qua&kind=x").has(t, "Từ ngày phải là một ngày", "Loại thay đổi không hợp lệ", "Kỳ đánh giá: tạo")
	})
}

// The page's deactivation of a user logs them out at once; of an agency,
// marks it; each comes back with its activation.
func TestAdminDeactivates(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		s := newSite(t, dialect)
		b := s.login(t, s.Admin)
		updater := s.login(t, s.Dept.Updater)
		updater.open("/")
		if res := b.call("POST", fmt.Sprintf("/api/v1/users/%d/deactivate", s.Dept.Updater.ID), "{}"); res.Status != http.StatusOK {
			t.Fatalf("deactivate: %s\n%s", res, res.Body)
		}
		if p := updater.get("/"); !strings.Contains(p.URL.Path, "/dev-sso/authorize") {
			t.Errorf("a deactivated user's page: %s, want the login", p)
		}
		p := b.open(fmt.Sprintf("/admin/users/%d?xong=nd-ngung", s.Dept.Updater.ID))
		p.has(t, "Đã ngừng từ 10:00 20/11/2026", "các phiên đăng nhập đã kết thúc", fmt.Sprintf(`data-api="/api/v1/users/%d/activate"`, s.Dept.Updater.ID))
		p.lacks(t, `data-token class="issue"`, "data-show=")

		if res := b.call("POST", fmt.Sprintf("/api/v1/agencies/%d/deactivate", s.Dept2.ID), "{}"); res.Status != http.StatusOK {
			t.Fatalf("deactivate agency: %s\n%s", res, res.Body)
		}
		b.open(fmt.Sprintf("/admin/agencies/%d", s.Dept2.ID)).has(t, "Ngừng hoạt động từ 10:00 20/11/2026", fmt.Sprintf(`data-api="/api/v1/agencies/%d/activate"`, s.Dept2.ID))
		b.open("/admin/agencies").has(t, "Ngừng hoạt động")
		b.open("/admin/audit?kind=agency").has(t, "Đơn vị: ngừng hoạt động", fmt.Sprintf(`href="/admin/agencies/%d"`, s.Dept2.ID))
	})
}

// A new kind of agency from the agencies page's form, then an agency of it
// given a report in the running campaign from the campaign's page.
func TestAdminKindAndLateReport(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		s := newSite(t, dialect)
		b := s.login(t, s.Admin)
		if res := b.call("POST", "/api/v1/agency-kinds", `{"code":"commune","name":"UBND cấp xã","position":3}`); res.Status != http.StatusCreated {
			t.Fatalf("kind: %s\n%s", res, res.Body)
		}
		b.open("/admin/agencies?xong=khoi-tao").has(t, "Đã thêm khối", `<option value="commune">UBND cấp xã</option>`)
		res := b.call("POST", "/api/v1/agencies", `{"code":"sxd","name":"Sở Xây dựng","kind":"department"}`)
		var a struct{ ID int64 }
		json.Unmarshal([]byte(res.Body), &a)
		p := b.open(fmt.Sprintf("/admin/campaigns/%d", s.Campaign.ID))
		p.has(t, fmt.Sprintf(`data-api="/api/v1/campaigns/%d/reports"`, s.Campaign.ID), fmt.Sprintf(`<option value="%d">Sở Xây dựng</option>`, a.ID))
		if res := b.call("POST", fmt.Sprintf("/api/v1/campaigns/%d/reports", s.Campaign.ID), fmt.Sprintf(`{"agency_id":%d}`, a.ID)); res.Status != http.StatusCreated {
			t.Fatalf("late report: %s\n%s", res, res.Body)
		}
	})
}

// Every data-done key of the admin pages' forms has its message.
func TestAdminFlashesKnown(t *testing.T) {
	s := newSite(t, "sqlite")
	b := s.login(t, s.Admin)
	files, err := filepath.Glob("templates/pages/admin*.html")
	if err != nil || len(files) == 0 {
		t.Fatalf("templates: %v", err)
	}
	keys := map[string]bool{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range regexp.MustCompile(`data-done="([^"]+)"`).FindAllStringSubmatch(string(data), -1) {
			keys[m[1]] = true
		}
	}
	for k := range keys {
		if p := b.open("/admin?xong=" + k); !strings.Contains(p.Body, `<p class="flash" role="status">`) {
			t.Errorf("no message for data-done=%q", k)
		}
	}
}

// A registered signer from the agency page's form is listed, with a button
// that removes it.
func TestAdminSigners(t *testing.T) {
	storetest.Each(t, func(t *testing.T, dialect string) {
		s := newSite(t, dialect)
		b := s.login(t, s.Admin)
		res := b.call("POST", fmt.Sprintf("/api/v1/agencies/%d/signers", s.Dept.ID), `{"organization":"SỞ TƯ PHÁP <b>TỈNH</b>","note":"Giám đốc"}`)
		if res.Status != http.StatusCreated {
			t.Fatalf("add signer: %s\n%s", res, res.Body)
		}
		var sg struct{ ID int64 }
		json.Unmarshal([]byte(res.Body), &sg)
		path := fmt.Sprintf("/admin/agencies/%d", s.Dept.ID)
		del := fmt.Sprintf(`data-api="/api/v1/agencies/%d/signers/%d" data-method="DELETE"`, s.Dept.ID, sg.ID)
		b.open(path).has(t, "SỞ TƯ PHÁP &lt;b&gt;TỈNH&lt;/b&gt;", "Giám đốc", del)
		if res := b.call("DELETE", fmt.Sprintf("/api/v1/agencies/%d/signers/%d", s.Dept.ID, sg.ID), "{}"); res.Status/100 != 2 {
			t.Fatalf("delete signer: %s\n%s", res, res.Body)
		}
		b.open(path).has(t, "Chưa đăng ký người ký nào")
	})
}
