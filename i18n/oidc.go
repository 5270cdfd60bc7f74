package i18n

// The texts of package oidc: a login refused.
func init() {
	add(map[string]Pair{
		"Lượt đăng nhập này không còn hiệu lực (đã dùng, đã hết hạn hoặc không do trình duyệt này bắt đầu); vui lòng đăng nhập lại.": {
			"Lượt đăng nhập này không còn hiệu lực (đã dùng, đã hết hạn hoặc không do trình duyệt này bắt đầu); vui lòng đăng nhập lại.",
			"This login is no longer valid (already used, expired, or not started in this browser); please log in again."},
		"Không xác minh được thông tin đăng nhập do hệ thống đăng nhập một lần trả về; vui lòng đăng nhập lại hoặc liên hệ quản trị viên.": {
			"Không xác minh được thông tin đăng nhập do hệ thống đăng nhập một lần trả về; vui lòng đăng nhập lại hoặc liên hệ quản trị viên.",
			"The sign-in details returned by the single sign-on could not be verified; please log in again or contact the administrator."},
	})
}
