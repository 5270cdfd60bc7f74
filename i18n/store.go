package i18n

// The texts of package store: what is not found, duplicates, stale
// versions, the database's own failures, tokens and registered signers.
func init() {
	add(map[string]Pair{
		"Báo cáo %d chưa có bảng tổng hợp có chữ ký số.":                                   {"Báo cáo %d chưa có bảng tổng hợp có chữ ký số.", "Report %d has no signed summary."},
		"Báo cáo vừa được người khác thay đổi: hãy tải lại và thử lại.":                    {"Báo cáo vừa được người khác thay đổi: hãy tải lại và thử lại.", "The report changed meanwhile: reload it and try again."},
		"Báo cáo vừa được người khác thay đổi: hãy tải lại.":                               {"Báo cáo vừa được người khác thay đổi: hãy tải lại.", "The report changed meanwhile: reload it."},
		"Bộ tiêu chí %d đã được dùng cho một kỳ đánh giá nên không thể sửa nữa.":           {"Bộ tiêu chí %d đã được dùng cho một kỳ đánh giá nên không thể sửa nữa.", "Criteria set %d is used by a campaign and can no longer change."},
		"Bộ tiêu chí của kỳ đánh giá không hợp lệ.":                                        {"Bộ tiêu chí của kỳ đánh giá không hợp lệ.", "The campaign's criteria sets are not valid."},
		"Bộ tiêu chí này dành cho khối %s.":                                                {"Bộ tiêu chí này dành cho khối %s.", "That criteria set is for another kind of agency (%s)."},
		"Chỉ nêu một trong hai: dấu vân tay hoặc tên tổ chức.":                             {"Chỉ nêu một trong hai: dấu vân tay hoặc tên tổ chức.", "Give only one of the two: the fingerprint or the organisation's name."},
		"Chỉ tải lên bảng tổng hợp có chữ ký số khi báo cáo đã duyệt; báo cáo hiện %s.":    {"Chỉ tải lên bảng tổng hợp có chữ ký số khi báo cáo đã duyệt; báo cáo hiện %s.", "The signed summary is uploaded while the report is reviewed; it is %s."},
		"Còn %d tiêu chí cần điểm tự chấm và tài liệu kiểm chứng hoặc giải trình.":         {"Còn %d tiêu chí cần điểm tự chấm và tài liệu kiểm chứng hoặc giải trình.", "%d criteria still need a self score, and evidence or an explanation."},
		"Cơ sở dữ liệu đang bận; hãy thử lại.":                                             {"Cơ sở dữ liệu đang bận; hãy thử lại.", "The database is busy; try again."},
		"Cơ sở dữ liệu đang không truy cập được.":                                          {"Cơ sở dữ liệu đang không truy cập được.", "The database is unavailable."},
		"Cần nêu dấu vân tay chứng thư số (SHA-256) hoặc tên tổ chức.":                     {"Cần nêu dấu vân tay chứng thư số (SHA-256) hoặc tên tổ chức.", "Give the certificate's fingerprint (SHA-256) or the organisation's name."},
		"Cần nêu hạn (closes_at) của đợt bổ sung.":                                         {"Cần nêu hạn (closes_at) của đợt bổ sung.", "Give the deadline (closes_at) of the supplementary round."},
		"Cần nêu hạn mới (closes_at) để gia hạn.":                                          {"Cần nêu hạn mới (closes_at) để gia hạn.", "Give the new deadline (closes_at) to extend."},
		"Dấu vân tay phải là 64 chữ số thập lục phân (SHA-256 của chứng thư số).":          {"Dấu vân tay phải là 64 chữ số thập lục phân (SHA-256 của chứng thư số).", "The fingerprint must be 64 hexadecimal digits (the certificate's SHA-256)."},
		"Dữ liệu này đã có (%s).":                                                          {"Dữ liệu này đã có (%s).", "Already exists (%s)."},
		"Dữ liệu này đã có.":                                                               {"Dữ liệu này đã có.", "Already exists."},
		"Ghi chú dài quá 200 ký tự hoặc chứa ký tự không hợp lệ.":                          {"Ghi chú dài quá 200 ký tự hoặc chứa ký tự không hợp lệ.", "The note is longer than 200 characters or holds an invalid character."},
		"Hạn mới phải ở tương lai.":                                                        {"Hạn mới phải ở tương lai.", "The new deadline must be in the future."},
		"Không có bộ tiêu chí này.":                                                        {"Không có bộ tiêu chí này.", "No such criteria set."},
		"Không có người ký %d của đơn vị %d.":                                              {"Không có người ký %d của đơn vị %d.", "There is no signer %d of agency %d."},
		"Không có đơn vị %d.":                                                              {"Không có đơn vị %d.", "There is no agency %d."},
		"Không có đơn vị nào mang mã %q.":                                                  {"Không có đơn vị nào mang mã %q.", "No agency has the code %q."},
		"Không có đơn vị này.":                                                             {"Không có đơn vị này.", "Unknown agency."},
		"Không thể vừa đặt thời hạn vừa chọn không hết hạn cho một mã truy cập.":           {"Không thể vừa đặt thời hạn vừa chọn không hết hạn cho một mã truy cập.", "A token cannot have both an expiry and no expiry."},
		"Không tìm thấy báo cáo %d.":                                                       {"Không tìm thấy báo cáo %d.", "Report %d not found."},
		"Không tìm thấy bộ tiêu chí %d.":                                                   {"Không tìm thấy bộ tiêu chí %d.", "Criteria set %d not found."},
		"Không tìm thấy kỳ đánh giá %d.":                                                   {"Không tìm thấy kỳ đánh giá %d.", "Campaign %d not found."},
		"Không tìm thấy mã truy cập %d.":                                                   {"Không tìm thấy mã truy cập %d.", "Token %d not found."},
		"Không tìm thấy người dùng %d.":                                                    {"Không tìm thấy người dùng %d.", "User %d not found."},
		"Không tìm thấy thông báo %d.":                                                     {"Không tìm thấy thông báo %d.", "Notification %d not found."},
		"Không tìm thấy tài liệu kiểm chứng %d.":                                           {"Không tìm thấy tài liệu kiểm chứng %d.", "Evidence %d not found."},
		"Không tìm thấy đơn vị %d.":                                                        {"Không tìm thấy đơn vị %d.", "Agency %d not found."},
		"Mã truy cập không hợp lệ.":                                                        {"Mã truy cập không hợp lệ.", "The token is not valid."},
		"Mã truy cập đã bị thu hồi.":                                                       {"Mã truy cập đã bị thu hồi.", "The token has been revoked."},
		"Mã truy cập đã hết hạn.":                                                          {"Mã truy cập đã hết hạn.", "The token has expired."},
		"Người ký không hợp lệ.":                                                           {"Người ký không hợp lệ.", "The signer is not valid."},
		"Người ký này đã được đăng ký cho đơn vị.":                                         {"Người ký này đã được đăng ký cho đơn vị.", "This signer is already registered for the agency."},
		"Phải sau thời điểm hiện tại.":                                                     {"Phải sau thời điểm hiện tại.", "Must be after now."},
		"Sự kiện chờ gửi %d có loại %q không xác định.":                                    {"Sự kiện chờ gửi %d có loại %q không xác định.", "Outbox event %d has unknown kind %q."},
		"Thời hạn đã ở quá khứ.":                                                           {"Thời hạn đã ở quá khứ.", "The expiry is in the past."},
		"Tài liệu kiểm chứng %d đã bị xoá.":                                                {"Tài liệu kiểm chứng %d đã bị xoá.", "Evidence %d is already deleted."},
		"Tên tổ chức dài quá 200 ký tự hoặc chứa ký tự không hợp lệ.":                      {"Tên tổ chức dài quá 200 ký tự hoặc chứa ký tự không hợp lệ.", "The organisation's name is longer than 200 characters or holds an invalid character."},
		"Văn bản chứa ký tự NUL (U+0000), không lưu được.":                                 {"Văn bản chứa ký tự NUL (U+0000), không lưu được.", "The text holds a NUL character (U+0000), which cannot be stored."},
		"Đã có bộ tiêu chí mang mã %s.":                                                    {"Đã có bộ tiêu chí mang mã %s.", "A criteria set with code %s already exists."},
		"Đã có người dùng với email %s.":                                                   {"Đã có người dùng với email %s.", "A user with email %s already exists."},
		"Đã có đơn vị mang mã %s.":                                                         {"Đã có đơn vị mang mã %s.", "An agency with code %s already exists."},
		"Đã hết thời hạn nhập liệu.":                                                       {"Đã hết thời hạn nhập liệu.", "The window is closed."},
		"Đã được dùng.":                                                                    {"Đã được dùng.", "Already taken."},
		"Đơn vị %d không có báo cáo trong kỳ đánh giá này.":                                {"Đơn vị %d không có báo cáo trong kỳ đánh giá này.", "Agency %d has no report in this campaign."},
		"Đơn vị không có trong kỳ đánh giá này.":                                           {"Đơn vị không có trong kỳ đánh giá này.", "The agency is not in this campaign."},
		"Địa chỉ cơ sở dữ liệu %q không hợp lệ: dùng sqlite:ĐƯỜNG_DẪN hoặc postgres://...": {"Địa chỉ cơ sở dữ liệu %q không hợp lệ: dùng sqlite:ĐƯỜNG_DẪN hoặc postgres://...", "Database URL %q: want sqlite:PATH or postgres://..."},
	})
}

// Single sign-on identities (store/identity.go).
func init() {
	add(map[string]Pair{
		"Tài khoản đăng nhập một lần này chưa được cấp quyền trong hệ thống; hãy liên hệ quản trị viên hoặc cán bộ phụ trách cải cách hành chính của đơn vị.": {
			"Tài khoản đăng nhập một lần này chưa được cấp quyền trong hệ thống; hãy liên hệ quản trị viên hoặc cán bộ phụ trách cải cách hành chính của đơn vị.",
			"This single sign-on account has no access to the service yet; ask the administrator or your agency's administrative reform officer."},
		"Danh tính đăng nhập thiếu nhà cung cấp hoặc mã định danh.": {
			"Danh tính đăng nhập thiếu nhà cung cấp hoặc mã định danh.", "The login identity lacks its issuer or subject."},
	})
}
