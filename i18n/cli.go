package i18n

// The texts of the command line (cmd/parindex) around the domain's errors:
// where in an officials list a problem is, named by the form's columns.
func init() {
	add(map[string]Pair{
		"dòng %s, cột %s": {"dòng %s, cột %s", "row %s, %s"},
	})
	addTerms(map[string]Pair{
		"officials:name":       {"Họ và tên", "name"},
		"officials:title":      {"Chức vụ", "title"},
		"officials:email":      {"Email", "email"},
		"officials:permission": {"Quyền", "permission"},
	})
}
