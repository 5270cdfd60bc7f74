package i18n

// The texts of the administrator's pages (package web, admin*.go).
func init() {
	add(map[string]Pair{
		"Chỉ quản trị viên được vào trang quản trị.": {
			"Chỉ quản trị viên được vào trang quản trị.",
			"Only administrators may open the administration pages."},
	})
}
