// Package metrics is parindex's Prometheus face: one registry per Metrics
// (never the global one, so tests and several Mains in one process do not
// collide), the collectors, and the few methods handlers and the scheduler
// call. A nil *Metrics records nothing, so callers need no checks.
package metrics

import (
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/rs/zerolog"

	"parindex/store"
	"parindex/workflow"
)

// Unmatched is the route label of a request no route matched: the raw path
// would give every mistyped URL a series of its own.
const Unmatched = "unmatched"

// Metrics owns a registry and the service's collectors.
type Metrics struct {
	registry *prometheus.Registry
	log      zerolog.Logger

	requests    *prometheus.CounterVec
	duration    *prometheus.HistogramVec
	transitions *prometheus.CounterVec
	runs        *prometheus.CounterVec
	locked      prometheus.Counter
	lastSweep   prometheus.Gauge
}

// New registers the service's metrics, the Go and process collectors, the
// database pool's statistics and the outbox backlog (read from s at scrape
// time) on a registry of its own.
func New(s *store.Store, log zerolog.Logger) *Metrics {
	m := &Metrics{
		registry: prometheus.NewRegistry(),
		log:      log.With().Str("component", "metrics").Logger(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parindex_http_requests_total",
			Help: "HTTP requests answered, by method, chi route pattern and status.",
		}, []string{"method", "route", "status"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "parindex_http_request_duration_seconds",
			Help:    "Time to answer an HTTP request, by method, chi route pattern and status.",
			Buckets: prometheus.DefBuckets,
		}, []string{"method", "route", "status"}),
		transitions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parindex_transitions_total",
			Help: `Report transitions asked for, by event and result ("ok" or the error code); the scheduler's locks count as lock/ok.`,
		}, []string{"event", "result"}),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "parindex_scheduler_runs_total",
			Help: "Scheduler runs (lock sweep, openings, reminders, outbox fan-out), by outcome: ok or error.",
		}, []string{"outcome"}),
		locked: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "parindex_scheduler_reports_locked_total",
			Help: "Reports the scheduler locked at their deadline.",
		}),
		lastSweep: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "parindex_scheduler_last_success_timestamp_seconds",
			Help: "When the last scheduler run without error finished, in Unix seconds (0: none yet).",
		}),
	}
	m.registry.MustRegister(m.requests, m.duration, m.transitions, m.runs, m.locked, m.lastSweep,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		collectors.NewDBStatsCollector(s.DB().DB, s.Dialect()),
		&outboxCollector{store: s, log: m.log, timeout: outboxTimeout})
	return m
}

// Handler serves the registry in Prometheus' text format. A collector that
// fails is logged and left out; the rest are still served.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.registry, promhttp.HandlerOpts{
		ErrorLog:      promLogger{m.log},
		ErrorHandling: promhttp.ContinueOnError,
	})
}

// Request records one answered HTTP request; route is chi's pattern or
// Unmatched, never the raw path.
func (m *Metrics) Request(method, route string, status int, took time.Duration) {
	if m == nil {
		return
	}
	if status == 0 {
		status = http.StatusOK // nothing written: net/http sends 200
	}
	code := strconv.Itoa(status)
	m.requests.WithLabelValues(method, route, code).Inc()
	m.duration.WithLabelValues(method, route, code).Observe(took.Seconds())
}

// Transition records one transition asked for over HTTP and how it ended.
// An event the workflow does not know is "unknown": the label takes no
// caller's text.
func (m *Metrics) Transition(ev workflow.Event, err error) {
	if m == nil {
		return
	}
	if _, ok := workflow.LookupTransition(ev); !ok {
		ev = "unknown"
	}
	result := "ok"
	if err != nil {
		result = workflow.ErrorCode(err)
	}
	m.transitions.WithLabelValues(string(ev), result).Inc()
}

// ReportsLocked records reports the scheduler locked at their deadline,
// each also a system lock transition.
func (m *Metrics) ReportsLocked(n int) {
	if m == nil {
		return
	}
	m.locked.Add(float64(n))
	m.transitions.WithLabelValues(string(workflow.EventLock), "ok").Add(float64(n))
}

// SchedulerRun records whether one scheduler run ended without error.
func (m *Metrics) SchedulerRun(err error) {
	if m == nil {
		return
	}
	if err != nil {
		m.runs.WithLabelValues("error").Inc()
		return
	}
	m.runs.WithLabelValues("ok").Inc()
	m.lastSweep.SetToCurrentTime()
}

// promLogger lets promhttp log through zerolog.
type promLogger struct{ log zerolog.Logger }

func (l promLogger) Println(v ...any) { l.log.Error().Msg(fmt.Sprint(v...)) }
