package i18n

// The texts of package web's own refusals (the pages' frame and login).
func init() {
	add(map[string]Pair{
		"Phiên đăng nhập không còn hiệu lực; hãy đăng nhập lại.": {"Phiên đăng nhập không còn hiệu lực; hãy đăng nhập lại.", "Your session has ended; please log in again."},
		"Hệ thống chưa được cấu hình đăng nhập một lần; hãy liên hệ quản trị viên.": {
			"Hệ thống chưa được cấu hình đăng nhập một lần; hãy liên hệ quản trị viên.", "Single sign-on is not configured; please contact the administrator."},
		"Bạn đã hủy đăng nhập.": {"Bạn đã hủy đăng nhập.", "You cancelled the login."},
		"Yêu cầu này không xuất phát từ trang của hệ thống nên đã bị từ chối.": {
			"Yêu cầu này không xuất phát từ trang của hệ thống nên đã bị từ chối.", "This request did not come from the service's own pages and was refused."},
		"Không có trang này.": {"Không có trang này.", "There is no such page."},
	})
}
