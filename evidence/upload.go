package evidence

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"sync"

	"parindex/workflow"
)

// DefaultLimit is the largest evidence file accepted when the caller names no
// limit of its own.
const DefaultLimit = 50 << 20

// copyBufferSize is the size of the two buffers a Receive streams through:
// large enough that syscalls are not the cost, small enough that sixteen
// uploads at once stay a few megabytes.
const copyBufferSize = 256 << 10

// ErrBodyRead is found (errors.Is) in the error Receive returns when reading
// the upload itself failed (the client went away, a malformed body): the
// caller's doing, unlike a spool file that cannot be written, which is ours.
var ErrBodyRead = errors.New("evidence: read upload")

// Upload is a file received and checked but not yet stored under its address.
type Upload struct {
	SHA256    string // hex, lower case
	Size      int64
	MediaType string // one of MediaTypes
	// File is the spooled copy, opened read-only and owned by the Upload. Use
	// ReadAt (signature checks may read it at any offset, concurrently with
	// Store); the blob Store writes may share its bytes, so it is never written.
	File *os.File
}

// Receive streams r into a spool file in tmpDir, hashing as it goes, and never
// holds more than two fixed buffers of it in memory. It stops reading and
// answers ETOOLARGE as soon as more than limit bytes arrive (limit <= 0 means
// DefaultLimit), EUNSUPPORTED when the content, sniffed rather than named, is
// not one of MediaTypes (refused as soon as the first bytes tell), and
// EINVALID for an empty file. On any error no spool file is left behind.
//
// Pass Bucket.SpoolDir as tmpDir: for a file:// bucket it lies on the same
// filesystem, which lets Store link the spool into place instead of copying it.
func Receive(r io.Reader, limit int64, tmpDir string) (_ *Upload, err error) {
	if limit <= 0 {
		limit = DefaultLimit
	}
	f, err := os.CreateTemp(tmpDir, "upload-*")
	if err != nil {
		return nil, spoolError("create", err)
	}
	name := f.Name()
	defer func() {
		if f != nil {
			f.Close()
		}
		if err != nil {
			os.Remove(name)
		}
	}()

	var (
		h       = sha256.New()
		sniffer sniffer
		size    int64
		// SHA-256 is the slowest step: each chunk is hashed on another core
		// while it is written and the next one read, so two buffers take turns.
		bufs    = [2][]byte{make([]byte, copyBufferSize), make([]byte, copyBufferSize)}
		hashing sync.WaitGroup
		// One byte past the limit is enough to know the limit was passed; the
		// rest of the body is never read.
		body = &io.LimitedReader{R: r, N: min(limit, math.MaxInt64-1) + 1}
	)
	defer hashing.Wait()
	for i := 0; ; i++ {
		buf := bufs[i%2]
		n, rerr := fill(body, buf)
		if n > 0 {
			if size += int64(n); size > limit {
				return nil, workflow.Errorf(workflow.ETOOLARGE, "Tệp vượt quá giới hạn %s.", formatBytes(limit))
			}
			if err := sniffer.write(buf[:n]); err != nil {
				return nil, err
			}
			hashing.Wait() // done with the other buffer
			hashing.Go(func() { h.Write(buf[:n]) })
			if _, err := f.Write(buf[:n]); err != nil {
				return nil, spoolError("write", err)
			}
		}
		if rerr == io.EOF {
			break
		} else if rerr != nil {
			var tooLarge *http.MaxBytesError
			if errors.As(rerr, &tooLarge) {
				return nil, workflow.Errorf(workflow.ETOOLARGE, "Tệp vượt quá giới hạn %s.", formatBytes(tooLarge.Limit))
			}
			return nil, fmt.Errorf("%w: %w", ErrBodyRead, rerr)
		}
	}
	hashing.Wait()
	if size == 0 {
		return nil, workflow.Errorf(workflow.EINVALID, "Tệp rỗng.")
	}

	cerr := f.Close()
	f = nil
	if cerr != nil {
		return nil, spoolError("write", cerr)
	}
	return spooled(name, size, hex.EncodeToString(h.Sum(nil)), &sniffer)
}

// spooled reopens a written spool file read-only (what Store links into the
// bucket must not change) and finishes typing it.
func spooled(name string, size int64, sha string, sn *sniffer) (*Upload, error) {
	ro, err := os.Open(name)
	if err != nil {
		return nil, fmt.Errorf("evidence: reopen spool file: %w", err)
	}
	mediaType, err := sn.finish(ro, size)
	if err != nil {
		ro.Close()
		return nil, err
	}
	return &Upload{SHA256: sha, Size: size, MediaType: mediaType, File: ro}, nil
}

// spoolError is a failure to create or write the spool file: a full disk is
// EUNAVAILABLE (errFull), which handlers answer 503; anything else internal.
func spoolError(op string, err error) error {
	if full := fullError(err); full != nil {
		return full
	}
	return fmt.Errorf("evidence: %s spool file: %w", op, err)
}

// fill reads into buf until it is full or r ends: request bodies come in
// small reads, and a chunk per read would be a goroutine per few kilobytes.
func fill(r io.Reader, buf []byte) (int, error) {
	n := 0
	for n < len(buf) {
		m, err := r.Read(buf[n:])
		if n += m; err != nil {
			return n, err
		}
	}
	return n, nil
}

// Close removes the spool file. A stored blob keeps its bytes even when it
// shares them with the spool. Close may be called more than once.
func (u *Upload) Close() error {
	cerr := u.File.Close()
	if errors.Is(cerr, os.ErrClosed) {
		cerr = nil
	}
	rerr := os.Remove(u.File.Name())
	if errors.Is(rerr, os.ErrNotExist) {
		rerr = nil
	}
	return errors.Join(cerr, rerr)
}

// formatBytes writes a limit the way people read it: "50 MB".
func formatBytes(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d B", n)
}
