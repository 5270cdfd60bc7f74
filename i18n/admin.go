package i18n

// The texts of administration: users, agencies and their kinds, campaigns.
func init() {
	add(map[string]Pair{
		"Tham số %s phải là một số nguyên dương.":                     {"Tham số %s phải là một số nguyên dương.", "The %s parameter must be a positive integer."},
		"Tham số role phải là admin, council, updater hoặc approver.": {"Tham số role phải là admin, council, updater hoặc approver.", "The role parameter must be admin, council, updater or approver."},
		"Tham số active phải là true hoặc false.":                     {"Tham số active phải là true hoặc false.", "The active parameter must be true or false."},
		"Tham số limit phải là một số nguyên từ 1 đến 500.":           {"Tham số limit phải là một số nguyên từ 1 đến 500.", "The limit parameter must be an integer from 1 to 500."},
		"Tham số q quá dài.":                                          {"Tham số q quá dài.", "The q parameter is too long."},
		"Tham số lọc danh sách người dùng không hợp lệ.":              {"Tham số lọc danh sách người dùng không hợp lệ.", "A filter of the user list is not valid."},
		"Tham số agency_id phải là một số nguyên dương.":              {"Tham số agency_id phải là một số nguyên dương.", "The agency_id parameter must be a positive integer."},
		"Tài khoản của bạn đã bị vô hiệu hóa.":                        {"Tài khoản của bạn đã bị vô hiệu hóa.", "Your account has been deactivated."},
		"Không tìm thấy người dùng %d.":                               {"Không tìm thấy người dùng %d.", "User %d not found."},
		"Người dùng %d đang hoạt động.":                               {"Người dùng %d đang hoạt động.", "User %d is active."},
		"Người dùng %d đã bị vô hiệu hóa.":                            {"Người dùng %d đã bị vô hiệu hóa.", "User %d is deactivated."},
		"Người dùng %d đã bị vô hiệu hóa: hãy kích hoạt lại trước.":   {"Người dùng %d đã bị vô hiệu hóa: hãy kích hoạt lại trước.", "User %d is deactivated: reactivate them first."},
		"Đây là quản trị viên duy nhất còn hoạt động: hãy cấp quyền quản trị cho người khác trước.": {
			"Đây là quản trị viên duy nhất còn hoạt động: hãy cấp quyền quản trị cho người khác trước.",
			"This is the last active administrator: grant the admin role to someone else first."},
		"Người dùng %d đã có quyền này.":    {"Người dùng %d đã có quyền này.", "User %d already holds this role."},
		"Người dùng %d không có quyền này.": {"Người dùng %d không có quyền này.", "User %d does not hold this role."},
		"Quyền không hợp lệ.":               {"Quyền không hợp lệ.", "The grant is not valid."},
		"Đã có người dùng với email %s.":    {"Đã có người dùng với email %s.", "A user with email %s already exists."},
		"Không có loại đơn vị %s.":          {"Không có loại đơn vị %s.", "There is no agency kind %s."},
		"Không tìm thấy đơn vị %d.":         {"Không tìm thấy đơn vị %d.", "Agency %d not found."},
		"Đơn vị %s đã có báo cáo trong kỳ đánh giá nên không đổi được loại.": {
			"Đơn vị %s đã có báo cáo trong kỳ đánh giá nên không đổi được loại.",
			"Agency %s already has reports in a campaign, so its kind cannot change."},
		"Đơn vị đã có báo cáo nên không đổi được loại.": {"Đơn vị đã có báo cáo nên không đổi được loại.", "The agency has reports, so its kind cannot change."},
		"Đơn vị %s đang hoạt động.":                     {"Đơn vị %s đang hoạt động.", "Agency %s is active."},
		"Đơn vị %s đã ngừng hoạt động.":                 {"Đơn vị %s đã ngừng hoạt động.", "Agency %s is deactivated."},
		"Mã loại đơn vị gồm 1 đến 32 chữ thường không dấu, chữ số, «_» hoặc «-», bắt đầu bằng một chữ, ví dụ commune.": {
			"Mã loại đơn vị gồm 1 đến 32 chữ thường không dấu, chữ số, «_» hoặc «-», bắt đầu bằng một chữ, ví dụ commune.",
			"A kind's code is 1 to 32 lower-case ASCII letters, digits, \"_\" or \"-\", starting with a letter, e.g. commune."},
		"Cần nhập tên loại đơn vị.":                       {"Cần nhập tên loại đơn vị.", "The kind's name is required."},
		"Thứ tự hiển thị là một số nguyên từ 0 đến 1000.": {"Thứ tự hiển thị là một số nguyên từ 0 đến 1000.", "The position is an integer from 0 to 1000."},
		"Loại đơn vị không hợp lệ.":                       {"Loại đơn vị không hợp lệ.", "The agency kind is not valid."},
		"Cần chọn một loại đơn vị đã có, ví dụ department hoặc district.": {
			"Cần chọn một loại đơn vị đã có, ví dụ department hoặc district.", "Choose an existing agency kind, e.g. department or district."},
		"Đã có loại đơn vị %s.":          {"Đã có loại đơn vị %s.", "The agency kind %s already exists."},
		"Đã có đơn vị với mã %s.":        {"Đã có đơn vị với mã %s.", "An agency with code %s already exists."},
		"Năm %d đã có kỳ đánh giá «%s».": {"Năm %d đã có kỳ đánh giá «%s».", "Year %d already has a campaign named «%s»."},
		"Cần nhập agency_id.":            {"Cần nhập agency_id.", "agency_id is required."},
		"Kỳ đánh giá đã mở nên không sửa được tên và thời hạn.": {
			"Kỳ đánh giá đã mở nên không sửa được tên và thời hạn.", "The campaign has opened, so its name and window can no longer change."},
		"Kỳ đánh giá %d đã có báo cáo được nhập liệu nên không hủy được.": {
			"Kỳ đánh giá %d đã có báo cáo được nhập liệu nên không hủy được.", "Work was done in campaign %d, so it cannot be cancelled."},
		"Kỳ đánh giá %d đã kết thúc.":                          {"Kỳ đánh giá %d đã kết thúc.", "Campaign %d is over."},
		"Kỳ đánh giá vừa được sửa: hãy tải lại rồi thử lại.":   {"Kỳ đánh giá vừa được sửa: hãy tải lại rồi thử lại.", "The campaign changed meanwhile: reload it and try again."},
		"Người dùng %d vừa được sửa: hãy tải lại rồi thử lại.": {"Người dùng %d vừa được sửa: hãy tải lại rồi thử lại.", "User %d changed meanwhile: reload and try again."},
		"Đơn vị %d vừa được sửa: hãy tải lại rồi thử lại.":     {"Đơn vị %d vừa được sửa: hãy tải lại rồi thử lại.", "Agency %d changed meanwhile: reload and try again."},
		"Kỳ đánh giá không có bộ tiêu chí cho loại đơn vị %s.": {
			"Kỳ đánh giá không có bộ tiêu chí cho loại đơn vị %s.", "The campaign has no criteria set for agencies of kind %s."},
		"Đơn vị %s đã có báo cáo trong kỳ đánh giá này.": {"Đơn vị %s đã có báo cáo trong kỳ đánh giá này.", "Agency %s already has a report in this campaign."},
	})
	// The kind a deployment adds for the communes since 2025; the names of
	// kinds are data (agency_kinds), this is how messages name the code.
	addTerms(map[string]Pair{
		"commune": {"UBND cấp xã", "commune People's Committee"},
	})
}
