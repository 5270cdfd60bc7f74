package export

import (
	"bytes"
	"context"
	"io"
	"time"

	"parindex/signature"
)

// Match is how a signed file relates to a summary export.
type Match struct {
	// Matches: the signed revision begins with exactly the export's bytes
	// and everything after them, up to the signature, only does what signing
	// tools do (signature.OnlySigning).
	Matches bool
	// Changes is what the signed revision changed after the export's bytes
	// when they were there (nil when the file does not begin with them).
	Changes []string
}

// MatchSigned compares a signed file (r, signedLength: where its signed
// revision ends, as signature.Verify reported) with the bytes of a summary
// export. Metadata is no proof of content: only the bytes count. The
// comparison is bounded like Verify (signature.ErrTooComplex, ctx's error).
func MatchSigned(ctx context.Context, r io.ReaderAt, signedLength int64, export []byte, timeout time.Duration) (Match, error) {
	n := int64(len(export))
	if signedLength < n {
		return Match{}, nil // unsigned, or signed before the export's end
	}
	const chunk = 64 << 10
	buf := make([]byte, min(n, chunk))
	for off := int64(0); off < n; off += chunk {
		k := min(n-off, chunk)
		if _, err := r.ReadAt(buf[:k], off); err != nil {
			return Match{}, err
		}
		if !bytes.Equal(buf[:k], export[off:off+k]) {
			return Match{}, nil
		}
	}
	changes, err := signature.Changes(ctx, r, n, signedLength, timeout)
	if err != nil {
		return Match{}, err
	}
	return Match{Matches: signature.OnlySigning(changes), Changes: changes}, nil
}
