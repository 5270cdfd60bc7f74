// Package signature reports on the digital signature of an uploaded file: is
// there one, does it verify, does it cover the whole file, and does someone in
// the configured trust store vouch for the signer.
//
// The CMS part uses github.com/digitorus/pkcs7, the library pdfsign's own
// verifier is built on; the PDF part is a small bounded parser of our own.
// pdfsign's verify package is not used: it decides trust against the system
// roots with no way to pass a pool, does not say which of several signatures
// a result belongs to, calls a signature with bytes appended after it valid,
// and its PDF parser can be made to allocate without bound by a tiny file.
package signature

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"strings"
	"time"
)

// Statuses, one word for people.
const (
	StatusValid      = "valid"      // signed, verifies, covers the file, trusted signer
	StatusUntrusted  = "untrusted"  // verifies, but nobody in the trust store vouches for the signer
	StatusInvalid    = "invalid"    // a signature is there but does not verify
	StatusRevoked    = "revoked"    // verifies, but the signer's certificate has been revoked
	StatusIncomplete = "incomplete" // verifies and is trusted, but the file goes on after what was signed
	StatusScan       = "scan"       // no signature: an unsigned PDF, an image, an office file
)

// Report is what the service stores and shows about a file's digital signature.
type Report struct {
	Present      bool       `json:"present"`                // the PDF has at least one signature dictionary
	Valid        bool       `json:"valid"`                  // the last signature's CMS signature and its message digest over the /ByteRange verify
	CoversFile   bool       `json:"covers_file"`            // the last signature's /ByteRange runs from 0 to the very end of the file, and the gap is exactly the /Contents hex string
	Signer       string     `json:"signer"`                 // signer certificate subject CommonName
	Organization string     `json:"organization"`           // signer certificate subject O
	SignedAt     *time.Time `json:"signed_at"`              // claimed signing time (CMS signingTime attribute, or /M)
	TimestampAt  *time.Time `json:"timestamp_at,omitempty"` // RFC 3161 timestamp token time, when there is one
	Fingerprint  string     `json:"fingerprint,omitempty"`  // hex SHA-256 of the signer certificate, as registered signers are named
	Trusted      bool       `json:"trusted"`                // the signer chain verifies up to a root in the configured trust store, at the signing time, and is not revoked
	Revoked      bool       `json:"revoked"`                // a revocation list in the trust store lists the signer's certificate (or an issuer's)
	Untrusted    string     `json:"untrusted,omitempty"`    // why the signer is not trusted: a Trust* code
	CheckedAt    *time.Time `json:"checked_at,omitempty"`   // the time the chain was checked at: the timestamp's, else the claimed signing time, else the check's
	// ModifiedAfterSigning says what an incremental update after the signed
	// revision changed (ChangeContent, ChangePages, ChangeAnnotations, …);
	// empty when the file ends where the signature does.
	ModifiedAfterSigning []string          `json:"modified_after_signing,omitempty"`
	Status               string            `json:"status"`             // one of the Status constants
	Problems             []Finding         `json:"problems,omitempty"` // what was found wrong, as catalogue keys
	SignedLength         int64             `json:"-"`                  // end of the signed revision (ByteRange end); 0 when no signature
	Info                 map[string]string `json:"-"`                  // the document information dictionary of the final trailer
}

// problem records a finding: format is its catalogue key (i18n/signature.go).
func (rep *Report) problem(format string, args ...any) {
	rep.Problems = append(rep.Problems, Finding{Format: format, Args: args})
}

// status sums the report up. An untrusted signature is "untrusted" even when
// the file also goes on after it, so that "incomplete" always means a trusted
// signer signed a prefix of the file.
func (rep *Report) status() string {
	switch {
	case !rep.Present:
		return StatusScan
	case !rep.Valid:
		return StatusInvalid
	case rep.Revoked:
		return StatusRevoked
	case !rep.Trusted:
		return StatusUntrusted
	case !rep.CoversFile:
		return StatusIncomplete
	}
	return StatusValid
}

// Options are what a check trusts and how long it may take.
type Options struct {
	// Trust holds the roots a signer must chain to and the revocation
	// lists; nil trusts nobody.
	Trust *Trust
	// Timeout bounds the check (DefaultTimeout when 0); it also ends when
	// ctx does, when the client goes away.
	Timeout time.Duration
	// Now is the check's clock (time.Now when nil).
	Now func() time.Time
}

// Verify reads a file of the given media type and reports its signature.
// Non-PDF media types get Status "scan" without reading. A malformed PDF is
// not an error: it is Present=false or Valid=false with a Problem. The
// errors are a failure of r, ctx's error when ctx ends, and ErrTooComplex
// (wrapped) for a file over one document's budget of memory, work and time:
// such a file is to be refused. Trust comes from opts.Trust alone, never
// from the system store or from certificates in the file. Verify streams
// the file: it holds the signature value and, when it needs them, decoded
// cross-reference and object streams (all of them within the budget),
// never the whole file.
func Verify(ctx context.Context, r io.ReaderAt, size int64, mediaType string, opts Options) (Report, error) {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	ctx, cancel := context.WithTimeout(ctx, opts.Timeout)
	defer cancel()
	return verify(ctx, r, size, mediaType, opts.Trust, now())
}

func verify(ctx context.Context, r io.ReaderAt, size int64, mediaType string, trust *Trust, now time.Time) (rep Report, err error) {
	if !isPDF(mediaType) {
		return Report{Status: StatusScan}, nil
	}
	defer func() {
		// A bug on hostile input must not take the service down; the file
		// then simply does not count as signed.
		if p := recover(); p != nil {
			rep.Valid, rep.Trusted, rep.CoversFile = false, false, false
			rep.problem("Không kiểm tra được tệp PDF.")
			rep.Status, err = rep.status(), nil
		}
	}()
	b := newBudget(ctx, size)
	rep, err = check(guardedReader{r, b}, size, trust, now, b)
	if err != nil {
		return Report{}, unwrapRead(err)
	}
	return rep, nil
}

