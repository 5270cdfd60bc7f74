package i18n

// The texts of package handlers: reading requests (JSON, query parameters,
// multipart), routing, authentication and the health checks.
func init() {
	add(map[string]Pair{
		// routing and authentication
		"Không có tài nguyên này.": {"Không có tài nguyên này.", "No such resource."},
		"Tài nguyên này không nhận phương thức đã gửi.": {
			"Tài nguyên này không nhận phương thức đã gửi.", "Method not allowed on this resource."},
		"Không tìm thấy %s «%s».": {"Không tìm thấy %s «%s».", "No %s \"%s\"."},
		"Hãy gửi mã truy cập trong tiêu đề Authorization: Bearer <token>.": {
			"Hãy gửi mã truy cập trong tiêu đề Authorization: Bearer <token>.", "Send a token as Authorization: Bearer <token>."},
		"Địa chỉ này không được phép đọc số liệu giám sát.": {
			"Địa chỉ này không được phép đọc số liệu giám sát.", "This address may not read the metrics."},

		// the body
		"Nội dung gửi lên vượt quá %d byte.":   {"Nội dung gửi lên vượt quá %d byte.", "The body is larger than %d bytes."},
		"Không đọc được nội dung yêu cầu: %v.": {"Không đọc được nội dung yêu cầu: %v.", "Cannot read the body: %v."},
		"Hãy gửi JSON (Content-Type: application/json).": {
			"Hãy gửi JSON (Content-Type: application/json).", "Send JSON (Content-Type: application/json)."},
		"Sau giá trị JSON còn dữ liệu thừa; hãy gửi đúng một đối tượng JSON.": {
			"Sau giá trị JSON còn dữ liệu thừa; hãy gửi đúng một đối tượng JSON.", "There is data after the JSON value; send exactly one JSON object."},
		"Nội dung yêu cầu trống; hãy gửi một đối tượng JSON.": {
			"Nội dung yêu cầu trống; hãy gửi một đối tượng JSON.", "The body is empty; send a JSON object."},
		"JSON sai cú pháp tại byte %d.":     {"JSON sai cú pháp tại byte %d.", "Malformed JSON at byte %d."},
		"Yêu cầu này không có trường «%s».": {"Yêu cầu này không có trường «%s».", "Unknown field \"%s\"."},
		"Trường không được nhận ở đây.":     {"Trường không được nhận ở đây.", "Unknown field."},
		"Nội dung không phải JSON hợp lệ cho yêu cầu này.": {
			"Nội dung không phải JSON hợp lệ cho yêu cầu này.", "The body is not valid JSON for this call."},
		"Nội dung yêu cầu phải là một đối tượng JSON.": {
			"Nội dung yêu cầu phải là một đối tượng JSON.", "The body must be a JSON object."},
		"Trường %s phải là một số.":             {"Trường %s phải là một số.", "%s must be a number."},
		"Phải là một số.":                       {"Phải là một số.", "Must be a number."},
		"Trường %s phải là một chuỗi.":          {"Trường %s phải là một chuỗi.", "%s must be a string."},
		"Phải là một chuỗi.":                    {"Phải là một chuỗi.", "Must be a string."},
		"Trường %s phải là true hoặc false.":    {"Trường %s phải là true hoặc false.", "%s must be true or false."},
		"Phải là true hoặc false.":              {"Phải là true hoặc false.", "Must be true or false."},
		"Trường %s phải là một mảng JSON.":      {"Trường %s phải là một mảng JSON.", "%s must be a JSON array."},
		"Phải là một mảng JSON.":                {"Phải là một mảng JSON.", "Must be a JSON array."},
		"Trường %s phải là một đối tượng JSON.": {"Trường %s phải là một đối tượng JSON.", "%s must be a JSON object."},
		"Phải là một đối tượng JSON.":           {"Phải là một đối tượng JSON.", "Must be a JSON object."},
		"Khóa bị lặp lại.":                      {"Khóa bị lặp lại.", "Duplicate key."},
		"Viết đúng là «%s».":                    {"Viết đúng là «%s».", "Write it as \"%s\"."},
		"Khóa «%s» được gửi hai lần trong cùng một đối tượng JSON.": {
			"Khóa «%s» được gửi hai lần trong cùng một đối tượng JSON.", "The key \"%s\" is sent twice in one JSON object."},
		"Khóa «%s» phải viết đúng chữ hoa, chữ thường: «%s».": {
			"Khóa «%s» phải viết đúng chữ hoa, chữ thường: «%s».", "The key \"%s\" must be written with exactly this letter case: \"%s\"."},

		// scores and times
		"Trường %s: số thập phân phải dùng dấu chấm (0.5), không dùng dấu phẩy (0,5).": {
			"Trường %s: số thập phân phải dùng dấu chấm (0.5), không dùng dấu phẩy (0,5).", "%s: write decimals with a point (0.5), not a comma (0,5)."},
		"Dùng dấu chấm thập phân: 0.5, không phải 0,5.": {
			"Dùng dấu chấm thập phân: 0.5, không phải 0,5.", "Use a decimal point: 0.5, not 0,5."},
		"Trường %s phải là một số JSON, không đặt trong dấu ngoặc kép: %s thay vì \"%s\".": {
			"Trường %s phải là một số JSON, không đặt trong dấu ngoặc kép: %s thay vì \"%s\".", "%s must be a JSON number, without quotes: %s instead of \"%s\"."},
		"Phải là một số, không phải chuỗi.":   {"Phải là một số, không phải chuỗi.", "Must be a number, not a string."},
		"Trường %s phải là một số hoặc null.": {"Trường %s phải là một số hoặc null.", "%s must be a number or null."},
		"Phải là một số, ví dụ 0.75, hoặc null.": {
			"Phải là một số, ví dụ 0.75, hoặc null.", "Must be a number such as 0.75, or null."},
		"Trường %s: %s không phải là một điểm hợp lệ; điểm có tối đa hai chữ số thập phân sau dấu chấm, ví dụ 0.75.": {
			"Trường %s: %s không phải là một điểm hợp lệ; điểm có tối đa hai chữ số thập phân sau dấu chấm, ví dụ 0.75.",
			"%s: %s is not a valid score; a score has at most two decimals after a point, such as 0.75."},
		"Tối đa hai chữ số thập phân, dùng dấu chấm, ví dụ 0.75.": {
			"Tối đa hai chữ số thập phân, dùng dấu chấm, ví dụ 0.75.", "At most two decimals, with a point, such as 0.75."},
		"%s: «%s» không phải là một thời điểm đầy đủ, ví dụ 2026-11-25T17:00:00+07:00.": {
			"%s: «%s» không phải là một thời điểm đầy đủ, ví dụ 2026-11-25T17:00:00+07:00.", "%s: \"%s\" is not a full date-time such as 2026-11-25T17:00:00+07:00."},
		"Cần một thời điểm đầy đủ, ví dụ 2026-11-25T17:00:00+07:00.": {
			"Cần một thời điểm đầy đủ, ví dụ 2026-11-25T17:00:00+07:00.", "A full date-time such as 2026-11-25T17:00:00+07:00."},

		// query parameters
		"Tham số %s phải là một số nguyên.":   {"Tham số %s phải là một số nguyên.", "%s must be an integer."},
		"Phải là một số nguyên.":              {"Phải là một số nguyên.", "Must be an integer."},
		"Không có trạng thái «%s».":           {"Không có trạng thái «%s».", "Unknown state \"%s\"."},
		"Phải là một số nguyên từ 1 đến 500.": {"Phải là một số nguyên từ 1 đến 500.", "Must be an integer between 1 and 500."},
		"Tham số unread phải là true hoặc false.": {
			"Tham số unread phải là true hoặc false.", "unread must be true or false."},
		"Tham số actor phải là mã số của một người dùng (số nguyên dương).": {
			"Tham số actor phải là mã số của một người dùng (số nguyên dương).", "actor must be a user's id (a positive integer)."},
		"Tham số before phải là mã số của một dòng nhật ký (số nguyên dương).": {
			"Tham số before phải là mã số của một dòng nhật ký (số nguyên dương).", "before must be a log line's id (a positive integer)."},
		"Tham số kind phải là một loại thay đổi của nhật ký quản trị: user, grant, token, agency, criteria_set, campaign, exemption, import hoặc signer.": {
			"Tham số kind phải là một loại thay đổi của nhật ký quản trị: user, grant, token, agency, criteria_set, campaign, exemption, import hoặc signer.",
			"kind must be a kind of change of the audit log: user, grant, token, agency, criteria_set, campaign, exemption, import or signer."},
		"Tham số from phải là một thời điểm đầy đủ, ví dụ 2026-11-25T17:00:00+07:00.": {
			"Tham số from phải là một thời điểm đầy đủ, ví dụ 2026-11-25T17:00:00+07:00.", "from must be a full date-time such as 2026-11-25T17:00:00+07:00."},
		"Tham số to phải là một thời điểm đầy đủ, ví dụ 2026-11-25T17:00:00+07:00.": {
			"Tham số to phải là một thời điểm đầy đủ, ví dụ 2026-11-25T17:00:00+07:00.", "to must be a full date-time such as 2026-11-25T17:00:00+07:00."},
		"Tham số limit phải là một số nguyên từ 1 đến 1000.": {
			"Tham số limit phải là một số nguyên từ 1 đến 1000.", "limit must be an integer between 1 and 1000."},
		"Tham số lọc %s không hợp lệ.":     {"Tham số lọc %s không hợp lệ.", "The filter %s is not valid."},
		"Một số tham số lọc không hợp lệ.": {"Một số tham số lọc không hợp lệ.", "Some filters are not valid."},

		// bodies other than JSON
		"Hãy gửi bộ tiêu chí dạng application/yaml hoặc application/json.": {
			"Hãy gửi bộ tiêu chí dạng application/yaml hoặc application/json.", "Send the criteria set as application/yaml or application/json."},
		"Hãy gửi danh sách dạng text/csv, %s hoặc application/octet-stream, hoặc dạng multipart/form-data với tệp trong trường \"file\".": {
			"Hãy gửi danh sách dạng text/csv, %s hoặc application/octet-stream, hoặc dạng multipart/form-data với tệp trong trường \"file\".",
			"Send the list as text/csv, %s or application/octet-stream, or as multipart/form-data with the file in the field \"file\"."},
		"Biểu mẫu không có tệp: hãy gửi danh sách trong trường \"file\".": {
			"Biểu mẫu không có tệp: hãy gửi danh sách trong trường \"file\".", "The form has no file: send the list in the field \"file\"."},
		"Nội dung multipart không đúng định dạng: %v.": {
			"Nội dung multipart không đúng định dạng: %v.", "The multipart body is malformed: %v."},
		"Nội dung multipart thiếu boundary.": {"Nội dung multipart thiếu boundary.", "The multipart body has no boundary."},
		"Bắt buộc.":                          {"Bắt buộc.", "Required."},
		"Thiếu user_id: hãy cho biết mã số người dùng.": {
			"Thiếu user_id: hãy cho biết mã số người dùng.", "user_id is required: give the user's id."},

		// files and signatures
		"Tệp phải có định dạng %s; tệp đã gửi là %s.": {
			"Tệp phải có định dạng %s; tệp đã gửi là %s.", "This must be %s; the file is %s."},
		"Máy chủ chưa được cấu hình nơi lưu tệp.": {
			"Máy chủ chưa được cấu hình nơi lưu tệp.", "File storage is not configured."},
		"Tệp PDF quá phức tạp để kiểm tra chữ ký số trong giới hạn cho phép; hãy xuất lại tệp (in ra PDF) rồi ký số và tải lên.": {
			"Tệp PDF quá phức tạp để kiểm tra chữ ký số trong giới hạn cho phép; hãy xuất lại tệp (in ra PDF) rồi ký số và tải lên.",
			"The PDF is too complex to check its digital signature within the limits; export it again (print to PDF), sign it and upload it."},
		"Chính sách chữ ký: report. Chưa cấu hình chứng thư gốc tin cậy (--trust-roots): mọi chữ ký số được chấp nhận mà không xác minh người ký.": {
			"Chính sách chữ ký: report. Chưa cấu hình chứng thư gốc tin cậy (--trust-roots): mọi chữ ký số được chấp nhận mà không xác minh người ký.",
			"Signature policy: report. No trust roots are configured (--trust-roots): every digital signature is accepted without checking the signer."},
		"Chính sách chữ ký: report. Chữ ký số không tin cậy vẫn được chấp nhận, chỉ được ghi nhận.": {
			"Chính sách chữ ký: report. Chữ ký số không tin cậy vẫn được chấp nhận, chỉ được ghi nhận.",
			"Signature policy: report. Untrusted digital signatures are still accepted, only recorded."},

		// health
		"Cơ sở dữ liệu không trả lời.": {"Cơ sở dữ liệu không trả lời.", "The database does not answer."},
		"Lược đồ cơ sở dữ liệu chưa được cập nhật.": {
			"Lược đồ cơ sở dữ liệu chưa được cập nhật.", "The database schema is not current."},
	})
}
