// Package signtest builds certificate authorities, signers and signed PDFs for
// tests, so that every package checks signatures against real cryptography
// generated in the test instead of files nobody can regenerate.
package signtest

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/digitorus/pdf"
	"github.com/digitorus/pdfsign/sign"
	"github.com/digitorus/timestamp"
	"github.com/go-pdf/fpdf"
)

// documentSigning is the RFC 9336 extended key usage for signing documents;
// crypto/x509 has no constant for it yet.
var documentSigning = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 3, 36}

// CA is a self-signed root certificate authority.
type CA struct {
	Cert *x509.Certificate
	Key  crypto.Signer
	PEM  []byte // Cert, PEM-encoded, as a trust store directory holds it
}

// NewCA returns a fresh root valid from an hour ago for ten years.
func NewCA(t testing.TB, name string) *CA {
	t.Helper()
	key := newKey(t)
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial(t),
		Subject:               pkix.Name{CommonName: name, Organization: []string{name}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.AddDate(10, 0, 0),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	cert := create(t, tmpl, tmpl, key.Public(), key)
	return &CA{
		Cert: cert,
		Key:  key,
		PEM:  pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}),
	}
}

// Issue returns a document-signing leaf certificate issued by ca, valid from
// an hour ago for a year.
func (ca *CA) Issue(t testing.TB, commonName, organization string) *Signer {
	t.Helper()
	now := time.Now()
	return ca.IssueWith(t, commonName, organization, func(c *x509.Certificate) {
		c.NotBefore, c.NotAfter = now.Add(-time.Hour), now.AddDate(1, 0, 0)
	})
}

// IssueWith is Issue with the certificate template changed by edit before
// it is signed: another validity period, other key usages.
func (ca *CA) IssueWith(t testing.TB, commonName, organization string, edit func(*x509.Certificate)) *Signer {
	t.Helper()
	key := newKey(t)
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:       serial(t),
		Subject:            pkix.Name{CommonName: commonName, Organization: []string{organization}},
		NotBefore:          now.Add(-time.Hour),
		NotAfter:           now.AddDate(1, 0, 0),
		KeyUsage:           x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		ExtKeyUsage:        []x509.ExtKeyUsage{x509.ExtKeyUsageEmailProtection},
		UnknownExtKeyUsage: []asn1.ObjectIdentifier{documentSigning},
	}
	if edit != nil {
		edit(tmpl)
	}
	return &Signer{
		Cert:  create(t, tmpl, ca.Cert, key.Public(), ca.Key),
		Key:   key,
		Chain: []*x509.Certificate{ca.Cert},
	}
}

// CRL returns a DER certificate revocation list signed by ca that revokes
// the signers' certificates, each at the time given by at (now when zero).
func (ca *CA) CRL(t testing.TB, at time.Time, revoked ...*Signer) []byte {
	t.Helper()
	now := time.Now()
	if at.IsZero() {
		at = now
	}
	var entries []x509.RevocationListEntry
	for _, s := range revoked {
		entries = append(entries, x509.RevocationListEntry{SerialNumber: s.Cert.SerialNumber, RevocationTime: at})
	}
	der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number:                    big.NewInt(1),
		ThisUpdate:                now.Add(-time.Minute),
		NextUpdate:                now.AddDate(0, 1, 0),
		RevokedCertificateEntries: entries,
	}, ca.Cert, ca.Key)
	if err != nil {
		t.Fatalf("signtest: create CRL: %v", err)
	}
	return der
}

// Signer is a leaf certificate with its key.
type Signer struct {
	Cert *x509.Certificate
	Key  crypto.Signer
	// Chain holds the issuing certificates, root last. Sign embeds them in the
	// signature as most signing tools do, which is exactly why a verifier must
	// never take a root from the document.
	Chain []*x509.Certificate
	// Time is the signing time written to the signature dictionary (/M); zero
	// means now. The CMS signingTime attribute is always the real clock:
	// pdfsign does not let a caller choose it.
	Time time.Time
	// TSA is the URL of an RFC 3161 timestamp authority (see NewTSA) whose
	// token Sign embeds; empty for none.
	TSA string
	// Visible puts a visible signature stamp on the first page, as an
	// approver's signing tool does: a widget annotation with an appearance
	// stream, added to the page's /Annots.
	Visible bool
}

