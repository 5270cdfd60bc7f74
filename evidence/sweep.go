package evidence

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"
)

// sweepBatch is how many addresses Sweep asks about at once.
const sweepBatch = 500

// Sweep removes the blobs last written before `before` whose address is not
// referenced, and returns how many it removed. referenced is asked about up
// to 500 addresses at a time and returns the subset that is referenced. A
// crash between Store and the insert of the row leaves exactly such a blob.
//
// Each candidate's modification time is read again after referenced answers
// and just before it is deleted, and Store renews that time when it finds the
// blob already there, so a Store racing the sweep keeps its blob unless it
// lands in the instant between that last read and the delete. `before` should
// lie well behind the longest Store-to-insert gap (hours, not seconds).
//
// Sweep also removes leftovers of interrupted writes from the same period:
// temporary files among the blobs and, for file://, spool files. They are
// not counted. An error from referenced is returned as it is, after the
// blobs already removed; an unreachable store is EUNAVAILABLE.
func (b *Bucket) Sweep(ctx context.Context, before time.Time, referenced func(ctx context.Context, shas []string) (map[string]bool, error)) (int, error) {
	removed := 0
	batch := make([]string, 0, sweepBatch)
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		refs, err := referenced(ctx, batch)
		if err != nil {
			return err
		}
		for _, sha := range batch {
			if refs[sha] {
				continue
			}
			ok, err := b.removeIfOld(ctx, blobKey(sha), before)
			if err != nil {
				return err
			}
			if ok {
				removed++
			}
		}
		batch = batch[:0]
		return nil
	}

	var stop error // from flush or removeIfOld: the answer as it is
	err := b.list(ctx, "sha256/", func(key string, modTime time.Time) error {
		if !modTime.Before(before) {
			return nil
		}
		if sha := path.Base(key); validSHA256(sha) && key == blobKey(sha) {
			batch = append(batch, sha)
			if len(batch) == sweepBatch {
				stop = flush()
			}
		} else {
			_, stop = b.removeIfOld(ctx, key, before)
		}
		return stop
	})
	if stop != nil {
		return removed, stop
	} else if err != nil {
		return removed, storageError(err, "sha256/")
	}
	if err := flush(); err != nil {
		return removed, err
	}
	return removed, b.sweepSpool(before)
}

// removeIfOld deletes key unless it has been written since before or is
// already gone, and reports whether it deleted it.
func (b *Bucket) removeIfOld(ctx context.Context, key string, before time.Time) (bool, error) {
	_, modTime, err := b.attrs(ctx, key)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	} else if err != nil {
		return false, storageError(err, key)
	}
	if !modTime.Before(before) {
		return false, nil
	}
	if err := b.remove(ctx, key); errors.Is(err, os.ErrNotExist) {
		return false, nil
	} else if err != nil {
		return false, storageError(err, key)
	}
	return true, nil
}

// sweepSpool removes spool files a crash left in a file:// bucket's spool
// directory; elsewhere they live in os.TempDir, which is not ours to sweep.
func (b *Bucket) sweepSpool(before time.Time) error {
	if b.dir == "" {
		return nil
	}
	entries, err := os.ReadDir(b.spool)
	if err != nil {
		return fmt.Errorf("evidence: sweep spool: %w", err)
	}
	for _, e := range entries {
		info, err := e.Info()
		if err != nil || !info.Mode().IsRegular() || !strings.HasPrefix(e.Name(), "upload-") || !info.ModTime().Before(before) {
			continue
		}
		if err := os.Remove(filepath.Join(b.spool, e.Name())); err != nil && !os.IsNotExist(err) {
			return fmt.Errorf("evidence: sweep spool: %w", err)
		}
	}
	return nil
}
