package signature

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"parindex/workflow"
)

// Trust is what a signature must chain to: the configured roots, never roots
// carried in a PDF or the system's, and the revocation lists the province
// publishes. The zero Trust (or nil) trusts nobody.
type Trust struct {
	Roots *x509.CertPool
	CRLs  []*x509.RevocationList
	// Dir is where it was loaded from, for messages; "" when none.
	Dir string
}

// Empty reports whether t trusts nobody.
func (t *Trust) Empty() bool { return t == nil || t.Roots == nil || len(t.Roots.Subjects()) == 0 }

// LoadTrust reads a trust directory: every *.pem and *.crt file holds one or
// more PEM certificates, taken as roots; every *.crl file holds a
// certificate revocation list, DER or PEM ("X509 CRL"). dir "" gives an
// empty Trust, which trusts nobody. A file that holds no certificate or a
// list that cannot be parsed is an EINVALID error naming it: a trust store
// that silently drops a root or a revocation is worse than none.
func LoadTrust(dir string) (*Trust, error) {
	t := &Trust{Roots: x509.NewCertPool(), Dir: dir}
	if dir == "" {
		return t, nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("signature: read trust store: %w", err)
	}
	for _, e := range entries {
		ext := strings.ToLower(filepath.Ext(e.Name()))
		if e.IsDir() || ext != ".pem" && ext != ".crt" && ext != ".crl" {
			continue
		}
		path := filepath.Join(dir, e.Name())
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("signature: read trust store: %w", err)
		}
		if ext == ".crl" {
			crls, err := parseCRLs(data)
			if err != nil {
				return nil, workflow.Errorf(workflow.EINVALID, "Tệp %s trong kho chứng thư tin cậy chứa danh sách thu hồi không đọc được: %v.", path, err)
			}
			t.CRLs = append(t.CRLs, crls...)
			continue
		}
		found := 0
		for block, rest := pem.Decode(data); block != nil; block, rest = pem.Decode(rest) {
			if block.Type != "CERTIFICATE" {
				continue
			}
			cert, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				return nil, workflow.Errorf(workflow.EINVALID, "Tệp %s trong kho chứng thư tin cậy chứa chứng thư không đọc được: %v.", path, err)
			}
			t.Roots.AddCert(cert)
			found++
		}
		if found == 0 {
			return nil, workflow.Errorf(workflow.EINVALID, "Tệp %s trong kho chứng thư tin cậy không chứa chứng thư PEM nào.", path)
		}
	}
	return t, nil
}

// parseCRLs reads one DER revocation list, or any number of PEM ones.
func parseCRLs(data []byte) ([]*x509.RevocationList, error) {
	if block, _ := pem.Decode(data); block == nil {
		crl, err := x509.ParseRevocationList(data)
		if err != nil {
			return nil, err
		}
		return []*x509.RevocationList{crl}, nil
	}
	var out []*x509.RevocationList
	for block, rest := pem.Decode(data); block != nil; block, rest = pem.Decode(rest) {
		if block.Type != "X509 CRL" {
			continue
		}
		crl, err := x509.ParseRevocationList(block.Bytes)
		if err != nil {
			return nil, err
		}
		out = append(out, crl)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no X509 CRL block")
	}
	return out, nil
}

// LoadRoots reads only the roots of a trust directory (see LoadTrust).
func LoadRoots(dir string) (*x509.CertPool, error) {
	t, err := LoadTrust(dir)
	if err != nil {
		return nil, err
	}
	return t.Roots, nil
}
