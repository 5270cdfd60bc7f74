package i18n

// The texts of package export.
func init() {
	add(map[string]Pair{
		"Mã băm của bảng tổng hợp phải gồm 64 chữ số thập lục phân; nhận được «%s».": {
			"Mã băm của bảng tổng hợp phải gồm 64 chữ số thập lục phân; nhận được «%s».", "The summary's digest must be 64 hex digits; got \"%s\"."},
	})
}
