package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"runtime/debug"
	"strings"
	"testing"
	"time"
)

// The bench runs whole, small, on both stores: every operation answers as
// expected, the baseline runs as many transitions, and the surge ends with
// every report submitted or locked and nothing accepted after the deadline.
func TestBenchEndToEnd(t *testing.T) {
	bin := buildService(t)
	dbs := map[string]string{"sqlite": ""}
	if pg := os.Getenv("PARINDEX_TEST_POSTGRES"); pg != "" {
		dbs["postgres"] = pg
	} else if os.Getenv("CI") == "true" {
		t.Fatal("CI=true needs PARINDEX_TEST_POSTGRES")
	}
	for name, db := range dbs {
		t.Run(name, func(t *testing.T) {
			const agencies = 4
			var out bytes.Buffer
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			res, err := runBenchWith(ctx, benchConfig{DB: db, Agencies: agencies, Clients: 3, Surge: 2 * time.Second, Parindex: bin}, &out)
			if err != nil {
				t.Fatalf("bench: %v\n%s", err, out.String())
			}
			t.Log("\n" + out.String())
			tr := res.rec.merged(transitionOps...).summary()
			if tr.N != 6*agencies || tr.Errors != 0 || tr.PerSecond <= 0 {
				t.Errorf("transitions: %d, %d errors, %.0f/s; want %d, none failed", tr.N, tr.Errors, tr.PerSecond, 6*agencies)
			}
			if e := res.rec.merged("entry").summary(); e.Errors != 0 || e.N == 0 {
				t.Errorf("entries: %d, %d errors", e.N, e.Errors)
			}
			if b := res.baseline; b.N != tr.N || b.Errors != 0 {
				t.Errorf("baseline: %d, %d errors; want %d", b.N, b.Errors, tr.N)
			}
			s := res.surge
			if s == nil || s.Submitted+s.Locked != agencies || s.Other != 0 || s.Late != 0 || s.LateRows != 0 || s.Errors != 0 {
				t.Errorf("surge: %+v; want all %d submitted or locked, nothing late, no failure", s, agencies)
			}
			if res.rss <= 0 {
				t.Error("the service's peak RSS was not read")
			}
			for _, want := range []string{"service " + bin + " (--parindex)", "transitions", "baseline (raw SQL", "service ÷ baseline", "surge (4 agencies", "service peak RSS"} {
				if !strings.Contains(out.String(), want) {
					t.Errorf("the output lacks %q", want)
				}
			}
		})
	}
}

// The pages phase runs, small, on both stores: every client logs in through
// the bench's provider, every page answer is a whole page, and each page and
// its raw-SQL baseline report figures.
func TestBenchPages(t *testing.T) {
	bin := buildService(t)
	dbs := map[string]string{"sqlite": ""}
	if pg := os.Getenv("PARINDEX_TEST_POSTGRES"); pg != "" {
		dbs["postgres"] = pg
	} else if os.Getenv("CI") == "true" {
		t.Fatal("CI=true needs PARINDEX_TEST_POSTGRES")
	}
	for name, db := range dbs {
		t.Run(name, func(t *testing.T) {
			const agencies, clients = 6, 3
			var out bytes.Buffer
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			res, err := runBenchWith(ctx, benchConfig{DB: db, Agencies: agencies, Clients: clients, Pages: time.Second, Parindex: bin}, &out)
			if err != nil {
				t.Fatalf("bench --pages: %v\n%s", err, out.String())
			}
			t.Log("\n" + out.String())
			p := res.pages
			if p == nil {
				t.Fatal("no pages result")
			}
			type fig struct {
				path       string
				page, base summary
				lines      []string
			}
			var skipped []string
			for _, f := range []fig{
				{fmt.Sprintf("/reports/%d", p.reportID), p.report, p.reportSQL, []string{"(40 criteria, updater)", "raw SQL: report, criteria, entries, evidence", "report page ÷ raw SQL: p95"}},
				{fmt.Sprintf("/council/campaigns/%d", p.campaignID), p.board, p.boardSQL, []string{"council board /council/campaigns/", "raw SQL: campaign, counts, 6 reports with agencies, their scored entries", "council board ÷ raw SQL: p95"}},
			} {
				if p.missing[f.path] {
					t.Errorf("%s answered 404: the service this tree builds must have the page", f.path)
					skipped = append(skipped, f.path)
					continue
				}
				for name, s := range map[string]summary{f.path: f.page, f.path + " raw SQL": f.base} {
					if s.N == 0 || s.Errors != 0 || s.PerSecond <= 0 || s.P95 <= 0 {
						t.Errorf("%s: %d, %d errors, %.0f/s, p95 %s; want some, none failed", name, s.N, s.Errors, s.PerSecond, s.P95)
					}
				}
				for _, want := range f.lines {
					if !strings.Contains(out.String(), want) {
						t.Errorf("the output lacks %q", want)
					}
				}
			}
			if p.login.N != 2*clients-len(skipped)*clients || p.login.Errors != 0 {
				t.Errorf("logins: %d, %d errors; want %d", p.login.N, p.login.Errors, 2*clients-len(skipped)*clients)
			}
			if p.boardAgencies != agencies {
				t.Errorf("the board names %d agencies; want all %d", p.boardAgencies, agencies)
			}
		})
	}
}

// buildService builds the service the way the bench does when run from the
// repository, with -race when this test has it, once for every subtest.
func buildService(t *testing.T) string {
	t.Helper()
	src := serviceSource(context.Background())
	if src == "" {
		t.Fatalf("go list %s found nothing: the test runs inside the parindex module", servicePackage)
	}
	var extra []string
	if info, ok := debug.ReadBuildInfo(); ok {
		for _, s := range info.Settings {
			if s.Key == "-race" && s.Value == "true" {
				extra = append(extra, "-race")
			}
		}
	}
	start := time.Now()
	bin, err := buildParindex(context.Background(), src, t.TempDir(), extra...)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("built %s %v in %v", bin, extra, time.Since(start).Round(time.Millisecond))
	return bin
}

// The embedded criteria sets are the service demo's, byte for byte, so that
// the bench's reports have the leaves the figures in BENCHMARKS.md were
// measured with.
func TestCriteriaMatchDemo(t *testing.T) {
	for _, name := range []string{"criteria-department.yaml", "criteria-district.yaml"} {
		demo, err := os.ReadFile("../parindex/demo/" + name)
		if err != nil {
			t.Fatal(err)
		}
		ours, err := criteriaFiles.ReadFile("criteria/" + name)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(ours, demo) {
			t.Errorf("criteria/%s differs from cmd/parindex/demo/%s: copy it again", name, name)
		}
	}
}
