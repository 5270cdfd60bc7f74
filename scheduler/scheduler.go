// Package scheduler wakes the service at every deadline, reminder and
// opening: the deadlines themselves are data in the database, and every
// sweep is an idempotent, guarded statement, so waking late, twice, or on
// three replicas at once changes nothing the second time.
package scheduler

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/robfig/cron/v3"
	"github.com/rs/zerolog"

	"parindex/evidence"
	"parindex/metrics"
	"parindex/notify"
	"parindex/store"
)

// DefaultReminders are the offsets before a deadline at which agencies that
// have not submitted are reminded.
var DefaultReminders = []time.Duration{72 * time.Hour, 24 * time.Hour, 2 * time.Hour}

// Config tunes the scheduler; zero fields take the defaults.
type Config struct {
	Zone      *time.Location  // the province's zone, for the minute tick and messages
	Reminders []time.Duration // offsets before each deadline
	Mailer    *notify.Mailer  // nil: emails stay pending
	BaseURL   string          // the web app's address, for links in messages
	// Bucket holds evidence blobs; the hourly sweep removes those no row
	// refers to (left by a crash between storing a file and recording it).
	Bucket *evidence.Bucket
	// BlobGrace is how old an unreferenced blob must be before the sweep
	// removes it: longer than any upload takes between the two writes.
	BlobGrace time.Duration
	// Plan is how many upcoming instants get a cron entry; the minute tick
	// catches anything beyond.
	Plan int
	// MaxAttempts is how many times an email is tried before it is dead.
	MaxAttempts int
	// Senders is how many emails are delivered at once.
	Senders int
	// Poll is how often the outbox is checked when nothing woke it.
	Poll time.Duration
	// OnRun observes every run (tests and benchmarks measure lag with it).
	OnRun func(Run)
	// Metrics counts runs and the reports they lock (nil: nothing counted).
	Metrics *metrics.Metrics
}

// Run is what one wake-up did.
type Run struct {
	Sweep     store.SweepResult
	Reminded  int
	Opened    []int64
	FannedOut int
	Finished  time.Time // real time when the run committed
}

// Scheduler plans cron entries at the database's instants and runs the sweeps.
type Scheduler struct {
	store *store.Store
	cfg   Config
	log   zerolog.Logger

	mu      sync.Mutex // guards cron and planned
	cron    *cron.Cron
	planned []cron.EntryID

	replan chan struct{}
	wake   chan struct{}
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// New returns a scheduler over the store; Start runs it.
func New(s *store.Store, cfg Config, log zerolog.Logger) *Scheduler {
	if cfg.Zone == nil {
		cfg.Zone = time.UTC
	}
	if cfg.Reminders == nil {
		cfg.Reminders = DefaultReminders
	}
	if cfg.Plan <= 0 {
		cfg.Plan = 500
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = 8
	}
	if cfg.Senders <= 0 {
		cfg.Senders = 8
	}
	if cfg.BlobGrace <= 0 {
		cfg.BlobGrace = 24 * time.Hour
	}
	if cfg.Poll <= 0 {
		cfg.Poll = time.Second
	}
	return &Scheduler{store: s, cfg: cfg, log: log.With().Str("component", "scheduler").Logger(),
		replan: make(chan struct{}, 1), wake: make(chan struct{}, 1)}
}

// instant is a cron schedule that fires once, at one instant. A deadline is
// an instant, not a wall-clock time, so daylight saving can neither skip it
// nor run it twice.
type instant time.Time

// Next returns the instant while it is still ahead, and then never again.
func (i instant) Next(t time.Time) time.Time {
	if t.Before(time.Time(i)) {
		return time.Time(i)
	}
	return time.Time{}
}

// Start catches up on everything overdue (cron never replays missed runs),
// then plans the upcoming instants, starts the minute tick and the outbox
// sender. It returns once the catch-up is done, with the catch-up's error:
// the scheduler runs on either way (its minute tick retries), and the caller
// decides whether to Stop.
func (s *Scheduler) Start(ctx context.Context) error {
	ctx, s.cancel = context.WithCancel(ctx)
	_, catchUp := s.RunOnce(ctx)
	s.mu.Lock()
	s.cron = cron.New(cron.WithSeconds(), cron.WithLocation(s.cfg.Zone),
		cron.WithChain(cron.Recover(cronLogger{s.log})))
	// The safety tick: sweeps even if a planned entry was missed, and
	// re-reads the plan so that deadlines set on another replica get entries.
	if _, err := s.cron.AddFunc("0 * * * * *", func() { s.tick(ctx, true) }); err != nil {
		s.mu.Unlock()
		return err // a constant spec: cannot happen
	}
	if s.cfg.Bucket != nil {
		if _, err := s.cron.AddFunc("30 17 * * * *", func() { s.sweepBlobs(ctx) }); err != nil {
			s.mu.Unlock()
			return err
		}
	}
	s.cron.Start()
	s.mu.Unlock()
	if err := s.plan(ctx); err != nil {
		s.log.Error().Err(err).Msg("plan")
	}
	s.wg.Add(2)
	go func() { defer s.wg.Done(); s.replanLoop(ctx) }()
	go func() { defer s.wg.Done(); s.sendLoop(ctx) }()
	return catchUp
}

// Stop stops the cron, waits for running jobs and the sender, and returns.
func (s *Scheduler) Stop() {
	s.mu.Lock()
	c := s.cron
	s.mu.Unlock()
	if c != nil {
		<-c.Stop().Done()
	}
	if s.cancel != nil {
		s.cancel()
	}
	s.wg.Wait()
}

// Replan asks for the plan to be re-read now: call it after creating or
// changing a campaign, a round or an extension. It never blocks.
func (s *Scheduler) Replan() {
	select {
	case s.replan <- struct{}{}:
	default:
	}
}

// Wake asks the sender to look at the outbox now. It never blocks.
func (s *Scheduler) Wake() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

func (s *Scheduler) replanLoop(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-s.replan:
			if err := s.plan(ctx); err != nil && ctx.Err() == nil {
				s.log.Error().Err(err).Msg("plan")
			}
		}
	}
}

