package web_test

import (
	"os"
	"testing"

	"parindex/i18n"
	chrome "parindex/internal/browser"
)

// TestMain runs the pages' tests, stops the shared browser, and fails the
// package if any answer formatted a text the catalogue does not hold.
func TestMain(m *testing.M) {
	code := m.Run()
	chrome.CloseShared()
	if missing := i18n.Missing(); len(missing) > 0 {
		for _, k := range missing {
			os.Stderr.WriteString("FAIL: a text without a catalogue entry: " + k + "\n")
		}
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}
