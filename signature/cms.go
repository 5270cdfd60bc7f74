package signature

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	_ "crypto/sha1" // registered for old signatures; x509 decides whether SHA-1 still verifies
	_ "crypto/sha256"
	_ "crypto/sha512"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"io"
	"time"

	"github.com/digitorus/pkcs7"
	"github.com/digitorus/timestamp"
)

var (
	oidTimeStampToken = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14}
	oidRSAPSS         = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}
	digests           = []struct {
		oid  asn1.ObjectIdentifier
		hash crypto.Hash
	}{
		{asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}, crypto.SHA1},
		{asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}, crypto.SHA256},
		{asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}, crypto.SHA384},
		{asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}, crypto.SHA512},
		{asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 4}, crypto.SHA224},
	}
)

// cmsCheck is what the CMS signature of one signature dictionary says.
type cmsCheck struct {
	valid       bool
	trusted     bool
	revoked     bool
	signer      *x509.Certificate
	signedAt    *time.Time
	timestampAt *time.Time
	checkedAt   time.Time // the time the chain was checked at
	untrusted   string    // why the signer is not trusted: one of the Trust* codes
	problems    []Finding
}

// Why a signer is not trusted, as codes that the service turns into words.
const (
	TrustNoRoots     = "no_roots"     // no trust roots are configured
	TrustNotChained  = "not_chained"  // the certificate does not chain to a configured root
	TrustExpired     = "expired"      // the certificate was not valid at the signing time
	TrustKeyUsage    = "key_usage"    // the certificate is not meant for signing
	TrustRevoked     = "revoked"      // a revocation list lists the certificate
	TrustFutureTime  = "future_time"  // the claimed signing time lies ahead of the server's clock
	TrustNotVerified = "not_verified" // the signature itself does not verify
)

// problem records a finding: format is its catalogue key (i18n/signature.go).
func (c *cmsCheck) problem(format string, args ...any) {
	c.problems = append(c.problems, Finding{Format: format, Args: args})
}

// checkCMS verifies the detached CMS signature contents over the byte range
// of s, which the caller has checked lies inside the file. It does what
// pkcs7's Verify does, except that it hashes the signed bytes straight from
// r instead of holding them in memory, and that trust comes from roots alone.
func checkCMS(r io.ReaderAt, s *sigDict, contents []byte, trust *Trust, now time.Time) (cmsCheck, error) {
	var c cmsCheck
	p7, err := pkcs7.Parse(contents)
	if err != nil {
		c.problem("Không đọc được giá trị chữ ký.")
		return c, nil
	}
	if len(p7.Content) > 0 {
		// adbe.pkcs7.sha1 signs a digest carried inside the CMS; it is
		// deprecated since PDF 2.0 and not supported here.
		c.problem("Chữ ký chứa luôn dữ liệu được ký; kiểu chữ ký này không được hỗ trợ.")
		return c, nil
	}
	if len(p7.Signers) != 1 {
		c.problem("Chữ ký có %d người ký; chỉ hỗ trợ chữ ký của một người ký.", len(p7.Signers))
		return c, nil
	}
	si := p7.Signers[0]
	if c.signer = p7.GetOnlySigner(); c.signer == nil {
		c.problem("Chữ ký không kèm chứng thư số của người ký.")
		return c, nil
	}
	var signedAttrs, unsignedAttrs []cmsAttribute
	for _, a := range si.AuthenticatedAttributes {
		signedAttrs = append(signedAttrs, cmsAttribute(a))
	}
	for _, a := range si.UnauthenticatedAttributes {
		unsignedAttrs = append(unsignedAttrs, cmsAttribute(a))
	}
	var signingTime time.Time
	if p7.UnmarshalSignedAttribute(pkcs7.OIDAttributeSigningTime, &signingTime) == nil {
		t := signingTime.UTC()
		c.signedAt = &t
	}

	if err := c.verifyValue(r, s, p7, signedAttrs); err != nil {
		return c, err
	}
	if c.valid {
		c.readTimestamp(unsignedAttrs, si.EncryptedDigest)
	}
	c.checkTrust(p7.Certificates, trust, now)
	return c, nil
}

