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
	})
}
