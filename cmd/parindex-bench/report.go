package main

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// Targets from issue 5, printed beside what was measured.
const (
	targetRatio      = 0.75
	targetP99Ratio   = 1.5
	targetSQLiteRate = 1000
	targetRSS        = 150 << 20
)

func (r *benchResult) print(out io.Writer, cfg benchConfig, w *benchWorld) {
	tw := tabwriter.NewWriter(out, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "operation\tcount\terrors\tper second\tp50\tp95\tp99\t")
	line := func(name string, s summary) {
		rate := "-" // an operation that ran inside another's phase has no rate of its own
		if s.PerSecond > 0 {
			rate = fmt.Sprintf("%.0f", s.PerSecond)
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t%s\t%s\t%s\t\n", name, s.N, s.Errors, rate, ms(s.P50), ms(s.P95), ms(s.P99))
	}
	for _, op := range r.rec.order {
		if op == "surge" || op == "campaign" || op == "baseline" {
			continue
		}
		line(op, r.rec.merged(op).summary())
	}
	t := r.rec.merged(transitionOps...).summary()
	line("transitions", t)
	line("baseline (raw SQL, half before, half after)", r.baseline)
	tw.Flush()
	if r.baseline.PerSecond > 0 && r.baseline.P99 > 0 {
		ratio := t.PerSecond / r.baseline.PerSecond
		p99 := float64(t.P99) / float64(r.baseline.P99)
		fmt.Fprintf(out, "service ÷ baseline: throughput %.2f (target ≥ %.2f: %s), p99 %.2f× (target ≤ %.1f×: %s)\n",
			ratio, targetRatio, verdict(ratio >= targetRatio), p99, targetP99Ratio, verdict(p99 <= targetP99Ratio))
	}
	if c := t.CPU.perOp(t.N); c != "" {
		fmt.Fprintf(out, "CPU µs per transition: %s\n", c)
	}
	if c := r.baseline.CPU.perOp(r.baseline.N); c != "" {
		fmt.Fprintf(out, "CPU µs per baseline transition: %s\n", c)
	}
	if w.dialect == "sqlite" {
		fmt.Fprintf(out, "SQLite transitions/s: %.0f (target ≥ %d: %s)\n", t.PerSecond, targetSQLiteRate, verdict(t.PerSecond >= targetSQLiteRate))
	}
	if s := r.surge; s != nil {
		fmt.Fprintf(out, "surge (%d agencies, window %s): submitted %d, locked %d, neither %d\n", len(w.agencies), s.Window, s.Submitted, s.Locked, s.Other)
		fmt.Fprintf(out, "  writes refused 423 (window closed): %d; writes sent after the deadline and accepted: %d; rows written at or after the deadline: %d; other failures: %d\n",
			s.Refused, s.Late, s.LateRows, s.Errors)
		if s.First != "" {
			fmt.Fprintf(out, "  first other failure: %s\n", s.First)
		}
		if s.Locked > 0 {
			fmt.Fprintf(out, "  lock lag, deadline → the sweep's clock in the history: p50 %s, p99 %s, max %s; deadline → a client sees every report submitted or locked: %s\n",
				ms(s.LagP50), ms(s.LagP99), ms(s.LagMax), ms(s.Settled))
		}
	}
	if r.rss > 0 {
		fmt.Fprintf(out, "service peak RSS: %.1f MB (target ≤ %d MB: %s)\n", float64(r.rss)/(1<<20), targetRSS>>20, verdict(r.rss <= targetRSS))
	} else {
		fmt.Fprintln(out, "service peak RSS: not measured (the service was not started by the bench)")
	}
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond)) }

func verdict(ok bool) string {
	if ok {
		return "met"
	}
	return "MISSED"
}
