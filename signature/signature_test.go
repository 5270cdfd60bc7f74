package signature

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"parindex/i18n"
	"parindex/signature/signtest"
	"parindex/workflow"
)

// fixture is a trust store with one root and a signer it issued.
type fixture struct {
	ca     *signtest.CA
	signer *signtest.Signer
	roots  *Trust
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	ca := signtest.NewCA(t, "Parindex Test Root")
	roots, err := LoadTrust(signtest.WriteRootsDir(t, ca))
	if err != nil {
		t.Fatal(err)
	}
	return fixture{ca: ca, signer: ca.Issue(t, "Ana Example", "Province of Example"), roots: roots}
}

func mustVerify(t *testing.T, file []byte, trust *Trust) Report {
	t.Helper()
	rep, err := Verify(context.Background(), bytes.NewReader(file), int64(len(file)), "application/pdf", Options{Trust: trust})
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	return rep
}

// hasProblem looks for substr in the findings as they read in English.
func hasProblem(rep Report, substr string) bool {
	for _, p := range rep.Problems {
		if strings.Contains(p.In(i18n.EN), substr) {
			return true
		}
	}
	return false
}

func TestVerifyValid(t *testing.T) {
	f := newFixture(t)
	original := signtest.MinimalPDF(t, "hello")
	before := time.Now().Add(-time.Minute)
	signed := f.signer.Sign(t, original)

	rep := mustVerify(t, signed, f.roots)
	if rep.Status != StatusValid || !rep.Present || !rep.Valid || !rep.CoversFile || !rep.Trusted {
		t.Fatalf("report = %+v, want a valid, covering, trusted signature", rep)
	}
	if len(rep.Problems) != 0 {
		t.Errorf("problems = %q, want none", rep.Problems)
	}
	if rep.Signer != "Ana Example" || rep.Organization != "Province of Example" {
		t.Errorf("signer = %q / %q", rep.Signer, rep.Organization)
	}
	if rep.SignedAt == nil || rep.SignedAt.Before(before) || rep.SignedAt.After(time.Now().Add(time.Minute)) {
		t.Errorf("signed at = %v, want about now", rep.SignedAt)
	}
	if rep.TimestampAt != nil {
		t.Errorf("timestamp at = %v, want none", rep.TimestampAt)
	}
	if rep.SignedLength != int64(len(signed)) {
		t.Errorf("signed length = %d, want %d", rep.SignedLength, len(signed))
	}
	if rep.Info["Title"] != "hello" {
		t.Errorf("info = %q, want Title hello", rep.Info)
	}
}

// The caller's way to tie a signed upload to what the service exported: the
// signed revision starts with every byte of the original.
func TestVerifySignedLengthKeepsOriginalPrefix(t *testing.T) {
	f := newFixture(t)
	original := signtest.MinimalPDF(t, "exported report")
	signed := append(f.signer.Sign(t, original), "\n% appended later\n"...)

	rep := mustVerify(t, signed, f.roots)
	if rep.SignedLength <= int64(len(original)) || rep.SignedLength >= int64(len(signed)) {
		t.Fatalf("signed length = %d, want between %d and %d", rep.SignedLength, len(original), len(signed))
	}
	if !bytes.HasPrefix(signed[:rep.SignedLength], original) {
		t.Error("the signed revision does not start with the original bytes")
	}
	if bytes.HasPrefix(signed[:rep.SignedLength], signtest.MinimalPDF(t, "another report")) {
		t.Error("the signed revision starts with a different document")
	}
}

func TestVerifyUntrustedRoot(t *testing.T) {
	f := newFixture(t)
	signed := f.signer.Sign(t, signtest.MinimalPDF(t, "hello"))
	other, err := LoadTrust(signtest.WriteRootsDir(t, signtest.NewCA(t, "Someone Else")))
	if err != nil {
		t.Fatal(err)
	}

	// The signature carries its own root; neither another store nor no store
	// at all may make it trusted.
	for name, roots := range map[string]*Trust{"other root": other, "no trust store": nil} {
		t.Run(name, func(t *testing.T) {
			rep := mustVerify(t, signed, roots)
			if rep.Status != StatusUntrusted || !rep.Valid || !rep.CoversFile || rep.Trusted {
				t.Fatalf("report = %+v, want valid but untrusted", rep)
			}
			if !hasProblem(rep, "trusted root") && !hasProblem(rep, "No trust roots") {
				t.Errorf("problems = %q, want one about the root", rep.Problems)
			}
			if rep.Signer != "Ana Example" {
				t.Errorf("signer = %q", rep.Signer)
			}
		})
	}
}

