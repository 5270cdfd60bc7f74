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

// LoadRoots reads every *.pem and *.crt file in dir, each holding one or more
// PEM certificates, into a pool of trusted roots; dir "" gives an empty pool,
// which trusts nobody. A file that holds no certificate is an EINVALID error
// naming it: a trust store that silently drops a root is worse than none.
func LoadRoots(dir string) (*x509.CertPool, error) {
	pool := x509.NewCertPool()
	if dir == "" {
		return pool, nil
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, fmt.Errorf("signature: read trust store: %w", err)
	}
	for _, e := range entries {
		ext := strings.ToLower(filepath.Ext(e.Name()))
		if e.IsDir() || ext != ".pem" && ext != ".crt" {
			continue
		}
		path := filepath.Join(dir, e.Name())
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("signature: read trust store: %w", err)
		}
		found := 0
		for block, rest := pem.Decode(data); block != nil; block, rest = pem.Decode(rest) {
			if block.Type != "CERTIFICATE" {
				continue
			}
			cert, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				return nil, workflow.Errorf(workflow.EINVALID, "trust store file %s holds a certificate that cannot be parsed: %v", path, err)
			}
			pool.AddCert(cert)
			found++
		}
		if found == 0 {
			return nil, workflow.Errorf(workflow.EINVALID, "trust store file %s holds no PEM certificate", path)
		}
	}
	return pool, nil
}
