package evidence

import (
	"context"
	"testing"
)

// TestAnyBlob: an empty store has none, on either backend; a stored blob is
// found, and the spool (uploads in progress) does not count.
func TestAnyBlob(t *testing.T) {
	eachBackend(t, func(t *testing.T, be *backend) {
		ctx := context.Background()
		if key, err := be.b.AnyBlob(ctx); err != nil || key != "" {
			t.Fatalf("an empty store: %q, %v", key, err)
		}
		u := mustReceive(t, be.b, pdfFile()) // spooled, not stored yet
		if key, err := be.b.AnyBlob(ctx); err != nil || key != "" {
			t.Fatalf("a store with an upload only spooled: %q, %v", key, err)
		}
		if err := be.b.Store(ctx, u); err != nil {
			t.Fatal(err)
		}
		if key, err := be.b.AnyBlob(ctx); err != nil || key != blobKey(u.SHA256) {
			t.Fatalf("a store with one blob: %q, %v, want %q", key, err, blobKey(u.SHA256))
		}
	})
}
