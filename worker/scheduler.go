package worker

import (
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/robfig/cron/v3"

	"github.com/plex/bountypay/models"
)

// Scheduler defaults.
const (
	// DefaultSchedule runs the job at the top of every hour, UTC.
	DefaultSchedule = "0 * * * *"
	// DefaultJob names the payout run in the run-slot table.
	DefaultJob = "payout-run"
	// DefaultCatchUpWithin is how far back a scheduler starting up looks
	// for a slot that no replica ran.
	DefaultCatchUpWithin = 7 * 24 * time.Hour
)

// CatchUp is what a scheduler starting up does about scheduled slots that
// no replica ran (robfig/cron alone drops missed runs).
type CatchUp string

// The catch-up behaviours.
const (
	// CatchUpLatest runs the latest missed slot, once (the default).
	CatchUpLatest CatchUp = "latest"
	// CatchUpNone waits for the next slot.
	CatchUpNone CatchUp = "none"
)

// RunFunc is one pass of the job (Runner.RunOnce in production).
type RunFunc func(ctx context.Context) (Result, error)

// Slots coordinates replicas running the same schedule: each scheduled
// slot is claimed, and run, by exactly one of them (store.Store).
type Slots interface {
	ClaimRunSlot(ctx context.Context, job string, slot time.Time, owner string) (bool, error)
	FinishRunSlot(ctx context.Context, job string, slot time.Time, outcome string) error
	RunSlotClaimed(ctx context.Context, job string, slot time.Time) (bool, error)
}

// SchedulerConfig configures a Scheduler. Zero settings take their
// defaults.
type SchedulerConfig struct {
	// Schedule is the cron spec: five fields, or a descriptor such as
	// @hourly or @every 10m (default DefaultSchedule).
	Schedule string
	// Location is the time zone the schedule is read in (default UTC).
	Location *time.Location
	// RunOnStart also runs once at start, whatever the slots say.
	RunOnStart bool
	// Slots, when set, makes each scheduled slot run on one replica only,
	// and lets a scheduler starting up find the slots that none ran.
	Slots Slots
	// Owner names this replica in the slot table (default: host and pid).
	Owner string
	// Job names the schedule in the slot table (default DefaultJob).
	Job string
	// CatchUp is what to do at start about a slot no replica ran (needs
	// Slots; default CatchUpLatest).
	CatchUp CatchUp
	// CatchUpWithin bounds how far back that slot may be (default
	// DefaultCatchUpWithin).
	CatchUpWithin time.Duration
	// Logger logs each run that did something, and failures (default:
	// discard).
	Logger *slog.Logger
	// NowFunc is the clock that finds the missed slot (default time.Now).
	NowFunc func() time.Time
}

// withDefaults returns c with every zero setting at its default.
func (c SchedulerConfig) withDefaults() SchedulerConfig {
	c.Schedule = cmp.Or(c.Schedule, DefaultSchedule)
	if c.Location == nil {
		c.Location = time.UTC
	}
	if c.Owner == "" {
		host, _ := os.Hostname()
		c.Owner = fmt.Sprintf("%s/%d", cmp.Or(host, "localhost"), os.Getpid())
	}
	c.Job = cmp.Or(c.Job, DefaultJob)
	c.CatchUp = cmp.Or(c.CatchUp, CatchUpLatest)
	c.CatchUpWithin = cmp.Or(c.CatchUpWithin, DefaultCatchUpWithin)
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.NowFunc == nil {
		c.NowFunc = time.Now
	}
	return c
}

// Validate reports the first setting out of range: a schedule that does
// not parse, an unknown catch-up behaviour, a negative catch-up window.
// Zero settings stand for their defaults. The error wraps
// models.ErrInvalid.
func (c SchedulerConfig) Validate() error {
	_, err := c.parse()
	return err
}

// parse validates c and returns its schedule.
func (c SchedulerConfig) parse() (cron.Schedule, error) {
	spec := cmp.Or(c.Schedule, DefaultSchedule)
	sched, err := cron.ParseStandard(spec)
	if err != nil {
		return nil, fmt.Errorf("schedule %q: %w: %w", spec, err, models.ErrInvalid)
	}
	switch c.CatchUp {
	case "", CatchUpLatest, CatchUpNone:
	default:
		return nil, fmt.Errorf("catch-up %q: want %q or %q: %w", c.CatchUp, CatchUpLatest, CatchUpNone, models.ErrInvalid)
	}
	if c.CatchUpWithin < 0 {
		return nil, fmt.Errorf("catch-up window %s is negative: %w", c.CatchUpWithin, models.ErrInvalid)
	}
	return sched, nil
}

// Scheduler runs a job on a cron schedule. A run still going when the next
// is due makes that next one skip; on shutdown the run in progress
// finishes.
type Scheduler struct {
	spec     string
	sched    cron.Schedule
	run      RunFunc
	log      *slog.Logger
	loc      *time.Location
	catchUp  CatchUp
	catchFor time.Duration

	// The fields below start as SchedulerConfig says; callers of
	// NewScheduler set them before Run.

	// RunOnStart also runs once at start, whatever the slots say.
	RunOnStart bool
	// Slots, when set, makes each scheduled slot run on one replica only,
	// and catches up the latest slot missed while no replica ran.
	Slots Slots
	// Owner names this replica in the slot table.
	Owner string
	// Job names the schedule in the slot table.
	Job string
	// NowFunc is the clock.
	NowFunc func() time.Time
}

