package i18n

// The texts every answer may carry: the problem titles (keyed by Go's
// http.StatusText), the internal error, and the domain's named values.
func init() {
	add(map[string]Pair{
		"Bad Request":                {"Yêu cầu không hợp lệ", "Bad Request"},
		"Unauthorized":               {"Chưa xác thực", "Unauthorized"},
		"Forbidden":                  {"Không có quyền", "Forbidden"},
		"Not Found":                  {"Không tìm thấy", "Not Found"},
		"Method Not Allowed":         {"Phương thức không được phép", "Method Not Allowed"},
		"Conflict":                   {"Xung đột trạng thái", "Conflict"},
		"Precondition Failed":        {"Phiên bản đã thay đổi", "Precondition Failed"},
		"Request Entity Too Large":   {"Dữ liệu gửi lên quá lớn", "Request Entity Too Large"},
		"Unsupported Media Type":     {"Định dạng không được hỗ trợ", "Unsupported Media Type"},
		"Unprocessable Entity":       {"Dữ liệu không hợp lệ", "Unprocessable Entity"},
		"Locked":                     {"Đã khóa", "Locked"},
		"Too Many Requests":          {"Quá nhiều yêu cầu", "Too Many Requests"},
		"Internal Server Error":      {"Lỗi máy chủ", "Internal Server Error"},
		"Service Unavailable":        {"Dịch vụ tạm thời không sẵn sàng", "Service Unavailable"},
		"Internal error.":            {"Lỗi nội bộ.", "Internal error."},
		"Lỗi nội bộ; mã yêu cầu %s.": {"Lỗi nội bộ; mã yêu cầu %s.", "Internal error; request id %s."},
	})
	addTerms(map[string]Pair{
		// roles
		"admin":    {"quản trị viên", "administrator"},
		"council":  {"Hội đồng thẩm định", "appraisal council"},
		"updater":  {"cán bộ cập nhật", "updater"},
		"approver": {"lãnh đạo phê duyệt", "approver"},
		"system":   {"hệ thống", "system"},
		// states
		"draft":     {"đang nhập liệu", "draft"},
		"entered":   {"đã nhập xong", "entered"},
		"reviewed":  {"đã duyệt", "reviewed"},
		"signed":    {"đã ký số", "signed"},
		"submitted": {"đã gửi", "submitted"},
		"locked":    {"đã khóa", "locked"},
		// events
		"complete":   {"hoàn thành nhập liệu", "complete"},
		"reopen":     {"mở lại để sửa", "reopen"},
		"approve":    {"phê duyệt", "approve"},
		"return":     {"trả lại", "return"},
		"sign":       {"ký số", "sign"},
		"submit":     {"gửi báo cáo", "submit"},
		"lock":       {"khóa", "lock"},
		"open_round": {"mở đợt bổ sung", "open a supplementary round"},
		"extend":     {"gia hạn", "extend"},
		// agency kinds
		"department": {"sở, ban, ngành", "department"},
		"district":   {"UBND cấp huyện", "district People's Committee"},
	})
}