// verifyValue checks the message digest over the signed bytes and the
// signature over the signed attributes, and sets c.valid.
func (c *cmsCheck) verifyValue(r io.ReaderAt, s *sigDict, p7 *pkcs7.PKCS7, signedAttrs []cmsAttribute) error {
	si := p7.Signers[0]
	var hash crypto.Hash
	for _, d := range digests {
		if si.DigestAlgorithm.Algorithm.Equal(d.oid) {
			hash = d.hash
		}
	}
	if hash == 0 || !hash.Available() {
		c.problem("Chữ ký dùng thuật toán băm không được hỗ trợ.")
		return nil
	}
	if len(signedAttrs) == 0 {
		c.problem("Chữ ký không có thuộc tính được ký; kiểu chữ ký này không được hỗ trợ.")
		return nil
	}
	h := hash.New()
	for _, part := range [][2]int64{{s.byteRange[0], s.byteRange[1]}, {s.byteRange[2], s.byteRange[3]}} {
		if _, err := io.Copy(h, io.NewSectionReader(r, part[0], part[1])); err != nil {
			return &readError{err}
		}
	}
	var digest []byte
	if err := p7.UnmarshalSignedAttribute(pkcs7.OIDAttributeMessageDigest, &digest); err != nil {
		c.problem("Chữ ký không mang giá trị băm của nội dung được ký.")
		return nil
	}
	if !bytes.Equal(digest, h.Sum(nil)) {
		c.problem("Nội dung được ký đã bị thay đổi sau khi ký.")
		return nil
	}
	signed, err := signedAttributes(signedAttrs)
	if err != nil {
		c.problem("Không đọc được các thuộc tính được ký.")
		return nil
	}
	alg, ok := signatureAlgorithm(c.signer.PublicKey, hash, si.DigestEncryptionAlgorithm.Algorithm)
	if !ok {
		c.problem("Loại khóa của người ký không được hỗ trợ.")
		return nil
	}
	if err := c.signer.CheckSignature(alg, signed, si.EncryptedDigest); err != nil {
		c.problem("Giá trị chữ ký không khớp với chứng thư số của người ký.")
		return nil
	}
	c.valid = true
	return nil
}

// cmsAttribute mirrors pkcs7's unexported attribute type field for field, so
// that a pkcs7 attribute converts to it and this package can name the type.
type cmsAttribute struct {
	Type  asn1.ObjectIdentifier
	Value asn1.RawValue `asn1:"set"`
}

// signedAttributes returns the DER the signer signed: the signed attributes
// as a SET OF. pkcs7 keeps them only parsed, so they are encoded again,
// exactly as pkcs7's own Verify does.
func signedAttributes(attrs []cmsAttribute) ([]byte, error) {
	der, err := asn1.Marshal(struct {
		A []cmsAttribute `asn1:"set"`
	}{attrs})
	if err != nil {
		return nil, err
	}
	var outer asn1.RawValue
	if _, err := asn1.Unmarshal(der, &outer); err != nil {
		return nil, err
	}
	return outer.Bytes, nil
}

func signatureAlgorithm(pub crypto.PublicKey, hash crypto.Hash, alg asn1.ObjectIdentifier) (x509.SignatureAlgorithm, bool) {
	var table map[crypto.Hash]x509.SignatureAlgorithm
	switch pub.(type) {
	case *rsa.PublicKey:
		table = map[crypto.Hash]x509.SignatureAlgorithm{
			crypto.SHA1: x509.SHA1WithRSA, crypto.SHA256: x509.SHA256WithRSA,
			crypto.SHA384: x509.SHA384WithRSA, crypto.SHA512: x509.SHA512WithRSA,
		}
		if alg.Equal(oidRSAPSS) {
			table = map[crypto.Hash]x509.SignatureAlgorithm{
				crypto.SHA256: x509.SHA256WithRSAPSS, crypto.SHA384: x509.SHA384WithRSAPSS,
				crypto.SHA512: x509.SHA512WithRSAPSS,
			}
		}
	case *ecdsa.PublicKey:
		table = map[crypto.Hash]x509.SignatureAlgorithm{
			crypto.SHA1: x509.ECDSAWithSHA1, crypto.SHA256: x509.ECDSAWithSHA256,
			crypto.SHA384: x509.ECDSAWithSHA384, crypto.SHA512: x509.ECDSAWithSHA512,
		}
	case ed25519.PublicKey:
		return x509.PureEd25519, true
	}
	a, ok := table[hash]
	return a, ok
}

