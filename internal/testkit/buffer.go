package testkit

import (
	"bufio"
	"bytes"
	"strings"
	"sync"
	"testing"
	"time"
)

// SyncBuffer collects what goroutines write (a logger's output, a command's
// standard output) while the test reads it. The zero value is ready.
type SyncBuffer struct {
	mu      sync.Mutex
	b       bytes.Buffer
	written chan struct{} // closed at the next write, for WaitLine
}

// Write appends p and wakes WaitLine.
func (b *SyncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.written != nil {
		close(b.written)
		b.written = nil
	}
	return b.b.Write(p)
}

// String is everything written so far.
func (b *SyncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// next returns what was written so far and a channel closed at the next write.
func (b *SyncBuffer) next() (string, <-chan struct{}) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.written == nil {
		b.written = make(chan struct{})
	}
	return b.b.String(), b.written
}

// WaitLine returns the first line written for which match is true, waiting
// for later writes up to timeout (a log line may be written just after the
// client has its answer). It fails the test, showing everything written,
// when none comes.
func (b *SyncBuffer) WaitLine(t testing.TB, timeout time.Duration, what string, match func(line string) bool) string {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		text, written := b.next()
		sc := bufio.NewScanner(strings.NewReader(text))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			if match(sc.Text()) {
				return sc.Text()
			}
		}
		select {
		case <-written:
		case <-deadline.C:
			t.Fatalf("no line %s within %s in:\n%s", what, timeout, text)
		}
	}
}
