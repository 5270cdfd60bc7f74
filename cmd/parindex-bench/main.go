// Command parindex-bench loads a parindex service and prints its figures. It
// is its own binary so that the service links neither the PDF signing
// library the bench signs exports with nor the load generator.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"
	"time"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "parindex-bench:", err)
		}
		os.Exit(2)
	}
}

// benchConfig is what the bench was asked to do.
type benchConfig struct {
	DB       string        // sqlite:PATH or postgres://; empty is a fresh SQLite file
	URL      string        // a running service on DB; empty starts one
	Agencies int           // agencies provisioned (half departments, half districts)
	Clients  int           // concurrent HTTP clients, and baseline clients
	Surge    time.Duration // the deadline-surge window; 0 skips the surge
	Keep     bool          // keep the SQLite file or the PostgreSQL schema
	Profile  string        // a file for a CPU profile of the started service
	Parindex string        // the parindex binary to start; empty finds or builds one
	Pages    time.Duration // with a duration: the pages phase alone, each page loaded this long
}

const benchUsage = `Usage: parindex-bench [--db URL] [--agencies 1000] [--clients 32] [--surge 20s] [--url URL] [--parindex PATH]
       parindex-bench --pages 20s [--db URL] [--agencies 1000] [--clients 32] [--parindex PATH]

Provisions agencies with the sample criteria sets on a fresh database (a new
SQLite file by default; with --db postgres://... a new schema that is dropped
afterwards), starts "parindex serve" on it as a child process (or drives
--url, a service already running on that database), and drives whole reports
over HTTP: entry saves, complete, return, approve, export + signed summary,
sign, submit. Then, in the same run, a raw-SQL baseline issues the writes of
each transition directly with as many clients, and a deadline surge has every
agency work against a campaign that closes after --surge.

With --pages DURATION the bench measures the web pages instead (issue 13): the
districts take a criteria set of 40 self-assessed leaves, one district's report
is filled (40 entries, four evidence files) and a quarter of the other reports
are moved on so that the board shows a mix of states. The service is started
with a development OpenID provider served by the bench itself, and every
client logs in through it as a browser does (login, the provider's page,
callback, session cookie): --clients browsers as that report's updater, as
many as a council member. Then they load the report page for DURATION, then
the council board of the campaign (its first page) for DURATION, each answer
checked (200, HTML, whole); each page between two halves of its raw-SQL
baseline, the same reads issued directly by as many clients: the report, its
criteria, entries and evidence; the campaign, its reports counted by kind and
state, a page of them with their agencies and their scored entries.

The service started is --parindex; without it, one built from the parindex
module the bench runs in (go run ./cmd/parindex-bench from the repository),
else the parindex beside this executable, else the one on PATH.
`

// run is the command. It reads no PARINDEX_* variables: a benchmark must
// never write into the database the environment points at.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("parindex-bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, benchUsage); fs.PrintDefaults() }
	var cfg benchConfig
	fs.StringVar(&cfg.DB, "db", "", "database: sqlite:PATH (must not exist yet) or postgres://... (a fresh schema is made); empty is a new SQLite file in a temporary directory")
	fs.StringVar(&cfg.URL, "url", "", "drive a service already running on --db at this URL instead of starting one")
	fs.IntVar(&cfg.Agencies, "agencies", 1000, "agencies to provision")
	fs.IntVar(&cfg.Clients, "clients", 32, "concurrent clients")
	fs.DurationVar(&cfg.Surge, "surge", 20*time.Second, "window of the deadline surge (0 skips it)")
	fs.BoolVar(&cfg.Keep, "keep", false, "keep the database afterwards")
	fs.StringVar(&cfg.Profile, "cpuprofile", "", "write a CPU profile of the started service, over its whole run, to this file")
	fs.DurationVar(&cfg.Pages, "pages", 0, "measure the report page and the council board, each loaded this long (e.g. 20s), instead of the reports' lives and the surge")
	fs.StringVar(&cfg.Parindex, "parindex", "", "the parindex binary to start; empty builds ./cmd/parindex when run inside the repository, else takes parindex beside this executable or on PATH")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if cfg.Agencies < 2 || cfg.Clients < 1 {
		return fmt.Errorf("--agencies must be at least 2 and --clients at least 1")
	}
	if cfg.URL != "" && cfg.DB == "" {
		return fmt.Errorf("--url needs --db, the database that service runs on (the bench provisions it directly)")
	}
	if cfg.Pages < 0 || (cfg.Pages > 0 && cfg.URL != "") {
		return fmt.Errorf("--pages wants a positive duration, and a service the bench starts (not --url): it logs in through the bench's own provider")
	}
	_, err := runBenchWith(ctx, cfg, stdout)
	return err
}

// runBenchWith runs the whole bench, prints its figures to out and returns them.
func runBenchWith(ctx context.Context, cfg benchConfig, out io.Writer) (*benchResult, error) {
	tmp, err := os.MkdirTemp("", "parindex-bench-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp)
	// The binary comes first: a service that does not build fails the run
	// before minutes of provisioning.
	exe := ""
	if cfg.URL == "" {
		var how string
		if exe, how, err = findParindex(ctx, cfg.Parindex, tmp); err != nil {
			return nil, err
		}
		fmt.Fprintf(out, "parindex-bench: service %s (%s)\n", exe, how)
	}
	db, cleanup, err := benchDatabase(ctx, cfg, tmp)
	if err != nil {
		return nil, err
	}
	defer cleanup()

	start := time.Now()
	w, err := provision(ctx, db, cfg.Agencies, cfg.Pages > 0)
	if err != nil {
		return nil, fmt.Errorf("provision: %w", err)
	}
	fmt.Fprintf(out, "parindex-bench: %s, %d agencies, %d clients, GOMAXPROCS %d; provisioned in %s\n",
		w.describe(), cfg.Agencies, cfg.Clients, runtime.GOMAXPROCS(0), time.Since(start).Round(time.Millisecond))

	if cfg.Pages > 0 {
		pages, err := runPagesBench(ctx, cfg, exe, tmp, w, out)
		if err != nil {
			return nil, fmt.Errorf("pages: %w", err)
		}
		pages.print(out, cfg, w)
		return &benchResult{pages: pages}, nil
	}
	svc := &benchService{url: strings.TrimRight(cfg.URL, "/")}
	if svc.url == "" {
		if svc, err = startService(ctx, exe, db, tmp, cfg.Profile, serviceOptions{}); err != nil {
			return nil, err
		}
		defer svc.stop()
	}
	res, err := runLoad(ctx, cfg, w, svc)
	if err != nil {
		return nil, err
	}
	res.print(out, cfg, w)
	return res, nil
}
