package workflow

import (
	"fmt"
	"strings"
)

// SignaturePolicy says whether a signed summary must be signed by someone
// the configured trust roots vouch for.
type SignaturePolicy string

// The policies. Under PolicyReport an untrusted signature is reported and
// accepted; under PolicyRequireTrusted sign and submit refuse it.
const (
	PolicyRequireTrusted SignaturePolicy = "require-trusted"
	PolicyReport         SignaturePolicy = "report"
)

// ParseSignaturePolicy reads a policy name; "" chooses the default:
// require-trusted when trust roots are configured, report otherwise.
func ParseSignaturePolicy(name string, trustConfigured bool) (SignaturePolicy, error) {
	switch SignaturePolicy(name) {
	case PolicyRequireTrusted, PolicyReport:
		return SignaturePolicy(name), nil
	case "":
		if trustConfigured {
			return PolicyRequireTrusted, nil
		}
		return PolicyReport, nil
	}
	return "", Errorf(EINVALID, "Chính sách chữ ký %q không hợp lệ: dùng require-trusted hoặc report.", name)
}

// SignedSummary is what the workflow needs to know of a report's latest
// signed summary table to let it be signed and submitted: the verdict of its
// signature and of its comparison with the export. ID 0 means there is none.
type SignedSummary struct {
	ID       int64
	Filename string
	// The signature, as checked at upload.
	Present, Valid, CoversFile bool
	Trusted, Revoked           bool
	Untrusted                  string // why not trusted: a signature.Trust* code
	Signer, Organization       string
	Fingerprint                string   // hex SHA-256 of the signer's certificate
	ModifiedAfterSigning       []string // what an update after the signature changed
	// Matches is the report version whose summary export the signed file
	// is (nil when it is none); ExportChanges what the file changed after
	// the export's bytes when it began with them but changed more than a
	// signing tool does; Digest the content digest of the matched version.
	Matches       *int64
	ExportChanges []string
	Digest        string
}

// RegisteredSigner is one certificate (by fingerprint) or organisation (the
// subject's O) an agency's signed summary may be signed by.
type RegisteredSigner struct {
	Fingerprint  string
	Organization string
}

// SummaryRules are what a signed summary is judged by besides itself.
type SummaryRules struct {
	Policy  SignaturePolicy
	Signers []RegisteredSigner // the agency's; none means any signer the policy accepts
}

// CheckForSign says whether ss may be signed for a report at version: it is
// there, its signature verifies and covers the file (or only validation data
// follows it), it is the export of exactly this version with nothing changed
// but what a signing tool adds, and its signer passes the policy and the
// agency's registered signers. Every refusal is EINVALID on the field
// signed_summary, in Vietnamese, saying what to do.
func (ss SignedSummary) CheckForSign(version int64, rules SummaryRules) error {
	if err := ss.checkFile(); err != nil {
		return err
	}
	switch {
	case ss.Matches == nil && len(ss.ExportChanges) > 0:
		return summaryRefusal("Nội dung bảng tổng hợp «%s» đã bị thay đổi sau khi xuất (%s): chỉ được ký số, không được sửa. Hãy xuất lại summary.pdf, ký số và tải lên.",
			ss.Filename, changeWords(notSigning(ss.ExportChanges)))
	case ss.Matches == nil:
		return summaryRefusal("Tệp «%s» không phải bảng tổng hợp xuất từ báo cáo này: hãy xuất summary.pdf, ký số đúng tệp đó và tải lên.", ss.Filename)
	case *ss.Matches != version:
		return summaryRefusal("Bảng tổng hợp «%s» đã cũ: đó là bản xuất của phiên bản %d, báo cáo nay ở phiên bản %d. Hãy xuất lại, ký số và tải lên.", ss.Filename, *ss.Matches, version)
	}
	return ss.checkSigner(rules)
}

// CheckForSubmit says whether a signed report may be submitted: the signed
// summary it was signed with is still the latest, it still passes the policy
// and the registered signers, and the report's content is still what was
// signed (contentDigest is the digest of the report's content now).
func (ss SignedSummary) CheckForSubmit(contentDigest string, rules SummaryRules) error {
	if err := ss.checkFile(); err != nil {
		return err
	}
	if ss.Matches == nil || ss.Digest == "" || ss.Digest != contentDigest {
		return summaryRefusal("Nội dung báo cáo không còn khớp với bảng tổng hợp đã ký «%s»: hãy trả lại, xuất lại bảng tổng hợp và ký số lại.", ss.Filename)
	}
	return ss.checkSigner(rules)
}

func (ss SignedSummary) checkFile() error {
	switch {
	case ss.ID == 0:
		return summaryRefusal("Chưa có bảng tổng hợp có chữ ký số: hãy xuất summary.pdf, ký số và tải lên trước.")
	case !ss.Present:
		return summaryRefusal("Tệp «%s» không có chữ ký số.", ss.Filename)
	case !ss.Valid:
		return summaryRefusal("Chữ ký số của tệp «%s» không hợp lệ: tệp đã bị thay đổi sau khi ký.", ss.Filename)
	case !ss.CoversFile && !onlyValidation(ss.ModifiedAfterSigning):
		return summaryRefusal("Chữ ký số của tệp «%s» không bao trùm toàn bộ tệp: tệp đã bị sửa sau khi ký (%s).", ss.Filename, changeWords(ss.ModifiedAfterSigning))
	}
	return nil
}

