package main

import (
	"context"
	"fmt"
)

// runBench is `parindex bench`: load the service and a raw-SQL baseline in one run.
func (m *Main) runBench(ctx context.Context, args []string) error {
	return fmt.Errorf("bench: not built yet")
}
