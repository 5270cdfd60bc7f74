package evidence

import (
	"fmt"
	"io"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// dirMode is what the directories a file:// bucket creates are made with:
// evidence is personal data, for the service's user only. Files are 0600
// already: spool files come from os.CreateTemp, and blobs are those spool
// files linked into place or copies made through os.CreateTemp.
const dirMode = 0o700

func openDir(dir string) (*Bucket, error) {
	dir, err := filepath.Abs(dir)
	if err != nil {
		return nil, fmt.Errorf("evidence: bucket directory: %w", err)
	}
	if err := os.MkdirAll(dir, dirMode); err != nil {
		return nil, fmt.Errorf("evidence: open %s: %w", dir, err)
	}
	spool := filepath.Join(dir, ".spool")
	if err := os.MkdirAll(spool, dirMode); err != nil {
		return nil, fmt.Errorf("evidence: spool directory: %w", err)
	}
	return &Bucket{dir: dir, spool: spool}, nil
}

// path is where a file:// bucket keeps key.
func (b *Bucket) path(key string) string {
	return filepath.Join(b.dir, filepath.FromSlash(key))
}

// openFile opens the blob at key for reading and returns its size.
func (b *Bucket) openFile(key string) (io.ReadCloser, int64, error) {
	f, err := os.Open(b.path(key))
	if err != nil {
		return nil, 0, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, fi.Size(), nil
}

// listDir calls fn with every regular file under the key prefix, which
// names a directory ("sha256/"), in lexical order.
func (b *Bucket) listDir(prefix string, fn func(key string, modTime time.Time) error) error {
	root := b.path(strings.TrimSuffix(prefix, "/"))
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p == root && os.IsNotExist(err) {
				return nil // nothing stored yet
			}
			if os.IsNotExist(err) {
				return nil // removed while walking
			}
			return err
		}
		if !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if os.IsNotExist(err) {
			return nil
		} else if err != nil {
			return err
		}
		rel, err := filepath.Rel(b.dir, p)
		if err != nil {
			return err
		}
		return fn(filepath.ToSlash(rel), info.ModTime())
	})
	return err
}

// link makes the spool file itself the blob: a hard link under a temporary
// name, then an atomic rename over the address. The spool is fsynced first
// and the directories after, so a crash leaves the old state or a whole blob.
func (b *Bucket) link(u *Upload, key string) error {
	path := b.path(key)
	if err := u.File.Sync(); err != nil {
		return err
	}
	dir := filepath.Dir(path)
	_, err := os.Stat(dir)
	newDir := os.IsNotExist(err)
	if err := os.MkdirAll(dir, dirMode); err != nil {
		return err
	}
	tmp := path + "." + strconv.FormatUint(rand.Uint64(), 16) + ".tmp"
	if err := os.Link(u.File.Name(), tmp); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return err
	}
	return syncDirs(path, newDir)
}

// copyIn writes the upload to a file:// address through a temporary file
// beside it (copied in the kernel, copy_file_range), renamed into place only
// once whole and on disk; on any error the temporary file is removed.
func (b *Bucket) copyIn(u *Upload, key string) (err error) {
	path := b.path(key)
	dir := filepath.Dir(path)
	_, serr := os.Stat(dir)
	newDir := os.IsNotExist(serr)
	if err := os.MkdirAll(dir, dirMode); err != nil {
		return err
	}
	src, err := os.Open(u.File.Name())
	if err != nil {
		return err
	}
	defer src.Close()
	tmp, err := os.CreateTemp(dir, filepath.Base(path)+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = io.Copy(tmp, src); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	return syncDirs(path, newDir)
}

// syncFile flushes a file written by name, and the directories naming it.
func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	err = f.Sync()
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	return syncDirs(path, true)
}

// syncDirs flushes the directory entry naming path and, when that directory
// is new, the entry naming the directory.
func syncDirs(path string, newDir bool) error {
	dirs := []string{filepath.Dir(path)}
	if newDir {
		dirs = append(dirs, filepath.Dir(dirs[0]))
	}
	for _, dir := range dirs {
		d, err := os.Open(dir)
		if err != nil {
			return err
		}
		err = d.Sync()
		d.Close()
		if err != nil {
			return err
		}
	}
	return nil
}
