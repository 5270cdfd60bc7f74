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
	"crypto/x509"
	"fmt"
	"io"
	"strings"
	"time"
)

// Statuses, one word for people.
const (
	StatusValid      = "valid"      // signed, verifies, covers the file, trusted signer
	StatusUntrusted  = "untrusted"  // verifies, but nobody in the trust store vouches for the signer
	StatusInvalid    = "invalid"    // a signature is there but does not verify
	StatusIncomplete = "incomplete" // verifies and is trusted, but the file goes on after what was signed
	StatusScan       = "scan"       // no signature: an unsigned PDF, an image, an office file
)

// Report is what the service stores and shows about a file's digital signature.
type Report struct {
	Present      bool              `json:"present"`                // the PDF has at least one signature dictionary
	Valid        bool              `json:"valid"`                  // the last signature's CMS signature and its message digest over the /ByteRange verify
	CoversFile   bool              `json:"covers_file"`            // the last signature's /ByteRange runs from 0 to the very end of the file, and the gap is exactly the /Contents hex string
	Signer       string            `json:"signer"`                 // signer certificate subject CommonName
	Organization string            `json:"organization"`           // signer certificate subject O
	SignedAt     *time.Time        `json:"signed_at"`              // claimed signing time (CMS signingTime attribute, or /M)
	TimestampAt  *time.Time        `json:"timestamp_at,omitempty"` // RFC 3161 timestamp token time, when there is one
	Trusted      bool              `json:"trusted"`                // the signer chain verifies up to a root in the configured trust store
	Status       string            `json:"status"`                 // one of the Status constants
	Problems     []string          `json:"problems,omitempty"`     // short English sentences
	SignedLength int64             `json:"-"`                      // end of the signed revision (ByteRange end); 0 when no signature
	Info         map[string]string `json:"-"`                      // the document information dictionary of the final trailer
}

func (rep *Report) problem(format string, args ...any) {
	rep.Problems = append(rep.Problems, fmt.Sprintf(format, args...))
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
	case !rep.Trusted:
		return StatusUntrusted
	case !rep.CoversFile:
		return StatusIncomplete
	}
	return StatusValid
}

// Verify reads a file of the given media type and reports its signature.
// Non-PDF media types get Status "scan" without reading. A malformed PDF is
// not an error: it is Present=false or Valid=false with a Problem; the error
// is only for failures of r. Trust comes from roots alone, never from the
// system store or from certificates in the file; nil roots trusts nobody.
// The certificate chain is checked at the current time. Verify streams the
// file: it holds the signature value and, when it needs them, decoded
// cross-reference and object streams (each capped), never the whole file.
func Verify(r io.ReaderAt, size int64, mediaType string, roots *x509.CertPool) (Report, error) {
	return verify(r, size, mediaType, roots, time.Now())
}

func verify(r io.ReaderAt, size int64, mediaType string, roots *x509.CertPool, now time.Time) (rep Report, err error) {
	if !isPDF(mediaType) {
		return Report{Status: StatusScan}, nil
	}
	if roots == nil {
		roots = x509.NewCertPool() // a nil pool would mean the system roots
	}
	defer func() {
		// A bug on hostile input must not take the service down; the file
		// then simply does not count as signed.
		if p := recover(); p != nil {
			rep.Valid, rep.Trusted, rep.CoversFile = false, false, false
			rep.problem("the PDF could not be checked")
			rep.Status, err = rep.status(), nil
		}
	}()
	return check(r, size, roots, now)
}

func isPDF(mediaType string) bool {
	base, _, _ := strings.Cut(mediaType, ";")
	return strings.EqualFold(strings.TrimSpace(base), "application/pdf")
}

// check is Verify without the recover, so that the fuzz test sees panics.
func check(r io.ReaderAt, size int64, roots *x509.CertPool, now time.Time) (Report, error) {
	rep := Report{Info: map[string]string{}}
	if size <= 0 {
		rep.problem("the file is empty")
		rep.Status = rep.status()
		return rep, nil
	}
	head := make([]byte, min(size, 1024))
	if n, err := r.ReadAt(head, 0); err != nil && err != io.EOF {
		return Report{}, &readError{err}
	} else if !bytes.Contains(head[:n], []byte("%PDF-")) {
		rep.problem("the file is not a PDF")
		rep.Status = rep.status()
		return rep, nil
	}

	doc, err := openDocument(r, size)
	if isReadError(err) {
		return Report{}, err
	} else if err != nil {
		rep.problem("the PDF's structure could not be read (%v)", err)
	} else if info, err := doc.info(); isReadError(err) {
		return Report{}, err
	} else if err != nil {
		rep.problem("the document information could not be read (%v)", err)
	} else {
		rep.Info = info
	}

	sigs, markers, err := findSignatures(r, size)
	if err != nil {
		return Report{}, err
	}
	sig, timestamped, err := lastSignature(r, size, sigs)
	if err != nil {
		return Report{}, err
	}
	switch {
	case sig != nil:
		rep.Present = true
		if err := checkSignature(&rep, r, size, doc, sig, roots, now); err != nil {
			return Report{}, err
		}
		if timestamped {
			rep.problem("a document timestamp follows the signature; it was not checked")
		}
	case timestamped:
		rep.problem("the PDF carries only a document timestamp, which is not a signature")
	case markers > 0:
		rep.Present = true
		rep.problem("the signature dictionary could not be read")
	}
	rep.Status = rep.status()
	return rep, nil
}

// checkSignature fills rep from the signature dictionary sig.
func checkSignature(rep *Report, r io.ReaderAt, size int64, doc *document, sig *sigDict, roots *x509.CertPool, now time.Time) error {
	a, b, c := sig.byteRange[0], sig.byteRange[1], sig.byteRange[2]
	end := sig.end()
	if end < 0 || end > size || a > c || b > c-a {
		rep.problem("the signature's byte range lies outside the file")
		return nil
	}
	rep.SignedLength = end
	contents, ok := sig.dict["Contents"].(pdfString)
	if !ok {
		rep.problem("the signature dictionary could not be read")
		return nil
	}

	covers, err := gapIsContents(r, sig, []byte(contents))
	if err != nil {
		return err
	}
	rep.CoversFile = covers && a == 0 && end == size
	if a != 0 {
		rep.problem("the signature does not cover the start of the file")
	}
	if !covers {
		rep.problem("the signature leaves out more of the file than its own value")
	}
	if end < size {
		if doc != nil && doc.startxref >= end {
			rep.problem("the file was changed after it was signed (an incremental update follows the signature)")
		} else {
			rep.problem("bytes were appended after the signature")
		}
	}

	cms, err := checkCMS(r, sig, []byte(contents), roots, now)
	if err != nil {
		return err
	}
	rep.Valid, rep.Trusted = cms.valid, cms.trusted
	rep.Problems = append(rep.Problems, cms.problems...)
	if cms.signer != nil {
		rep.Signer = cms.signer.Subject.CommonName
		rep.Organization = strings.Join(cms.signer.Subject.Organization, ", ")
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