// checkSigner applies the policy and the agency's registered signers.
func (ss SignedSummary) checkSigner(rules SummaryRules) error {
	if rules.Policy == PolicyRequireTrusted && !ss.Trusted {
		return untrustedRefusal(ss.signerWords(), ss.Untrusted)
	}
	if len(rules.Signers) == 0 {
		return nil
	}
	for _, r := range rules.Signers {
		if r.Fingerprint != "" && strings.EqualFold(r.Fingerprint, ss.Fingerprint) {
			return nil
		}
		if r.Organization != "" && organizationMatches(r.Organization, ss.Organization) {
			return nil
		}
	}
	return summaryRefusal("Bảng tổng hợp được ký bởi %s, không phải người ký đã đăng ký của đơn vị: đề nghị ký bằng chứng thư số đã đăng ký với Sở Nội vụ.", ss.signerWords())
}

// organizationMatches compares a registered organisation with the subject's
// organisations (several are joined by ", "), ignoring case, after NFC.
func organizationMatches(registered, subject string) bool {
	registered = NormalizeText(registered)
	for _, o := range append([]string{subject}, strings.Split(subject, ", ")...) {
		if strings.EqualFold(NormalizeText(o), registered) {
			return true
		}
	}
	return false
}

// signerWords names the signer in a refusal: «name» (organisation), the
// organisation alone when the name is unknown, or a phrase the catalogue
// translates when both are.
func (ss SignedSummary) signerWords() any {
	switch {
	case ss.Signer != "" && ss.Organization != "":
		return fmt.Sprintf("«%s» (%s)", ss.Signer, ss.Organization)
	case ss.Signer != "":
		return fmt.Sprintf("«%s»", ss.Signer)
	case ss.Organization != "":
		return fmt.Sprintf("«%s»", ss.Organization)
	}
	return unnamedSigner
}

// Phrase is a word or phrase passed as a message's argument; the catalogue
// (package i18n) names it in the reader's language. Phrases are a list of
// them, written joined by commas.
type (
	Phrase  string
	Phrases []Phrase
)

// String writes the phrases as the codes they are, for logs.
func (p Phrases) String() string {
	out := make([]string, len(p))
	for i, w := range p {
		out[i] = string(w)
	}
	return strings.Join(out, ", ")
}

const unnamedSigner Phrase = "unnamed-signer"

// summaryRefusal is a refusal of the signed summary: the same sentence as
// the problem's detail and on the field signed_summary.
func summaryRefusal(format string, args ...any) error {
	return Errorf(EINVALID, format, args...).WithFields(Field("signed_summary", format, args...))
}

// onlyValidation reports whether what follows a signature is validation
// data alone (DSS/VRI added for long-term validation), which changes nothing
// that was signed.
func onlyValidation(changes []string) bool {
	if len(changes) == 0 {
		return false
	}
	for _, c := range changes {
		if c != "validation" {
			return false
		}
	}
	return true
}

// notSigning leaves out of changes what a signing tool does.
func notSigning(changes []string) []string {
	var out []string
	for _, c := range changes {
		if c != "form" && c != "validation" && c != "metadata" {
			out = append(out, c)
		}
	}
	return out
}

// changeWords names kinds of change (signature.Change*): the catalogue
// (package i18n) has a word for each.
func changeWords(changes []string) Phrases {
	if len(changes) == 0 {
		return Phrases{"unknown-change"}
	}
	out := make(Phrases, len(changes))
	for i, c := range changes {
		out[i] = Phrase(c)
	}
	return out
}

// untrustedRefusal says why the signer is not trusted, by the code of
// signature's verdict.
func untrustedRefusal(signer any, code string) error {
	switch code {
	case "no_roots":
		return summaryRefusal("Chữ ký của %s không được chấp nhận: máy chủ chưa được cấu hình chứng thư gốc tin cậy nào.", signer)
	case "not_chained":
		return summaryRefusal("Chữ ký của %s không được chấp nhận: chứng thư số không do tổ chức chứng thực tin cậy cấp.", signer)
	case "expired":
		return summaryRefusal("Chữ ký của %s không được chấp nhận: chứng thư số không còn hiệu lực tại thời điểm ký.", signer)
	case "key_usage":
		return summaryRefusal("Chữ ký của %s không được chấp nhận: chứng thư số không dùng để ký số.", signer)
	case "revoked":
		return summaryRefusal("Chữ ký của %s không được chấp nhận: chứng thư số đã bị thu hồi.", signer)
	case "future_time":
		return summaryRefusal("Chữ ký của %s không được chấp nhận: thời điểm ký ghi trong chữ ký ở tương lai.", signer)
	case "not_verified":
		return summaryRefusal("Chữ ký của %s không được chấp nhận: chữ ký không kiểm tra được.", signer)
	}
	return summaryRefusal("Chữ ký của %s không được chấp nhận: chứng thư số không được tin cậy.", signer)
}