// Sign returns pdf with an invisible approval signature appended as an
// incremental update: the result starts with every byte of pdf.
func (s *Signer) Sign(t testing.TB, doc []byte) []byte {
	t.Helper()
	rdr, err := pdf.NewReader(bytes.NewReader(doc), int64(len(doc)))
	if err != nil {
		t.Fatalf("signtest: read PDF to sign: %v", err)
	}
	date := s.Time
	if date.IsZero() {
		date = time.Now()
	}
	var out bytes.Buffer
	err = sign.Sign(bytes.NewReader(doc), &out, rdr, int64(len(doc)), sign.SignData{
		Signature: sign.SignDataSignature{
			Info: sign.SignDataSignatureInfo{
				Name:   s.Cert.Subject.CommonName,
				Reason: "signtest",
				Date:   date,
			},
			CertType:   sign.ApprovalSignature,
			DocMDPPerm: sign.AllowFillingExistingFormFieldsAndSignaturesPerms,
		},
		Appearance: sign.Appearance{
			Visible: s.Visible, Page: 1,
			LowerLeftX: 400, LowerLeftY: 40, UpperRightX: 560, UpperRightY: 100,
		},
		Signer:            s.Key,
		DigestAlgorithm:   crypto.SHA256,
		Certificate:       s.Cert,
		CertificateChains: [][]*x509.Certificate{append([]*x509.Certificate{s.Cert}, s.Chain...)},
		TSA:               sign.TSA{URL: s.TSA},
	})
	if err != nil {
		t.Fatalf("signtest: sign PDF: %v", err)
	}
	return out.Bytes()
}

// NewTSA starts an RFC 3161 timestamp authority with a certificate ca issues
// and returns its URL. Every token it grants says at; the server stops when
// the test ends.
func NewTSA(t testing.TB, ca *CA, at time.Time) string {
	t.Helper()
	key := newKey(t)
	now := time.Now()
	cert := create(t, &x509.Certificate{
		SerialNumber: serial(t),
		Subject:      pkix.Name{CommonName: ca.Cert.Subject.CommonName + " TSA"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.AddDate(1, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping},
	}, ca.Cert, key.Public(), ca.Key)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		req, err := timestamp.ParseRequest(body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		ts := &timestamp.Timestamp{
			HashAlgorithm:     req.HashAlgorithm,
			HashedMessage:     req.HashedMessage,
			Time:              at,
			Nonce:             req.Nonce,
			Policy:            asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 1},
			AddTSACertificate: req.Certificates,
		}
		resp, err := ts.CreateResponseWithOpts(cert, key, crypto.SHA256)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		w.Header().Set("Content-Type", "application/timestamp-reply")
		_, _ = w.Write(resp)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// MinimalPDF returns a one-page unsigned PDF showing text. The same text
// always gives the same bytes.
func MinimalPDF(t testing.TB, text string) []byte {
	t.Helper()
	return MinimalPDFWithKeywords(t, text, "")
}

// MinimalPDFWithKeywords is MinimalPDF with /Keywords set in the document
// information dictionary, the way the exporter records what it exported.
func MinimalPDFWithKeywords(t testing.TB, text, keywords string) []byte {
	t.Helper()
	date := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	doc := fpdf.New("P", "mm", "A4", "")
	doc.SetCreationDate(date)
	doc.SetModificationDate(date)
	doc.SetTitle(text, true)
	if keywords != "" {
		doc.SetKeywords(keywords, true)
	}
	doc.AddPage()
	doc.SetFont("Helvetica", "", 12)
	doc.Cell(40, 10, text)
	var out bytes.Buffer
	if err := doc.Output(&out); err != nil {
		t.Fatalf("signtest: write PDF: %v", err)
	}
	return out.Bytes()
}

// WriteRootsDir returns a fresh directory holding each CA as a PEM file, the
// layout signature.LoadRoots reads.
func WriteRootsDir(t testing.TB, cas ...*CA) string {
	t.Helper()
	dir := t.TempDir()
	for i, ca := range cas {
		name := strings.Map(func(r rune) rune {
			if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
				return r
			}
			return '-'
		}, ca.Cert.Subject.CommonName)
		path := filepath.Join(dir, fmt.Sprintf("%02d-%s.pem", i, name))
		if err := os.WriteFile(path, ca.PEM, 0o600); err != nil {
			t.Fatalf("signtest: write root: %v", err)
		}
	}
	return dir
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("signtest: generate key: %v", err)
	}
	return key
}

func serial(t testing.TB) *big.Int {
	t.Helper()
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		t.Fatalf("signtest: serial number: %v", err)
	}
	return n
}

func create(t testing.TB, tmpl, parent *x509.Certificate, pub crypto.PublicKey, key crypto.Signer) *x509.Certificate {
	t.Helper()
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, key)
	if err != nil {
		t.Fatalf("signtest: create certificate: %v", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatalf("signtest: parse certificate: %v", err)
	}
	return cert
}
