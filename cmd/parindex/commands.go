package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"runtime/debug"
	"strings"
)

// command is one word of `parindex COMMAND`: what it does, in one line for
// the usage, and how it runs. Commands with subcommands dispatch on their own.
type command struct {
	name    string
	summary string
	run     func(m *Main, ctx context.Context, args []string) error
}

// commands is parindex's command table, in the order the usage lists them.
// Run looks a command up here; adding one is a line.
var commands = []command{
	{"serve", "serve the API (and, with --demo, demo data)", (*Main).runServe},
	{"migrate", "up|down|status: apply or inspect the schema", (*Main).runMigrate},
	{"user", "list|create|edit|disable|enable|grant|revoke: manage users", (*Main).runUser},
	{"token", "issue|list|revoke: manage API tokens", (*Main).runToken},
	{"agency", "list|create|edit|kinds|add-kind: manage agencies and their kinds", (*Main).runAgency},
	{"campaign", "list|create|cancel: manage campaigns", (*Main).runCampaign},
	{"criteria", "import: import a criteria set (YAML)", (*Main).runCriteria},
	{"import", "officials: import an agency's list of officials (CSV or XLSX)", (*Main).runImport},
	{"version", "print the version, commit, Go version and build date", (*Main).runVersion},
	{"backup", "take a consistent copy of the database and the evidence files it refers to", (*Main).runBackup},
	{"restore", "put a backup back into an empty database and evidence store", (*Main).runRestore},
	{"verify", "check every evidence file against its hash and every report's history", (*Main).runVerify},
	{"copy", "copy everything to an empty database of either kind (SQLite to PostgreSQL)", (*Main).runCopy},
}

// lookup finds a command by name.
func lookup(name string) (command, bool) {
	for _, c := range commands {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// usageError is a mistake in how a command was called (an unknown command
// or flag, a missing argument): the program exits 2, as flag does, and
// prints the usage; any other error exits 1.
type usageError struct{ error }

func (e usageError) Unwrap() error { return e.error }

// errHelp is returned once a --help was answered on standard output: the
// program then exits 0.
var errHelp = errors.New("help shown")

// exitCode is the process's exit status for what Run returned.
func exitCode(err error) int {
	var u usageError
	var ee *exitError
	switch {
	case errors.As(err, &ee):
		return ee.code
	case err == nil, errors.Is(err, errHelp):
		return 0
	case errors.Is(err, flag.ErrHelp), errors.As(err, &u):
		return 2
	}
	return 1
}

// subcommand is one verb of a command with subcommands.
type subcommand struct {
	name, usage string
	run         func(ctx context.Context, args []string) error
}

// dispatch runs the subcommand named by args[0], answers --help (or no
// argument) with the command's usage, and refuses an unknown verb.
func (m *Main) dispatch(ctx context.Context, name string, args []string, subs []subcommand) error {
	usage := func(w io.Writer) {
		fmt.Fprintf(w, "Usage:\n")
		for _, s := range subs {
			fmt.Fprintf(w, "  parindex %s %s\n", name, s.usage)
		}
		fmt.Fprintf(w, "\nRun \"parindex %s SUBCOMMAND --help\" for a subcommand's flags.\n", name)
	}
	if len(args) == 0 {
		usage(m.Stderr)
		return usageError{fmt.Errorf("%s: name a subcommand", name)}
	}
	if isHelp(args[0]) {
		usage(m.Stdout)
		return errHelp
	}
	for _, s := range subs {
		if s.name == args[0] {
			return s.run(ctx, args[1:])
		}
	}
	usage(m.Stderr)
	return usageError{fmt.Errorf("%s: unknown subcommand %q", name, args[0])}
}

func isHelp(arg string) bool {
	return arg == "-h" || arg == "-help" || arg == "--help" || arg == "help"
}

// Set with -ldflags "-X main.version=v1.2.0 -X main.commit=… -X main.date=…";
// empty, they come from the build information Go records.
var version, commit, date string

// buildInfo is what `parindex version` prints.
type buildInfo struct {
	Version, Commit, GoVersion, Date string
	Modified                         bool
}

// readBuildInfo reads the version from -ldflags or, failing that, from the
// module and VCS settings Go embeds when it builds from a checkout.
func readBuildInfo() buildInfo {
	b := buildInfo{Version: version, Commit: commit, Date: date}
	if info, ok := debug.ReadBuildInfo(); ok {
		b.GoVersion = info.GoVersion
		if b.Version == "" && info.Main.Version != "" && info.Main.Version != "(devel)" {
			b.Version = info.Main.Version
		}
		for _, s := range info.Settings {
			switch s.Key {
			case "vcs.revision":
				if b.Commit == "" {
					b.Commit = s.Value
				}
			case "vcs.time":
				if b.Date == "" {
					b.Date = s.Value
				}
			case "vcs.modified":
				b.Modified = s.Value == "true"
			}
		}
	}
	if b.Version == "" {
		b.Version = "dev"
	}
	for _, v := range []*string{&b.Commit, &b.Date} {
		if *v == "" {
			*v = "unknown"
		}
	}
	return b
}

func (m *Main) runVersion(_ context.Context, args []string) error {
	f := m.newCommand("version", "version")
	if err := f.Parse(args); err != nil {
		return err
	}
	b := readBuildInfo()
	dirty := ""
	if b.Modified {
		dirty = " (modified)"
	}
	fmt.Fprintf(m.Stdout, "parindex %s\ncommit:  %s%s\ngo:      %s\nbuilt:   %s\n", b.Version, b.Commit, dirty, b.GoVersion, b.Date)
	return nil
}

// dbURL reads --db: a bare path (no scheme) is an SQLite file.
func dbURL(s string) string {
	if s == "" || strings.HasPrefix(s, "sqlite:") || strings.Contains(s, "://") {
		return s
	}
	return "sqlite:" + s
}
