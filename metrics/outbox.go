package metrics

import (
	"context"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"parindex/store"
)

// outboxTimeout bounds the outbox query of one scrape, well inside
// Prometheus' default 10 s scrape timeout.
const outboxTimeout = 2 * time.Second

var (
	outboxEvents = prometheus.NewDesc("parindex_outbox_events",
		"Outbox events by state: pending (not yet turned into notifications and emails) or dead (given up after repeated failures).",
		[]string{"state"}, nil)
	outboxEmails = prometheus.NewDesc("parindex_outbox_emails",
		"Emails by state: pending (not yet delivered), dead (given up after repeated failures) or sent.",
		[]string{"state"}, nil)
)

// outboxCollector reads the outbox's backlog from the database at scrape
// time. A database that does not answer is logged and the outbox left out of
// that scrape: the other metrics still go out.
type outboxCollector struct {
	store   *store.Store
	log     zerolog.Logger
	timeout time.Duration
}

func (c *outboxCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- outboxEvents
	ch <- outboxEmails
}

func (c *outboxCollector) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), c.timeout)
	defer cancel()
	st, err := c.store.OutboxStats(ctx)
	if err != nil {
		c.log.Warn().Err(err).Msg("outbox metrics skipped")
		return
	}
	gauge := func(d *prometheus.Desc, n int, state string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, float64(n), state)
	}
	gauge(outboxEvents, st.PendingEvents, "pending")
	gauge(outboxEvents, st.DeadEvents, "dead")
	gauge(outboxEmails, st.PendingEmails, "pending")
	gauge(outboxEmails, st.DeadEmails, "dead")
	gauge(outboxEmails, st.SentEmails, "sent")
}