// The chain is checked at the signing time: a certificate that was valid
// then still makes a trusted signature when it has expired since, and one
// that had expired (or was not yet valid) when it signed does not.
func TestVerifyChainAtSigningTime(t *testing.T) {
	f := newFixture(t)
	signed := f.signer.Sign(t, signtest.MinimalPDF(t, "hello"))
	later := func() time.Time { return time.Now().AddDate(2, 0, 0) }
	rep, err := Verify(context.Background(), bytes.NewReader(signed), int64(len(signed)), "application/pdf", Options{Trust: f.roots, Now: later})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Status != StatusValid || !rep.Trusted || rep.CheckedAt == nil || rep.CheckedAt.After(time.Now()) {
		t.Fatalf("two years on: report = %+v, want trusted, checked at the signing time", rep)
	}

	expired := f.ca.IssueWith(t, "Old Signer", "Province of Example", func(c *x509.Certificate) {
		c.NotBefore, c.NotAfter = time.Now().AddDate(-2, 0, 0), time.Now().AddDate(-1, 0, 0)
	})
	rep = mustVerify(t, expired.Sign(t, signtest.MinimalPDF(t, "hello")), f.roots)
	if rep.Status != StatusUntrusted || !rep.Valid || rep.Trusted || !hasProblem(rep, "not valid at the signing time") {
		t.Fatalf("expired at signing: report = %+v, want untrusted because the certificate had expired", rep)
	}
}

func TestVerifyKeyUsage(t *testing.T) {
	f := newFixture(t)
	enc := f.ca.IssueWith(t, "Encryption Only", "Province of Example", func(c *x509.Certificate) {
		c.KeyUsage = x509.KeyUsageKeyAgreement
	})
	rep := mustVerify(t, enc.Sign(t, signtest.MinimalPDF(t, "hello")), f.roots)
	if rep.Trusted || !hasProblem(rep, "not meant for signing") {
		t.Fatalf("report = %+v, want untrusted: the key is not for signing", rep)
	}
}

