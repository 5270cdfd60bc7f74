package main

import (
	"context"
	"errors"
	"fmt"
	"os"

	"parindex/sheet"
	"parindex/store"
	"parindex/workflow"
)

// importMaxFile caps the file an import reads; an officials list weighs a few
// kilobytes.
const importMaxFile = 16 << 20

const importUsage = "usage: parindex import officials --agency CODE [--db URL] FILE"

// runImport runs "parindex import officials --agency CODE [--db URL] FILE":
// the agency's list of officials (CSV or XLSX) is imported as
// POST /api/v1/agencies/{id}/officials does, all or nothing. It prints
// "created N, updated M, unchanged K", or every bad row on standard error,
// one per line, and fails.
func (m *Main) runImport(ctx context.Context, args []string) error {
	if len(args) > 0 && isHelp(args[0]) {
		fmt.Fprintln(m.Stdout, importUsage)
		return errHelp
	}
	if len(args) == 0 || args[0] != "officials" {
		fmt.Fprintln(m.Stderr, importUsage)
		return usageError{errors.New(importUsage)}
	}
	f := m.newCommand("import officials", "import officials --agency CODE [--db URL] FILE")
	agency := f.String("agency", "", "the agency's code, e.g. STP")
	db := f.str("db", defaultDB, "database: sqlite:PATH or postgres://...")
	if err := f.Parse(args[1:]); err != nil {
		return err
	}
	// Flags may follow the file as well: parse what comes after it again.
	rest := f.Args()
	if len(rest) > 1 {
		if err := f.Parse(rest[1:]); err != nil {
			return err
		}
		rest = append(rest[:1], f.Args()...)
	}
	switch {
	case *agency == "":
		return f.fail("--agency is required")
	case len(rest) != 1:
		return f.fail("name one file to import")
	}
	path := rest[0]

	file, err := os.Open(path)
	if err != nil {
		return err
	}
	defer file.Close()
	rows, err := sheet.Read(file, importMaxFile, path, "")
	if err != nil {
		return m.cliError(err)
	}
	officials, err := workflow.ParseOfficials(rows)
	if err != nil {
		return m.badRows(err)
	}

	s, err := m.openCurrent(ctx, *db)
	if err != nil {
		return err
	}
	defer s.Close()
	a, err := s.AgencyByCode(ctx, *agency)
	if err != nil {
		return m.cliError(err)
	}
	// Imported at the server: the audit row has no actor.
	res, err := s.ImportOfficials(ctx, nil, a.ID, officials, store.Meta{})
	if err != nil {
		return m.badRows(err)
	}
	fmt.Fprintf(m.Stdout, "created %d, updated %d, unchanged %d\n", res.Created, res.Updated, res.Unchanged)
	return nil
}

// badRows prints each row problem of an invalid list on standard error and
// returns the list's message, in the command line's language; any other
// error is returned as cliError.
func (m *Main) badRows(err error) error {
	fields := workflow.ErrorFields(err)
	if workflow.ErrorCode(err) != workflow.EINVALID || len(fields) == 0 {
		return m.cliError(err)
	}
	for _, fe := range fields {
		fmt.Fprintf(m.Stderr, "%s: %s\n", m.rowWhere(fe.Field), m.say(fe.Message, fe.Args...))
	}
	return m.cliError(err)
}
