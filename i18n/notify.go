package i18n

// The texts of package notify's refusals (the messages themselves are
// written in Vietnamese by notify.Render).
func init() {
	add(map[string]Pair{
		"Không có loại thông báo «%s».":    {"Không có loại thông báo «%s».", "Unknown notification kind \"%s\"."},
		"Bắt buộc.":                        {"Bắt buộc.", "Required."},
		"Bắt buộc với thông báo loại %s.":  {"Bắt buộc với thông báo loại %s.", "Required for the %s notification."},
		"Thông báo loại %s thiếu dữ liệu.": {"Thông báo loại %s thiếu dữ liệu.", "The %s notification lacks data."},
	})
}
