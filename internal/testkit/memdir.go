package testkit

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
)

// shm is where Linux keeps a file system in memory (tmpfs).
const shm = "/dev/shm"

// MemDir is a new directory in memory (tmpfs), removed when the test ends,
// for a database that must never wait on the disk: an fsync there costs
// nothing. Where there is no /dev/shm it is t.TempDir().
func MemDir(t testing.TB) string {
	t.Helper()
	if st, err := os.Stat(shm); err != nil || !st.IsDir() {
		return t.TempDir()
	}
	sweepMemDirs()
	dir, err := os.MkdirTemp(shm, fmt.Sprintf("parindex-test-%d-", os.Getpid()))
	if err != nil {
		return t.TempDir()
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	return dir
}

// sweepMemDirs removes the directories that MemDir made for processes that
// are gone without cleaning up (a fuzz worker is killed when it does not
// stop in time), which would otherwise hold memory until the next boot.
func sweepMemDirs() {
	dirs, _ := filepath.Glob(filepath.Join(shm, "parindex-test-*"))
	for _, dir := range dirs {
		pid, err := strconv.Atoi(strings.SplitN(strings.TrimPrefix(filepath.Base(dir), "parindex-test-"), "-", 2)[0])
		if err != nil || pid == os.Getpid() {
			continue
		}
		if p, err := os.FindProcess(pid); err == nil && errors.Is(p.Signal(syscall.Signal(0)), os.ErrProcessDone) {
			os.RemoveAll(dir)
		}
	}
}