// NewSchedulerWithConfig returns a scheduler of run as cfg says. Errors:
// cfg does not Validate (models.ErrInvalid).
func NewSchedulerWithConfig(cfg SchedulerConfig, run RunFunc) (*Scheduler, error) {
	sched, err := cfg.parse()
	if err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	return &Scheduler{spec: cfg.Schedule, sched: sched, run: run, log: cfg.Logger, loc: cfg.Location,
		catchUp: cfg.CatchUp, catchFor: cfg.CatchUpWithin,
		RunOnStart: cfg.RunOnStart, Slots: cfg.Slots, Owner: cfg.Owner, Job: cfg.Job, NowFunc: cfg.NowFunc}, nil
}

// NewScheduler returns a scheduler of run on spec (five fields, or
// descriptors like @hourly) in UTC, with SchedulerConfig's other
// defaults; set its fields before Run. It is NewSchedulerWithConfig with
// only a schedule and a logger, and, unlike it, refuses an empty spec.
func NewScheduler(spec string, run RunFunc, log *slog.Logger) (*Scheduler, error) {
	if spec == "" {
		return nil, fmt.Errorf("schedule %q: empty: %w", spec, models.ErrInvalid)
	}
	return NewSchedulerWithConfig(SchedulerConfig{Schedule: spec, Logger: log}, run)
}

// lastSlot returns the latest scheduled time at or before now within the
// catch-up window, or zero (also for schedules too dense to walk, such as
// @every 1s, whose slots are not anchored to the clock anyway).
func (s *Scheduler) lastSlot(now time.Time) time.Time {
	now = now.In(s.loc)
	var last time.Time
	t := now.Add(-s.catchFor)
	for range 20_000 {
		next := s.sched.Next(t)
		if next.IsZero() || next.After(now) {
			return last
		}
		last, t = next, next
	}
	return time.Time{}
}

// Run blocks until ctx is done, then waits for the run in progress.
func (s *Scheduler) Run(ctx context.Context) error {
	now := s.NowFunc
	if now == nil {
		now = time.Now
	}
	job := cmp.Or(s.Job, DefaultJob)
	// Runs finish even after ctx is cancelled: a payout pass is never cut
	// in the middle by a shutdown signal.
	runCtx := context.WithoutCancel(ctx)
	var mu sync.Mutex // one run at a time in this process
	runSlot := func(slot time.Time) {
		mu.Lock()
		defer mu.Unlock()
		if s.Slots != nil && !slot.IsZero() {
			ok, err := s.Slots.ClaimRunSlot(runCtx, job, slot, s.Owner)
			if err != nil {
				s.log.ErrorContext(runCtx, "run slot claim failed", slog.Any("err", err))
				return
			}
			if !ok {
				s.log.DebugContext(runCtx, "run slot taken by another replica", slog.Time("slot", slot))
				return
			}
		}
		start := time.Now()
		res, err := s.run(runCtx)
		outcome := "ok"
		if err != nil {
			outcome = "error: " + err.Error()
		}
		if s.Slots != nil && !slot.IsZero() {
			if ferr := s.Slots.FinishRunSlot(runCtx, job, slot, outcome); ferr != nil {
				s.log.ErrorContext(runCtx, "run slot finish failed", slog.Any("err", ferr))
			}
		}
		if err != nil {
			s.log.ErrorContext(runCtx, "scheduled run failed", slog.Any("err", err))
			return
		}
		lvl := slog.LevelDebug
		if res.ReportsDecided+res.Screened+res.Sent+res.Granted+res.Errors+len(res.Reconciled) > 0 {
			lvl = slog.LevelInfo // log a tick only when something happened
		}
		s.log.Log(runCtx, lvl, "scheduled run done", slog.Int("sent", res.Sent), slog.Int("granted", res.Granted),
			slog.Int("errors", res.Errors), slog.Duration("took", time.Since(start)))
	}
	c := cron.New(
		cron.WithLocation(s.loc),
		cron.WithChain(cron.Recover(cronLogger{s.log}), cron.SkipIfStillRunning(cronLogger{s.log})),
	)
	var id cron.EntryID
	id = c.Schedule(s.sched, cron.FuncJob(func() { runSlot(c.Entry(id).Prev) }))
	c.Start()
	s.log.InfoContext(ctx, "scheduler started", slog.String("schedule", s.spec), slog.String("location", s.loc.String()),
		slog.Time("next", c.Entry(id).Next))
	var startup sync.WaitGroup
	switch {
	case s.RunOnStart:
		startup.Go(func() { runSlot(time.Time{}) })
	case s.Slots != nil && s.catchUp != CatchUpNone:
		// Catch up the latest slot if no replica ran it (bounded: one run).
		if last := s.lastSlot(now()); !last.IsZero() {
			if claimed, err := s.Slots.RunSlotClaimed(runCtx, job, last); err == nil && !claimed {
				s.log.InfoContext(ctx, "catching up a missed run", slog.Time("slot", last))
				startup.Go(func() { runSlot(last) })
			}
		}
	}
	<-ctx.Done()
	s.log.InfoContext(runCtx, "scheduler stopping; finishing the run in progress")
	<-c.Stop().Done()
	startup.Wait() // a start-up run too
	return nil
}

// cronLogger adapts slog to cron.Logger.
type cronLogger struct{ l *slog.Logger }

func (c cronLogger) Info(msg string, kv ...any) { c.l.Debug("cron: "+msg, kv...) }
func (c cronLogger) Error(err error, msg string, kv ...any) {
	c.l.Error("cron: "+msg, append(kv, slog.Any("err", err))...)
}
