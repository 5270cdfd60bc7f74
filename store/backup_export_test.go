package store

// SetMigrationSeeds makes the copier believe the migrations write rows with
// these keys, as a migration of reference data would, until the returned
// function restores what it learnt.
func SetMigrationSeeds(keys map[string][]string) (restore func()) {
	seeded.Lock()
	old := seeded.keys
	seeded.keys = keys
	seeded.Unlock()
	return func() {
		seeded.Lock()
		seeded.keys = old
		seeded.Unlock()
	}
}
