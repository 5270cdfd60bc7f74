package evidence

import (
	"context"
	"errors"
	"time"
)

var errFound = errors.New("evidence: a blob was found")

// AnyBlob returns the key of one blob the store holds ("sha256/ab/ab…"), or
// "" when it holds none, on file:// and s3:// alike: restore refuses a store
// that is not empty. It stops at the first blob.
func (b *Bucket) AnyBlob(ctx context.Context) (string, error) {
	var key string
	err := b.list(ctx, "sha256/", func(k string, _ time.Time) error {
		key = k
		return errFound
	})
	if errors.Is(err, errFound) {
		return key, nil
	}
	return "", err
}
