package i18n

// The texts of package signature: a signature check's findings
// (signature.Finding) and the trust store's refusals.
func init() {
	add(map[string]Pair{
		"Không kiểm tra được tệp PDF.": {"Không kiểm tra được tệp PDF.", "The PDF could not be checked."},
		"Tệp rỗng.":                    {"Tệp rỗng.", "The file is empty."},
		"Tệp không phải là PDF.":       {"Tệp không phải là PDF.", "The file is not a PDF."},
		"Không đọc được cấu trúc tệp PDF (%s).": {
			"Không đọc được cấu trúc tệp PDF (%s).", "The PDF's structure could not be read (%s)."},
		"Không đọc được thông tin mô tả của tài liệu (%s).": {
			"Không đọc được thông tin mô tả của tài liệu (%s).", "The document information could not be read (%s)."},
		"Sau chữ ký có một dấu thời gian tài liệu; dấu thời gian này chưa được kiểm tra.": {
			"Sau chữ ký có một dấu thời gian tài liệu; dấu thời gian này chưa được kiểm tra.", "A document timestamp follows the signature; it was not checked."},
		"Tệp PDF chỉ có dấu thời gian tài liệu, không có chữ ký số.": {
			"Tệp PDF chỉ có dấu thời gian tài liệu, không có chữ ký số.", "The PDF carries only a document timestamp, which is not a signature."},
		"Không đọc được phần khai báo chữ ký trong tệp PDF.": {
			"Không đọc được phần khai báo chữ ký trong tệp PDF.", "The signature dictionary could not be read."},
		"Vùng dữ liệu được ký (ByteRange) nằm ngoài tệp.": {
			"Vùng dữ liệu được ký (ByteRange) nằm ngoài tệp.", "The signature's byte range lies outside the file."},
		"Chữ ký không bao trùm phần đầu của tệp.": {
			"Chữ ký không bao trùm phần đầu của tệp.", "The signature does not cover the start of the file."},
		"Chữ ký để ngoài một phần của tệp, không chỉ riêng giá trị chữ ký.": {
			"Chữ ký để ngoài một phần của tệp, không chỉ riêng giá trị chữ ký.", "The signature leaves out more of the file than its own value."},
		"Tệp đã bị sửa sau khi ký (có một lần cập nhật nối tiếp sau chữ ký).": {
			"Tệp đã bị sửa sau khi ký (có một lần cập nhật nối tiếp sau chữ ký).", "The file was changed after it was signed (an incremental update follows the signature)."},
		"Có dữ liệu được nối thêm sau chữ ký.": {
			"Có dữ liệu được nối thêm sau chữ ký.", "Bytes were appended after the signature."},
		"Không đọc được giá trị chữ ký.": {
			"Không đọc được giá trị chữ ký.", "The signature value could not be read."},
		"Chữ ký chứa luôn dữ liệu được ký; kiểu chữ ký này không được hỗ trợ.": {
			"Chữ ký chứa luôn dữ liệu được ký; kiểu chữ ký này không được hỗ trợ.", "The signature embeds the data it signs, which is not supported."},
		"Chữ ký có %d người ký; chỉ hỗ trợ chữ ký của một người ký.": {
			"Chữ ký có %d người ký; chỉ hỗ trợ chữ ký của một người ký.", "The signature has %d signers; only single-signer signatures are supported."},
		"Chữ ký không kèm chứng thư số của người ký.": {
			"Chữ ký không kèm chứng thư số của người ký.", "The signer's certificate is missing from the signature."},
		"Chữ ký dùng thuật toán băm không được hỗ trợ.": {
			"Chữ ký dùng thuật toán băm không được hỗ trợ.", "The signature uses an unsupported digest algorithm."},
		"Chữ ký không có thuộc tính được ký; kiểu chữ ký này không được hỗ trợ.": {
			"Chữ ký không có thuộc tính được ký; kiểu chữ ký này không được hỗ trợ.", "The signature has no signed attributes, which is not supported."},
		"Chữ ký không mang giá trị băm của nội dung được ký.": {
			"Chữ ký không mang giá trị băm của nội dung được ký.", "The signature carries no message digest."},
		"Nội dung được ký đã bị thay đổi sau khi ký.": {
			"Nội dung được ký đã bị thay đổi sau khi ký.", "The signed bytes have changed since they were signed."},
		"Không đọc được các thuộc tính được ký.": {
			"Không đọc được các thuộc tính được ký.", "The signed attributes could not be read."},
		"Loại khóa của người ký không được hỗ trợ.": {
			"Loại khóa của người ký không được hỗ trợ.", "The signer's key type is not supported."},
		"Giá trị chữ ký không khớp với chứng thư số của người ký.": {
			"Giá trị chữ ký không khớp với chứng thư số của người ký.", "The signature value does not match the signer's certificate."},
		"Không đọc được dấu thời gian.": {
			"Không đọc được dấu thời gian.", "The timestamp could not be read."},
		"Dấu thời gian không phải của chữ ký này.": {
			"Dấu thời gian không phải của chữ ký này.", "The timestamp is not over this signature."},
		"Thời điểm ký ghi trong chữ ký ở tương lai.": {
			"Thời điểm ký ghi trong chữ ký ở tương lai.", "The claimed signing time lies in the future."},
		"Máy chủ chưa được cấu hình chứng thư gốc tin cậy nào, nên không người ký nào được tin cậy.": {
			"Máy chủ chưa được cấu hình chứng thư gốc tin cậy nào, nên không người ký nào được tin cậy.", "No trust roots are configured, so no signer is trusted."},
		"Chứng thư số của người ký không có hiệu lực tại thời điểm ký (đã hết hạn hoặc chưa có hiệu lực).": {
			"Chứng thư số của người ký không có hiệu lực tại thời điểm ký (đã hết hạn hoặc chưa có hiệu lực).", "The signer's certificate was not valid at the signing time (expired or not yet valid)."},
		"Chứng thư số của người ký không do tổ chức chứng thực tin cậy cấp.": {
			"Chứng thư số của người ký không do tổ chức chứng thực tin cậy cấp.", "The signer's certificate does not chain to a trusted root."},
		"Chứng thư số của người ký không dùng để ký số.": {
			"Chứng thư số của người ký không dùng để ký số.", "The signer's certificate is not meant for signing."},
		"Chứng thư số của người ký đã bị thu hồi.": {
			"Chứng thư số của người ký đã bị thu hồi.", "The signer's certificate has been revoked."},
		"Ghi nhận khi kiểm tra chữ ký: %s": {
			"Ghi nhận khi kiểm tra chữ ký: %s", "Signature check finding: %s"},

		// The trust store, read at startup.
		"Tệp %s trong kho chứng thư tin cậy chứa danh sách thu hồi không đọc được: %v.": {
			"Tệp %s trong kho chứng thư tin cậy chứa danh sách thu hồi không đọc được: %v.", "Trust store file %s holds a revocation list that cannot be parsed: %v."},
		"Tệp %s trong kho chứng thư tin cậy chứa chứng thư không đọc được: %v.": {
			"Tệp %s trong kho chứng thư tin cậy chứa chứng thư không đọc được: %v.", "Trust store file %s holds a certificate that cannot be parsed: %v."},
		"Tệp %s trong kho chứng thư tin cậy không chứa chứng thư PEM nào.": {
			"Tệp %s trong kho chứng thư tin cậy không chứa chứng thư PEM nào.", "Trust store file %s holds no PEM certificate."},
	})
}
