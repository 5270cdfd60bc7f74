package handlers_test

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"parindex/i18n"
)

// TestMain runs the handlers' tests, then fails the package if any answer
// they caused formatted a text the catalogue does not hold: a message only
// a run can name (a key built at run time, a signature finding) is caught
// here even when no static scan sees it.
func TestMain(m *testing.M) {
	code := m.Run()
	if missing := i18n.Missing(); len(missing) > 0 {
		fmt.Fprintf(os.Stderr, "FAIL: %d texts answered without a catalogue entry:\n  %s\n", len(missing), strings.Join(missing, "\n  "))
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}