// A revocation list in the trust directory is honoured: the revoked signer
// is refused and said to be revoked; another signer of the same CA is not.
// A list signed by someone else than the issuer counts for nothing.
func TestVerifyRevoked(t *testing.T) {
	f := newFixture(t)
	revoked := f.ca.Issue(t, "Revoked Signer", "Province of Example")
	dir := signtest.WriteRootsDir(t, f.ca)
	if err := os.WriteFile(filepath.Join(dir, "province.crl"), f.ca.CRL(t, time.Time{}, revoked), 0o600); err != nil {
		t.Fatal(err)
	}
	forger := signtest.NewCA(t, "Forger")
	forged := forger.CRL(t, time.Time{}, f.signer)
	if err := os.WriteFile(filepath.Join(dir, "forged.crl"), pemBlock("X509 CRL", forged), 0o600); err != nil {
		t.Fatal(err)
	}
	trust, err := LoadTrust(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(trust.CRLs) != 2 {
		t.Fatalf("CRLs = %d, want the DER one and the PEM one", len(trust.CRLs))
	}

	rep := mustVerify(t, revoked.Sign(t, signtest.MinimalPDF(t, "hello")), trust)
	if rep.Status != StatusRevoked || !rep.Revoked || rep.Trusted || !hasProblem(rep, "revoked") {
		t.Fatalf("revoked signer: report = %+v", rep)
	}
	rep = mustVerify(t, f.signer.Sign(t, signtest.MinimalPDF(t, "hello")), trust)
	if rep.Status != StatusValid || rep.Revoked {
		t.Fatalf("signer listed only by a forged list: report = %+v, want valid", rep)
	}

	// A timestamp from before the revocation proves the signature was made
	// while the certificate was good.
	before := f.ca.Issue(t, "Signed Before", "Province of Example")
	before.TSA = signtest.NewTSA(t, f.ca, time.Now().Add(-10*time.Minute))
	dir2 := signtest.WriteRootsDir(t, f.ca)
	if err := os.WriteFile(filepath.Join(dir2, "late.crl"), f.ca.CRL(t, time.Now().Add(-time.Minute), before), 0o600); err != nil {
		t.Fatal(err)
	}
	trust2, err := LoadTrust(dir2)
	if err != nil {
		t.Fatal(err)
	}
	rep = mustVerify(t, before.Sign(t, signtest.MinimalPDF(t, "hello")), trust2)
	if rep.Status != StatusValid || rep.Revoked {
		t.Fatalf("timestamped before the revocation: report = %+v, want valid", rep)
	}

	if err := os.WriteFile(filepath.Join(dir2, "broken.crl"), []byte("not a list"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadTrust(dir2); workflow.ErrorCode(err) != workflow.EINVALID || !strings.Contains(err.Error(), "broken.crl") {
		t.Errorf("err = %v, want EINVALID naming broken.crl", err)
	}
}

func pemBlock(typ string, der []byte) []byte {
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func TestVerifyByteFlipped(t *testing.T) {
	f := newFixture(t)
	signed := f.signer.Sign(t, signtest.MinimalPDF(t, "hello"))
	// "%PDF-1.3" becomes "%PDF-1.2": the file still parses, but it is no
	// longer what was signed.
	if !bytes.HasPrefix(signed, []byte("%PDF-1.3")) {
		t.Fatalf("unexpected header %q", signed[:8])
	}
	signed[7] ^= 1

	rep := mustVerify(t, signed, f.roots)
	if rep.Status != StatusInvalid || rep.Valid || !rep.Present || !rep.Trusted {
		t.Fatalf("report = %+v, want present, invalid (with the signer still trusted)", rep)
	}
	if !hasProblem(rep, "changed since they were signed") {
		t.Errorf("problems = %q", rep.Problems)
	}
}

func TestVerifyAppendedJunk(t *testing.T) {
	f := newFixture(t)
	signed := f.signer.Sign(t, signtest.MinimalPDF(t, "hello"))
	tampered := append(bytes.Clone(signed), "junk that nobody signed\n"...)

	rep := mustVerify(t, tampered, f.roots)
	if rep.Status != StatusIncomplete || !rep.Valid || !rep.Trusted || rep.CoversFile {
		t.Fatalf("report = %+v, want valid and trusted but incomplete", rep)
	}
	if !hasProblem(rep, "Bytes were appended after the signature") {
		t.Errorf("problems = %q", rep.Problems)
	}
	if rep.SignedLength != int64(len(signed)) {
		t.Errorf("signed length = %d, want %d", rep.SignedLength, len(signed))
	}
}

func TestVerifyIncrementalUpdate(t *testing.T) {
	f := newFixture(t)
	signed := f.signer.Sign(t, signtest.MinimalPDFWithKeywords(t, "hello", "parindex:report=1;version=1"))
	updated := appendInfoUpdate(t, signed, map[string]string{"Title": "changed", "Keywords": "after signing"})

	rep := mustVerify(t, updated, f.roots)
	if rep.Status != StatusIncomplete || !rep.Valid || rep.CoversFile {
		t.Fatalf("report = %+v, want valid but incomplete", rep)
	}
	if !hasProblem(rep, "incremental update") {
		t.Errorf("problems = %q", rep.Problems)
	}
	if rep.Info["Keywords"] != "after signing" || rep.Info["Title"] != "changed" {
		t.Errorf("info = %q, want the dictionary of the final trailer", rep.Info)
	}
	if rep.SignedLength != int64(len(signed)) || !bytes.HasPrefix(updated, signed) {
		t.Errorf("signed length = %d, want %d", rep.SignedLength, len(signed))
	}
}

func TestVerifyUnsigned(t *testing.T) {
	rep := mustVerify(t, signtest.MinimalPDF(t, "hello"), nil)
	if rep.Status != StatusScan || rep.Present || rep.Valid || rep.SignedLength != 0 {
		t.Fatalf("report = %+v, want an unsigned scan", rep)
	}
	if rep.Info["Title"] != "hello" {
		t.Errorf("info = %q", rep.Info)
	}
}

func TestVerifyNotPDF(t *testing.T) {
	f := newFixture(t)
	signed := f.signer.Sign(t, signtest.MinimalPDF(t, "hello"))
	for _, mediaType := range []string{"image/jpeg", "image/png", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", ""} {
		// Even a signed PDF is not read when the caller says it is something else.
		rep, err := Verify(context.Background(), failingReader{}, int64(len(signed)), mediaType, Options{Trust: f.roots})
		if err != nil || rep.Status != StatusScan || rep.Present {
			t.Errorf("%q: report = %+v, err = %v, want scan without reading", mediaType, rep, err)
		}
	}
	rep, err := Verify(context.Background(), bytes.NewReader(signed), int64(len(signed)), "application/pdf; charset=binary", Options{Trust: f.roots})
	if err != nil || rep.Status != StatusValid {
		t.Errorf("media type with parameters: report = %+v, err = %v", rep, err)
	}
}

func TestVerifyKeywords(t *testing.T) {
	f := newFixture(t)
	keywords := "parindex:report=12;version=7;sha256=" + strings.Repeat("ab", 32)
	signed := f.signer.Sign(t, signtest.MinimalPDFWithKeywords(t, "Informe anual — año 2025", keywords))

	rep := mustVerify(t, signed, f.roots)
	if rep.Status != StatusValid {
		t.Fatalf("report = %+v", rep)
	}
	if rep.Info["Keywords"] != keywords {
		t.Errorf("keywords = %q, want %q", rep.Info["Keywords"], keywords)
	}
	if rep.Info["Title"] != "Informe anual — año 2025" {
		t.Errorf("title = %q", rep.Info["Title"])
	}
}

func TestVerifyTimestamp(t *testing.T) {
	f := newFixture(t)
	at := time.Now().Add(-10 * time.Minute).UTC().Truncate(time.Second)
	f.signer.TSA = signtest.NewTSA(t, f.ca, at)
	signed := f.signer.Sign(t, signtest.MinimalPDF(t, "hello"))

	rep := mustVerify(t, signed, f.roots)
	if rep.Status != StatusValid {
		t.Fatalf("report = %+v", rep)
	}
	if rep.TimestampAt == nil || !rep.TimestampAt.Equal(at) {
		t.Errorf("timestamp at = %v, want %v", rep.TimestampAt, at)
	}
	if rep.SignedAt == nil {
		t.Error("signed at is missing")
	}
	if rep.CheckedAt == nil || !rep.CheckedAt.Equal(at) {
		t.Errorf("checked at = %v, want the timestamp's %v", rep.CheckedAt, at)
	}
}

// A file whose xref is a compressed stream and whose /Info lives in an
// object stream, as PDF 1.5 writers and most signing tools produce.
func TestVerifyCompressedStructure(t *testing.T) {
	doc := compressedPDF(t, "<< /Title (Compressed) /Keywords <FEFF0070006100720069006E006400650078> >>")
	rep := mustVerify(t, doc, nil)
	if rep.Status != StatusScan || len(rep.Problems) != 0 {
		t.Fatalf("report = %+v", rep)
	}
	if rep.Info["Title"] != "Compressed" || rep.Info["Keywords"] != "parindex" {
		t.Errorf("info = %q", rep.Info)
	}
}

func TestVerifyMalformed(t *testing.T) {
	f := newFixture(t)
	signed := f.signer.Sign(t, signtest.MinimalPDF(t, "hello"))
	zeroed := bytes.Clone(signed)
	if i := bytes.Index(zeroed, []byte("/Contents<")); i > 0 {
		copy(zeroed[i+len("/Contents<"):], bytes.Repeat([]byte("0"), 64))
	}
	cases := map[string][]byte{
		"empty":              nil,
		"garbage":            []byte("this is not a PDF at all"),
		"header only":        []byte("%PDF-1.7\n"),
		"truncated signed":   signed[:len(signed)/2],
		"zeroed contents":    zeroed,
		"placeholder":        []byte("%PDF-1.7\n1 0 obj << /Type /Sig /ByteRange[0 ********** ********** **********] /Contents <00> >> endobj\n%%EOF\n"),
		"byte range too far": []byte("%PDF-1.7\n1 0 obj << /Type /Sig /ByteRange [0 10 20 999999] /Contents <00> >> endobj\n%%EOF\n"),
		"huge xref":          []byte("%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\nxref\n20000000 1\n0000000009 00000 n \ntrailer\n<< /Size 20000001 /Root 1 0 R /Info 20000000 0 R >>\nstartxref\n45\n%%EOF\n"),
		"deep nesting":       []byte("%PDF-1.4\n1 0 obj\n" + strings.Repeat("[", 1<<20) + "\nendobj\nxref\n0 2\n0000000000 65535 f \n0000000009 00000 n \ntrailer\n<< /Size 2 /Info 1 0 R >>\nstartxref\n0\n%%EOF\n"),
		"prev loop":          []byte("%PDF-1.4\nxref\n0 1\n0000000000 65535 f \ntrailer\n<< /Size 1 /Prev 9 >>\nstartxref\n9\n%%EOF\n"),
	}
	for name, file := range cases {
		t.Run(name, func(t *testing.T) {
			rep := mustVerify(t, file, f.roots)
			if rep.Valid || rep.Status == StatusValid || rep.Status == "" {
				t.Fatalf("report = %+v, want not valid", rep)
			}
		})
	}
}

func TestVerifyReadError(t *testing.T) {
	_, err := Verify(context.Background(), failingReader{}, 1000, "application/pdf", Options{})
	if !errors.Is(err, errDisk) {
		t.Fatalf("err = %v, want the reader's error", err)
	}
}

func TestLoadRoots(t *testing.T) {
	pool, err := LoadRoots("")
	if err != nil || !pool.Equal(x509.NewCertPool()) {
		t.Fatalf("LoadRoots(\"\") = %v, %v; want an empty pool", pool, err)
	}

	ca1, ca2 := signtest.NewCA(t, "One"), signtest.NewCA(t, "Two")
	dir := signtest.WriteRootsDir(t, ca1)
	// Both roots in one .crt file, and a file that is not a certificate at all.
	if err := os.WriteFile(filepath.Join(dir, "bundle.CRT"), append(bytes.Clone(ca1.PEM), ca2.PEM...), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "README.txt"), []byte("not read"), 0o600); err != nil {
		t.Fatal(err)
	}
	pool, err = LoadRoots(dir)
	if err != nil {
		t.Fatal(err)
	}
	want := x509.NewCertPool()
	want.AddCert(ca1.Cert)
	want.AddCert(ca2.Cert)
	if !pool.Equal(want) {
		t.Error("pool does not hold exactly both roots")
	}

	if err := os.WriteFile(filepath.Join(dir, "empty.pem"), []byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = LoadRoots(dir)
	if workflow.ErrorCode(err) != workflow.EINVALID || !strings.Contains(err.Error(), "empty.pem") {
		t.Errorf("err = %v, want EINVALID naming empty.pem", err)
	}

	if _, err := LoadRoots(filepath.Join(dir, "missing")); err == nil {
		t.Error("a missing directory gave no error")
	}
}

var errDisk = errors.New("disk on fire")

type failingReader struct{}

func (failingReader) ReadAt([]byte, int64) (int, error) { return 0, errDisk }

// appendInfoUpdate appends a real incremental update to doc: a new document
// information dictionary, a cross-reference section for it and a trailer
// whose /Prev points at the previous one.
func appendInfoUpdate(t *testing.T, doc []byte, info map[string]string) []byte {
	t.Helper()
	d, err := openDocument(bytes.NewReader(doc), int64(len(doc)), newBudget(context.Background(), int64(len(doc))))
	if err != nil {
		t.Fatal(err)
	}
	size, ok1 := d.trailer["Size"].(int64)
	root, ok2 := d.trailer["Root"].(pdfRef)
	if !ok1 || !ok2 {
		t.Fatalf("trailer = %v", d.trailer)
	}
	var b bytes.Buffer
	b.Write(doc)
	objAt := b.Len()
	fmt.Fprintf(&b, "%d 0 obj\n<<", size)
	for k, v := range info {
		fmt.Fprintf(&b, " /%s (%s)", k, v)
	}
	b.WriteString(" >>\nendobj\n")
	xrefAt := b.Len()
	fmt.Fprintf(&b, "xref\n%d 1\n%010d 00000 n \ntrailer\n<< /Size %d /Root %d %d R /Info %d 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n",
		size, objAt, size+1, root.num, root.gen, size, d.startxref, xrefAt)
	return b.Bytes()
}
