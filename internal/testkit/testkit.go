// Package testkit is what the tests of every package share: a buffer that
// goroutines write while a test reads it, an HTTP client for a test server
// that fails the test with the answer's body, multipart bodies, the sample
// input files of the repository's testdata folder, and waiting with a
// deadline, and a TestMain that fails on messages missing from the
// catalogue. It imports nothing of parindex but package i18n (which imports
// nothing of parindex), so any package's tests may use it; store/storetest
// builds databases and fixtures on top of it.
package testkit

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"
)

// Root is the repository's root directory: the nearest folder above the
// test's working directory (its package) that holds go.mod.
func Root(t testing.TB) string {
	t.Helper()
	root.once.Do(func() {
		dir, err := os.Getwd()
		for err == nil {
			if _, err = os.Stat(filepath.Join(dir, "go.mod")); err == nil {
				root.dir = dir
				return
			}
			if parent := filepath.Dir(dir); parent != dir {
				dir, err = parent, nil
			} else {
				err = errors.New("no go.mod above the working directory")
			}
		}
		root.err = err
	})
	if root.err != nil {
		t.Fatalf("repository root: %v", root.err)
	}
	return root.dir
}

var root struct {
	once sync.Once
	dir  string
	err  error
}

// sampleDirs are where Sample looks, in order: the repository's testdata,
// then the demo's folder, which keeps the two criteria sets the demo embeds
// (one copy, which the tests read as well).
var sampleDirs = []string{"testdata", filepath.Join("cmd", "parindex", "demo")}

// Sample reads an input file shared by the tests, e.g.
// Sample(t, "criteria-department.yaml") or Sample(t, "officials-bad.csv").
func Sample(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(SamplePath(t, name))
	if err != nil {
		t.Fatalf("sample: %v", err)
	}
	return data
}

// SamplePath is the path of the sample file name (see Sample).
func SamplePath(t testing.TB, name string) string {
	t.Helper()
	for _, dir := range sampleDirs {
		path := filepath.Join(Root(t), dir, name)
		if _, err := os.Stat(path); err == nil || !errors.Is(err, fs.ErrNotExist) {
			return path
		}
	}
	t.Fatalf("sample %s: in none of %v", name, sampleDirs)
	return ""
}

// Zone loads a time zone from the built-in database; it panics when it
// cannot, so that it can set a package variable.
func Zone(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(err)
	}
	return loc
}

// Await returns the next value from ch, failing the test when none comes
// within timeout: what is broken must fail, not hang.
func Await[T any](t testing.TB, ch <-chan T, timeout time.Duration, what string) T {
	t.Helper()
	timer := time.NewTimer(timeout)
	defer timer.Stop()
	select {
	case v := <-ch:
		return v
	case <-timer.C:
		t.Fatalf("timed out after %s waiting for %s", timeout, what)
		panic("unreachable")
	}
}

// Allocated is how many bytes fn allocates on the heap (live or not).
func Allocated(fn func()) uint64 {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	fn()
	runtime.ReadMemStats(&after)
	return after.TotalAlloc - before.TotalAlloc
}

// Step runs fn as the subtest name, a step of a scenario, and stops the
// scenario when the step fails: the steps share the scenario's state, so
// those after a failed one would only fail again.
func Step(t *testing.T, name string, fn func(t *testing.T)) {
	t.Helper()
	if !t.Run(name, fn) {
		t.FailNow()
	}
}