// readTimestamp takes the time of an RFC 3161 timestamp token over the
// signature value, when there is one and it is for this signature. The
// token's own signature is checked; its authority's chain is not.
func (c *cmsCheck) readTimestamp(attrs []cmsAttribute, sig []byte) {
	for _, a := range attrs {
		if !a.Type.Equal(oidTimeStampToken) {
			continue
		}
		ts, err := timestamp.Parse(a.Value.Bytes)
		if err != nil || !ts.HashAlgorithm.Available() {
			c.problem("Không đọc được dấu thời gian.")
			return
		}
		h := ts.HashAlgorithm.New()
		h.Write(sig)
		if !bytes.Equal(h.Sum(nil), ts.HashedMessage) {
			c.problem("Dấu thời gian không phải của chữ ký này.")
			return
		}
		t := ts.Time.UTC()
		c.timestampAt = &t
		return
	}
}

// clockSkew is how far a claimed signing time may lie ahead of the server's
// clock before it is taken for a lie.
const clockSkew = 5 * time.Minute

// signingTime is the time the chain is checked at: the timestamp's when a
// timestamp authority vouches for one, else the time the signer claims, else
// now. A claimed time is only as good as the signer; a revocation is held
// against a signature unless a timestamp proves it was made before.
func (c *cmsCheck) signingTime(now time.Time) time.Time {
	switch {
	case c.timestampAt != nil:
		return *c.timestampAt
	case c.signedAt != nil:
		return *c.signedAt
	}
	return now
}

// checkTrust verifies the signer's chain up to trust's roots at the signing
// time, then the key usage and the revocation lists. Certificates the
// signature carries may serve as intermediates, never as roots: a PDF that
// brings its own root proves nothing.
func (c *cmsCheck) checkTrust(carried []*x509.Certificate, trust *Trust, now time.Time) {
	c.checkedAt = c.signingTime(now)
	if c.checkedAt.After(now.Add(clockSkew)) {
		c.distrust(TrustFutureTime, "Thời điểm ký ghi trong chữ ký ở tương lai.")
		return
	}
	if trust.Empty() {
		c.distrust(TrustNoRoots, "Máy chủ chưa được cấu hình chứng thư gốc tin cậy nào, nên không người ký nào được tin cậy.")
		return
	}
	intermediates := x509.NewCertPool()
	for _, cert := range carried {
		intermediates.AddCert(cert)
	}
	chains, err := c.signer.Verify(x509.VerifyOptions{
		Roots:         trust.Roots,
		Intermediates: intermediates,
		CurrentTime:   c.checkedAt,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	})
	var invalid x509.CertificateInvalidError
	switch {
	case err == nil:
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		c.distrust(TrustExpired, "Chứng thư số của người ký không có hiệu lực tại thời điểm ký (đã hết hạn hoặc chưa có hiệu lực).")
		return
	default:
		c.distrust(TrustNotChained, "Chứng thư số của người ký không do tổ chức chứng thực tin cậy cấp.")
		return
	}
	if ku := c.signer.KeyUsage; ku != 0 && ku&(x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment) == 0 {
		c.distrust(TrustKeyUsage, "Chứng thư số của người ký không dùng để ký số.")
		return
	}
	if revoked, at := revokedIn(chains, trust.CRLs); revoked {
		// Without a timestamp the signing time is only claimed: a revoked
		// key could claim any time, so the revocation counts whenever it was.
		if c.timestampAt == nil || !at.After(*c.timestampAt) {
			c.revoked = true
			c.distrust(TrustRevoked, "Chứng thư số của người ký đã bị thu hồi.")
			return
		}
	}
	c.trusted = true
}

// distrust records why the signer is not trusted.
func (c *cmsCheck) distrust(code, finding string) {
	c.untrusted = code
	c.problems = append(c.problems, Finding{Format: finding})
}

// revokedIn reports whether a certificate of any verified chain (the root
// aside) is listed in a revocation list that its issuer signed, and when it
// was revoked.
func revokedIn(chains [][]*x509.Certificate, crls []*x509.RevocationList) (bool, time.Time) {
	for _, chain := range chains {
		for i := 0; i+1 < len(chain); i++ {
			cert, issuer := chain[i], chain[i+1]
			for _, crl := range crls {
				if !bytes.Equal(crl.RawIssuer, issuer.RawSubject) || crl.CheckSignatureFrom(issuer) != nil {
					continue
				}
				for _, e := range crl.RevokedCertificateEntries {
					if e.SerialNumber != nil && e.SerialNumber.Cmp(cert.SerialNumber) == 0 {
						return true, e.RevocationTime
					}
				}
			}
		}
	}
	return false, time.Time{}
}
