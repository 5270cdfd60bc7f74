package i18n

// The texts of package sheet: spreadsheets that cannot be read. Each names
// the file right after the word for file: its %s is " «name»" or nothing.
func init() {
	add(map[string]Pair{
		"Bảng tính có hơn %d cột.":  {"Bảng tính có hơn %d cột.", "The sheet has more than %d columns."},
		"Bảng tính có hơn %d dòng.": {"Bảng tính có hơn %d dòng.", "The sheet has more than %d rows."},
		"Không đọc được tệp%s: %v.": {"Không đọc được tệp%s: %v.", "Cannot read the file%s: %v."},
		"Tệp%s chứa dữ liệu nhị phân, không phải văn bản: hãy gửi sổ tính Excel (.xlsx) hoặc tệp CSV.": {"Tệp%s chứa dữ liệu nhị phân, không phải văn bản: hãy gửi sổ tính Excel (.xlsx) hoặc tệp CSV.", "The file%s holds binary data, not text: send an Excel workbook (.xlsx) or a CSV file."},
		"Tệp%s giải nén ra hơn %d MB, trong khi danh sách cán bộ nhỏ hơn nhiều. Có đúng tệp không?":    {"Tệp%s giải nén ra hơn %d MB, trong khi danh sách cán bộ nhỏ hơn nhiều. Có đúng tệp không?", "The file%s unpacks to more than %d MB: a list of officials is far smaller. Is it the right file?"},
		"Tệp%s không phải CSV hợp lệ: %v.": {"Tệp%s không phải CSV hợp lệ: %v.", "The file%s is not valid CSV: %v."},
		"Tệp%s không phải sổ tính Excel (.xlsx) (tệp .xls cũ, hay trang web lưu thành .xls?): hãy lưu thành Excel Workbook (.xlsx) hoặc CSV UTF-8.":    {"Tệp%s không phải sổ tính Excel (.xlsx) (tệp .xls cũ, hay trang web lưu thành .xls?): hãy lưu thành Excel Workbook (.xlsx) hoặc CSV UTF-8.", "The file%s is not an Excel workbook (.xlsx) (an old .xls or a web page saved as .xls?): save it as Excel Workbook (.xlsx) or as CSV UTF-8."},
		"Tệp%s không phải sổ tính Excel (.xlsx) cũng không phải văn bản UTF-8: hãy lưu thành Excel Workbook (.xlsx) hoặc CSV UTF-8 (Comma delimited).": {"Tệp%s không phải sổ tính Excel (.xlsx) cũng không phải văn bản UTF-8: hãy lưu thành Excel Workbook (.xlsx) hoặc CSV UTF-8 (Comma delimited).", "The file%s is neither an Excel workbook (.xlsx) nor UTF-8 text: save it as Excel Workbook (.xlsx) or as CSV UTF-8 (Comma delimited)."},
		"Tệp%s không phải sổ tính Excel (.xlsx) đọc được: có thể tệp bị hỏng; hãy mở bằng Excel và lưu lại, hoặc lưu thành CSV UTF-8.":                 {"Tệp%s không phải sổ tính Excel (.xlsx) đọc được: có thể tệp bị hỏng; hãy mở bằng Excel và lưu lại, hoặc lưu thành CSV UTF-8.", "The file%s is not a readable Excel workbook (.xlsx): it may be damaged; open it in Excel and save it again, or save it as CSV UTF-8."},
		"Tệp%s không phải sổ tính Excel (.xlsx): đó không phải tệp zip.":                                                                               {"Tệp%s không phải sổ tính Excel (.xlsx): đó không phải tệp zip.", "The file%s is not an Excel workbook (.xlsx): it is not a zip file."},
		"Tệp%s là sổ tính Excel 97-2003 (.xls) cũ hoặc có mật khẩu: hãy lưu thành Excel Workbook (.xlsx) không mật khẩu, hoặc CSV UTF-8.":              {"Tệp%s là sổ tính Excel 97-2003 (.xls) cũ hoặc có mật khẩu: hãy lưu thành Excel Workbook (.xlsx) không mật khẩu, hoặc CSV UTF-8.", "The file%s is an old Excel 97-2003 (.xls) or password-protected workbook: save it as Excel Workbook (.xlsx) without a password, or as CSV UTF-8."},
		"Tệp%s lớn hơn %d byte.":         {"Tệp%s lớn hơn %d byte.", "The file%s is larger than %d bytes."},
		"Tệp%s: không đọc được dòng %d.": {"Tệp%s: không đọc được dòng %d.", "The file%s: row %d cannot be read."},
	})
}
