package handlers

import (
	"context"
	"net/http"
	"time"

	"parindex/i18n"
	"parindex/signature"
	"parindex/workflow"
)

func (s *Server) handleHealth(w http.ResponseWriter, r *http.Request) {
	writeHealth(w, r, http.StatusOK, map[string]string{"status": "ok"})
}

// writeHealth answers a health check: the JSON for GET, the status alone for
// HEAD.
func writeHealth(w http.ResponseWriter, r *http.Request, status int, v any) {
	if r.Method == http.MethodHead {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		return
	}
	writeJSON(w, status, v)
}

// Drain makes /readyz answer 503 from now on, while every other route goes
// on answering: the first step of a shutdown, so that a load balancer stops
// sending requests before the listener closes.
func (s *Server) Drain() {
	s.draining.Store(true)
}

// handleReady is 200 only when the database answers and every migration is
// applied, and the service is not shutting down (Drain).
func (s *Server) handleReady(w http.ResponseWriter, r *http.Request) {
	if s.draining.Load() {
		writeHealth(w, r, http.StatusServiceUnavailable, map[string]string{"status": "draining", "detail": "Dịch vụ đang dừng: các yêu cầu đang chạy được hoàn tất, yêu cầu mới hãy gửi tới bản chạy khác."})
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 3*time.Second)
	defer cancel()
	if err := s.store.Ping(ctx); err != nil {
		writeHealth(w, r, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "detail": i18n.Sprintf(lang(r), "Cơ sở dữ liệu không trả lời.")})
		return
	}
	current, err := s.store.SchemaCurrent(ctx)
	if err != nil || !current {
		writeHealth(w, r, http.StatusServiceUnavailable, map[string]string{"status": "unavailable", "detail": i18n.Sprintf(lang(r), "Lược đồ cơ sở dữ liệu chưa được cập nhật.")})
		return
	}
	ready := map[string]string{"status": "ok", "signature_policy": string(s.store.SignaturePolicy())}
	if warning := s.policyNotice(r); warning != "" {
		ready["detail"] = warning
	}
	writeHealth(w, r, http.StatusOK, ready)
}

// policyNotice says plainly, under the report policy (the store's, which
// sign and submit apply), that untrusted signatures are accepted; "" under
// require-trusted.
func (s *Server) policyNotice(r *http.Request) string {
	if s.store.SignaturePolicy() == workflow.PolicyRequireTrusted {
		return ""
	}
	if s.trust.Empty() {
		return i18n.Sprintf(lang(r), "Chính sách chữ ký: report. Chưa cấu hình chứng thư gốc tin cậy (--trust-roots): mọi chữ ký số được chấp nhận mà không xác minh người ký.")
	}
	return i18n.Sprintf(lang(r), "Chính sách chữ ký: report. Chữ ký số không tin cậy vẫn được chấp nhận, chỉ được ghi nhận.")
}

// policyWarning is the notice for an upload whose signer is not trusted,
// under the report policy; "" otherwise.
func (s *Server) policyWarning(r *http.Request, rep signature.Report) string {
	if !rep.Present || rep.Trusted {
		return ""
	}
	return s.policyNotice(r)
}
