package signature

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
	"strings"

	"golang.org/x/text/language"

	"parindex/i18n"
)

// Finding is one thing a check found wrong with a signature: a key of the
// message catalogue (package i18n, written in Vietnamese) and its
// arguments, so that every answer shows it in the caller's language. It is
// stored as {"format": …, "args": […]}; reports stored before findings had
// keys hold English sentences, which still read (legacyFindings).
type Finding struct {
	Format string `json:"format"`
	Args   []any  `json:"args,omitempty"`
}

// In writes the finding in lang.
func (f Finding) In(lang language.Tag) string { return i18n.Sprintf(lang, f.Format, f.Args...) }

// UnmarshalJSON reads a finding as stored now, or an English sentence of
// an older report.
func (f *Finding) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = legacyFinding(s)
		return nil
	}
	var v struct {
		Format string `json:"format"`
		Args   []any  `json:"args"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	for i, a := range v.Args {
		// JSON has one kind of number; the catalogue's %d wants an integer.
		if n, ok := a.(float64); ok && n == math.Trunc(n) && math.Abs(n) < 1<<53 {
			v.Args[i] = int64(n)
		}
	}
	f.Format, f.Args = v.Format, v.Args
	return nil
}

// findingOther shows an older report's sentence that no key matches.
const findingOther = "Ghi nhận khi kiểm tra chữ ký: %s"

// legacyFindings are the English sentences reports held before findings
// had keys, with the key each is now; %d and %v stand for one argument.
var legacyFindings = [][2]string{
	{"the PDF could not be checked", "Không kiểm tra được tệp PDF."},
	{"the file is empty", "Tệp rỗng."},
	{"the file is not a PDF", "Tệp không phải là PDF."},
	{"the PDF's structure could not be read (%v)", "Không đọc được cấu trúc tệp PDF (%s)."},
	{"the document information could not be read (%v)", "Không đọc được thông tin mô tả của tài liệu (%s)."},
	{"a document timestamp follows the signature; it was not checked", "Sau chữ ký có một dấu thời gian tài liệu; dấu thời gian này chưa được kiểm tra."},
	{"the PDF carries only a document timestamp, which is not a signature", "Tệp PDF chỉ có dấu thời gian tài liệu, không có chữ ký số."},
	{"the signature dictionary could not be read", "Không đọc được phần khai báo chữ ký trong tệp PDF."},
	{"the signature's byte range lies outside the file", "Vùng dữ liệu được ký (ByteRange) nằm ngoài tệp."},
	{"the signature does not cover the start of the file", "Chữ ký không bao trùm phần đầu của tệp."},
	{"the signature leaves out more of the file than its own value", "Chữ ký để ngoài một phần của tệp, không chỉ riêng giá trị chữ ký."},
	{"the file was changed after it was signed (an incremental update follows the signature)", "Tệp đã bị sửa sau khi ký (có một lần cập nhật nối tiếp sau chữ ký)."},
	{"bytes were appended after the signature", "Có dữ liệu được nối thêm sau chữ ký."},
	{"the signature value could not be read", "Không đọc được giá trị chữ ký."},
	{"the signature embeds the data it signs, which is not supported", "Chữ ký chứa luôn dữ liệu được ký; kiểu chữ ký này không được hỗ trợ."},
	{"the signature has %d signers; only single-signer signatures are supported", "Chữ ký có %d người ký; chỉ hỗ trợ chữ ký của một người ký."},
	{"the signer's certificate is missing from the signature", "Chữ ký không kèm chứng thư số của người ký."},
	{"the signature uses an unsupported digest algorithm", "Chữ ký dùng thuật toán băm không được hỗ trợ."},
	{"the signature has no signed attributes, which is not supported", "Chữ ký không có thuộc tính được ký; kiểu chữ ký này không được hỗ trợ."},
	{"the signature carries no message digest", "Chữ ký không mang giá trị băm của nội dung được ký."},
	{"the signed bytes have changed since they were signed", "Nội dung được ký đã bị thay đổi sau khi ký."},
	{"the signed attributes could not be read", "Không đọc được các thuộc tính được ký."},
	{"the signer's key type is not supported", "Loại khóa của người ký không được hỗ trợ."},
	{"the signature value does not match the signer's certificate", "Giá trị chữ ký không khớp với chứng thư số của người ký."},
	{"the timestamp could not be read", "Không đọc được dấu thời gian."},
	{"the timestamp is not over this signature", "Dấu thời gian không phải của chữ ký này."},
	{"the claimed signing time lies in the future", "Thời điểm ký ghi trong chữ ký ở tương lai."},
	{"no trust roots are configured, so no signer is trusted", "Máy chủ chưa được cấu hình chứng thư gốc tin cậy nào, nên không người ký nào được tin cậy."},
	{"the signer's certificate was not valid at the signing time (expired or not yet valid)", "Chứng thư số của người ký không có hiệu lực tại thời điểm ký (đã hết hạn hoặc chưa có hiệu lực)."},
	{"the signer's certificate does not chain to a trusted root", "Chứng thư số của người ký không do tổ chức chứng thực tin cậy cấp."},
	{"the signer's certificate is not meant for signing", "Chứng thư số của người ký không dùng để ký số."},
	{"the signer's certificate has been revoked", "Chứng thư số của người ký đã bị thu hồi."},
}

// legacyFinding turns an older report's English sentence into its finding.
func legacyFinding(s string) Finding {
	for _, l := range legacyFindings {
		old, key := l[0], l[1]
		verb := strings.Index(old, "%")
		if verb < 0 {
			if s == old {
				return Finding{Format: key}
			}
			continue
		}
		pre, suf := old[:verb], old[verb+2:]
		if len(s) < len(pre)+len(suf) || !strings.HasPrefix(s, pre) || !strings.HasSuffix(s, suf) {
			continue
		}
		arg := s[len(pre) : len(s)-len(suf)]
		if old[verb+1] == 'd' {
			n, err := strconv.ParseInt(arg, 10, 64)
			if err != nil {
				continue
			}
			return Finding{Format: key, Args: []any{n}}
		}
		return Finding{Format: key, Args: []any{arg}}
	}
	return Finding{Format: findingOther, Args: []any{s}}
}
