// Package migrations holds the schema, one folder per dialect with matching
// numbers, embedded into the binary and applied with goose.
package migrations

import (
	"embed"
	"io/fs"
)

//go:embed sqlite/*.sql postgres/*.sql
var files embed.FS

// FS returns the migrations of one dialect ("sqlite" or "postgres").
func FS(dialect string) fs.FS {
	sub, err := fs.Sub(files, dialect)
	if err != nil {
		panic(err) // the folders are embedded at build time
	}
	return sub
}