// tick is one cron wake-up: run the sweeps, wake the sender and, on the
// minute tick, re-read the plan.
func (s *Scheduler) tick(ctx context.Context, replan bool) {
	if ctx.Err() != nil {
		return
	}
	if _, err := s.RunOnce(ctx); err != nil && ctx.Err() == nil {
		s.log.Error().Err(err).Msg("sweep")
	}
	if replan {
		s.Replan()
	}
}

// plan replaces the planned entries with one at each upcoming instant.
//
// An instant can pass while it is being planned: the store found it ahead,
// and cron, taking the entry in a moment later, finds it behind and will
// never run it (and an entry removed just before its instant and added back
// just after is lost the same way). Such a miss is swept at once by a
// one-off entry rather than by the minute tick, up to a minute late.
func (s *Scheduler) plan(ctx context.Context) error {
	times, err := s.store.Upcoming(ctx, s.cfg.Reminders, s.cfg.Plan)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cron == nil {
		return nil
	}
	for _, id := range s.planned {
		s.cron.Remove(id)
	}
	s.planned = s.planned[:0]
	at := map[cron.EntryID]time.Time{}
	for _, t := range times {
		id := s.cron.Schedule(instant(t), cron.FuncJob(func() { s.tick(ctx, true) }))
		s.planned = append(s.planned, id)
		at[id] = t
	}
	// cron sets an entry's Next when it takes the entry in: zero means the
	// instant had passed by then. (Instants long past are a test's clock.)
	now := time.Now()
	for _, e := range s.cron.Entries() {
		if t, ok := at[e.ID]; ok && e.Next.IsZero() && now.Sub(t) < time.Minute {
			s.planned = append(s.planned, s.cron.Schedule(&soon{}, cron.FuncJob(func() { s.tick(ctx, false) })))
			break
		}
	}
	return nil
}

// soon is a cron schedule that fires once, as soon as cron takes it in.
type soon struct{ taken atomic.Bool }

// Next returns now the first time and never again.
func (s *soon) Next(now time.Time) time.Time {
	if s.taken.Swap(true) {
		return time.Time{}
	}
	return now
}

// RunOnce does everything that is due now, in order: lock the reports whose
// deadline passed, announce opened campaigns, write due reminders, and turn
// outbox events into notifications and emails. Each step is idempotent.
func (s *Scheduler) RunOnce(ctx context.Context) (run Run, err error) {
	defer func() {
		// A run cut short by Stop is no failure of the scheduler's.
		if ctx.Err() == nil {
			s.cfg.Metrics.SchedulerRun(err)
		}
	}()
	if run.Sweep, err = s.lockDue(ctx); err != nil {
		return run, err
	}
	s.cfg.Metrics.ReportsLocked(len(run.Sweep.Locked))
	if len(run.Sweep.Locked) > 0 {
		s.log.Info().Int("reports", len(run.Sweep.Locked)).Time("at", run.Sweep.At).Msg("locked reports past their deadline")
	}
	if run.Opened, err = s.store.NotifyOpenedCampaigns(ctx); err != nil {
		return run, err
	}
	if run.Reminded, err = s.store.RemindDue(ctx, s.cfg.Reminders); err != nil {
		return run, err
	}
	// An outbox event that cannot be fanned out is reported, but the sweeps
	// above committed and the other events went out: the run still counts.
	run.FannedOut, err = s.FanOut(ctx)
	run.Finished = time.Now()
	if s.cfg.OnRun != nil {
		s.cfg.OnRun(run)
	}
	s.Wake()
	return run, err
}

// sweepBlobs removes evidence blobs that no row refers to and that are
// older than the grace period.
func (s *Scheduler) sweepBlobs(ctx context.Context) {
	n, err := s.cfg.Bucket.Sweep(ctx, time.Now().Add(-s.cfg.BlobGrace), s.store.ReferencedBlobs)
	if err != nil && ctx.Err() == nil {
		s.log.Error().Err(err).Msg("blob sweep")
	} else if n > 0 {
		s.log.Info().Int("removed", n).Msg("blob sweep removed unreferenced files")
	}
}

// lockDue runs the lock sweep; when another replica holds the sweep lock,
// it sweeps again once that one is done, for the other's sweep may have
// begun before a deadline that has passed since. It gives up (Skipped) after
// half a minute: the minute tick tries again.
func (s *Scheduler) lockDue(ctx context.Context) (store.SweepResult, error) {
	wait := time.NewTimer(0)
	defer wait.Stop()
	for giveUp := time.Now().Add(30 * time.Second); ; {
		res, err := s.store.LockDue(ctx)
		if err != nil || !res.Skipped || time.Now().After(giveUp) {
			return res, err
		}
		wait.Reset(20 * time.Millisecond)
		select {
		case <-ctx.Done():
			return res, ctx.Err()
		case <-wait.C:
		}
	}
}

// cronLogger lets cron.Recover log a panicking job through zerolog.
type cronLogger struct{ log zerolog.Logger }

func (l cronLogger) Info(msg string, kv ...any) { l.log.Debug().Fields(kv).Msg(msg) }
func (l cronLogger) Error(err error, msg string, kv ...any) {
	if err == nil {
		err = errors.New(msg)
	}
	l.log.Error().Err(err).Fields(kv).Msg(msg)
}
