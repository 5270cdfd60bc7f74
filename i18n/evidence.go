package i18n

// The texts of package evidence: receiving uploads and the blob store.
func init() {
	add(map[string]Pair{
		"Hãy gửi tệp dạng multipart/form-data trong trường \"file\".": {
			"Hãy gửi tệp dạng multipart/form-data trong trường \"file\".", "Send the file as multipart/form-data in the field \"file\"."},
		"Nội dung multipart thiếu boundary.": {"Nội dung multipart thiếu boundary.", "The multipart body has no boundary."},
		"Yêu cầu không có tệp.":              {"Yêu cầu không có tệp.", "The request has no file."},
		"Bắt buộc.":                          {"Bắt buộc.", "Required."},
		"Tệp lớn hơn %d byte.":               {"Tệp lớn hơn %d byte.", "The file is larger than %d bytes."},
		"Tệp tải lên bị ngắt giữa chừng hoặc không đúng định dạng multipart.": {
			"Tệp tải lên bị ngắt giữa chừng hoặc không đúng định dạng multipart.", "The upload was cut off or is not well-formed multipart."},
		"Tài liệu kiểm chứng phải là tệp PDF, Word, Excel, OpenDocument, JPEG hoặc PNG; tệp này có định dạng %s.": {
			"Tài liệu kiểm chứng phải là tệp PDF, Word, Excel, OpenDocument, JPEG hoặc PNG; tệp này có định dạng %s.",
			"Evidence must be a PDF, Word, Excel, OpenDocument, JPEG or PNG file; this one is %s."},
		"Tệp vượt quá giới hạn %s.": {"Tệp vượt quá giới hạn %s.", "The file is larger than the limit of %s."},
		"Tệp rỗng.":                 {"Tệp rỗng.", "The file is empty."},
		"Không còn chỗ để lưu tệp; hãy thử lại sau hoặc báo quản trị viên.": {
			"Không còn chỗ để lưu tệp; hãy thử lại sau hoặc báo quản trị viên.", "There is no room left to store the file; try again later or tell the administrator."},
		"«%s» không phải là một địa chỉ SHA-256.": {"«%s» không phải là một địa chỉ SHA-256.", "\"%s\" is not a SHA-256 address."},
		"Tệp đã lưu bị hỏng và phải được khôi phục từ bản sao lưu.": {
			"Tệp đã lưu bị hỏng và phải được khôi phục từ bản sao lưu.", "The stored file is damaged and must be restored from a backup."},
		"Không tìm thấy tệp tài liệu kiểm chứng (%s).": {
			"Không tìm thấy tệp tài liệu kiểm chứng (%s).", "No such evidence file (%s)."},
		"Không truy cập được kho lưu tài liệu kiểm chứng.": {
			"Không truy cập được kho lưu tài liệu kiểm chứng.", "The evidence store is unavailable."},
	})
}
