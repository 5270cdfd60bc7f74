package testkit

import (
	"fmt"
	"io"
	"os"
	"testing"

	"parindex/i18n"
)

// MainCheckingMessages runs a package's tests and then fails them if any
// message formatted along the way has no text in the catalogue: the static
// scan of package i18n sees the keys written in the code, this sees the
// ones that reached an answer; after runs once the tests are done (stopping
// a shared browser). Call it from TestMain:
//
//	func TestMain(m *testing.M) { testkit.MainCheckingMessages(m) }
func MainCheckingMessages(m *testing.M, after ...func()) {
	code := m.Run()
	for _, f := range after {
		f()
	}
	os.Exit(checkMessages(os.Stderr, code, i18n.Missing()))
}

// checkMessages is the exit code once the tests ran with code: 1 when a
// message was missing, listing them on w.
func checkMessages(w io.Writer, code int, missing []string) int {
	if len(missing) == 0 {
		return code
	}
	fmt.Fprintf(w, "FAIL: %d message(s) formatted without a text in the catalogue (package i18n):\n", len(missing))
	for _, k := range missing {
		fmt.Fprintf(w, "\t%q\n", k)
	}
	return 1
}
