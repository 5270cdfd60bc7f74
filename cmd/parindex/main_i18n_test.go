package main

import (
	"testing"

	"parindex/internal/browser"
	"parindex/internal/testkit"
)

// TestMain fails the run when a message the commands or the server printed
// has no text in the message catalogue.
func TestMain(m *testing.M) { testkit.MainCheckingMessages(m, browser.CloseShared) }
