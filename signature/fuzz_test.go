package signature

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"parindex/internal/testkit"
	"parindex/signature/signtest"
)

// FuzzVerify feeds arbitrary bytes to the checker without Verify's recover,
// so that any panic fails. Seeds: an unsigned PDF, a signed one, a
// compressed one, and a few broken files under testdata/fuzz/FuzzVerify.
func FuzzVerify(f *testing.F) {
	ca := signtest.NewCA(f, "Fuzz Root")
	signer := ca.Issue(f, "Fuzz Signer", "Fuzz Org")
	unsigned := signtest.MinimalPDFWithKeywords(f, "fuzz", "parindex:report=1")
	signed := signer.Sign(f, unsigned)
	f.Add(unsigned)
	f.Add(signed)
	f.Add(append(bytes.Clone(signed), "junk"...))
	f.Add(compressedPDF(f, "<< /Title (x) >>"))
	trust, err := LoadTrust(signtest.WriteRootsDir(f, ca))
	if err != nil {
		f.Fatal(err)
	}
	now := time.Now()

	f.Fuzz(func(t *testing.T, data []byte) {
		var rep Report
		var err error
		alloc := testkit.Allocated(func() {
			b := newBudget(context.Background(), int64(len(data)))
			rep, err = check(guardedReader{bytes.NewReader(data), b}, int64(len(data)), trust, now, b)
		})
		if alloc > allocBudget(len(data)) {
			t.Fatalf("a %d-byte file allocated %d MB, over the budget of %d MB", len(data), alloc>>20, allocBudget(len(data))>>20)
		}
		if errors.Is(err, ErrTooComplex) {
			return // refused within the budget
		}
		if err != nil {
			t.Fatalf("check: %v", err)
		}
		if rep.Status != rep.status() {
			t.Fatalf("status %q does not follow from %+v", rep.Status, rep)
		}
		if rep.SignedLength < 0 || rep.SignedLength > int64(len(data)) {
			t.Fatalf("signed length %d outside a %d-byte file", rep.SignedLength, len(data))
		}
		if rep.Status == StatusValid && rep.SignedLength != int64(len(data)) {
			t.Fatalf("valid, yet signed length %d of %d", rep.SignedLength, len(data))
		}
	})
}