// unwrapRead turns the budget's and the context's errors, which travel as
// read errors inside the parser, back into what they are.
func unwrapRead(err error) error {
	for {
		re, ok := err.(*readError)
		if !ok {
			return err
		}
		err = re.err
	}
}

func isPDF(mediaType string) bool {
	base, _, _ := strings.Cut(mediaType, ";")
	return strings.EqualFold(strings.TrimSpace(base), "application/pdf")
}

// check is Verify without the recover, so that the fuzz test sees panics.
// r is a guardedReader charging b.
func check(r io.ReaderAt, size int64, trust *Trust, now time.Time, b *budget) (Report, error) {
	rep := Report{Info: map[string]string{}}
	if size <= 0 {
		rep.problem("Tệp rỗng.")
		rep.Status = rep.status()
		return rep, nil
	}
	head := make([]byte, min(size, 1024))
	if n, err := r.ReadAt(head, 0); err != nil && err != io.EOF {
		return Report{}, &readError{err}
	} else if !bytes.Contains(head[:n], []byte("%PDF-")) {
		rep.problem("Tệp không phải là PDF.")
		rep.Status = rep.status()
		return rep, nil
	}

	doc, err := openDocument(r, size, b)
	if isReadError(err) {
		return Report{}, err
	} else if err != nil {
		rep.problem("Không đọc được cấu trúc tệp PDF (%s).", err.Error())
	} else if info, err := doc.info(); isReadError(err) {
		return Report{}, err
	} else if err != nil {
		rep.problem("Không đọc được thông tin mô tả của tài liệu (%s).", err.Error())
	} else {
		rep.Info = info
	}

	sigs, markers, err := findSignatures(r, size, b)
	if err != nil {
		return Report{}, err
	}
	sig, timestamped, err := lastSignature(r, size, sigs, b)
	if err != nil {
		return Report{}, err
	}
	switch {
	case sig != nil:
		rep.Present = true
		if err := checkSignature(&rep, r, size, doc, sig, trust, now); err != nil {
			return Report{}, err
		}
		if rep.SignedLength > 0 && rep.SignedLength < size {
			if rep.ModifiedAfterSigning, err = changes(r, rep.SignedLength, size, b); err != nil {
				return Report{}, err
			}
		}
		if timestamped {
			rep.problem("Sau chữ ký có một dấu thời gian tài liệu; dấu thời gian này chưa được kiểm tra.")
		}
	case timestamped:
		rep.problem("Tệp PDF chỉ có dấu thời gian tài liệu, không có chữ ký số.")
	case markers > 0:
		rep.Present = true
		rep.problem("Không đọc được phần khai báo chữ ký trong tệp PDF.")
	}
	rep.Status = rep.status()
	return rep, nil
}

// checkSignature fills rep from the signature dictionary sig.
func checkSignature(rep *Report, r io.ReaderAt, size int64, doc *document, sig *sigDict, trust *Trust, now time.Time) error {
	a, b, c := sig.byteRange[0], sig.byteRange[1], sig.byteRange[2]
	end := sig.end()
	if end < 0 || end > size || a > c || b > c-a {
		rep.problem("Vùng dữ liệu được ký (ByteRange) nằm ngoài tệp.")
		return nil
	}
	rep.SignedLength = end
	contents, ok := sig.dict["Contents"].(pdfString)
	if !ok {
		rep.problem("Không đọc được phần khai báo chữ ký trong tệp PDF.")
		return nil
	}

	covers, err := gapIsContents(r, sig, []byte(contents))
	if err != nil {
		return err
	}
	rep.CoversFile = covers && a == 0 && end == size
	if a != 0 {
		rep.problem("Chữ ký không bao trùm phần đầu của tệp.")
	}
	if !covers {
		rep.problem("Chữ ký để ngoài một phần của tệp, không chỉ riêng giá trị chữ ký.")
	}
	if end < size {
		if doc != nil && doc.startxref >= end {
			rep.problem("Tệp đã bị sửa sau khi ký (có một lần cập nhật nối tiếp sau chữ ký).")
		} else {
			rep.problem("Có dữ liệu được nối thêm sau chữ ký.")
		}
	}

	cms, err := checkCMS(r, sig, []byte(contents), trust, now)
	if err != nil {
		return err
	}
	rep.Valid, rep.Trusted, rep.Revoked, rep.Untrusted = cms.valid, cms.trusted, cms.revoked, cms.untrusted
	if !cms.valid {
		rep.Untrusted = TrustNotVerified
	}
	rep.Problems = append(rep.Problems, cms.problems...)
	if cms.signer != nil {
		rep.Signer = cms.signer.Subject.CommonName
		rep.Organization = strings.Join(cms.signer.Subject.Organization, ", ")
		sum := sha256.Sum256(cms.signer.Raw)
		rep.Fingerprint = hex.EncodeToString(sum[:])
	}
	if !cms.checkedAt.IsZero() {
		t := cms.checkedAt.UTC()
		rep.CheckedAt = &t
	}
	rep.SignedAt, rep.TimestampAt = cms.signedAt, cms.timestampAt
	if rep.SignedAt == nil {
		if m, ok := sig.dict["M"].(pdfString); ok {
			if t, ok := parseDate(decodeText(m)); ok {
				rep.SignedAt = &t
			}
		}
	}
	return nil
}
