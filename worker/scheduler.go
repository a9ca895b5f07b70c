package worker

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/robfig/cron/v3"
)

// DefaultSchedule runs the job at the top of every hour, UTC.
const DefaultSchedule = "0 * * * *"

// DefaultJob names the payout run in the run-slot table.
const DefaultJob = "payout-run"

// RunFunc is one pass of the job (Runner.RunOnce in production).
type RunFunc func(ctx context.Context) (Result, error)

// Slots coordinates replicas running the same schedule: each scheduled
// slot is claimed, and run, by exactly one of them (store.Store).
type Slots interface {
	ClaimRunSlot(ctx context.Context, job string, slot time.Time, owner string) (bool, error)
	FinishRunSlot(ctx context.Context, job string, slot time.Time, outcome string) error
	RunSlotClaimed(ctx context.Context, job string, slot time.Time) (bool, error)
}

// Scheduler runs a job on a cron schedule in UTC. A run still going when
// the next is due makes that next one skip; on shutdown the run in
// progress finishes.
type Scheduler struct {
	spec  string
	sched cron.Schedule
	run   RunFunc
	log   *slog.Logger
	// RunOnStart also runs once at start, whatever the slots say.
	RunOnStart bool
	// Slots, when set, makes each scheduled slot run on one replica only,
	// and catches up the latest slot missed while no replica ran (robfig/cron
	// alone drops missed runs).
	Slots Slots
	// Owner names this replica in the slot table (default: host and pid).
	Owner string
	// Job names the schedule in the slot table (default DefaultJob).
	Job string
	// NowFunc is the clock (default time.Now).
	NowFunc func() time.Time
}

// NewScheduler validates spec (five fields, or descriptors like @hourly).
func NewScheduler(spec string, run RunFunc, log *slog.Logger) (*Scheduler, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	sched, err := cron.ParseStandard(spec)
	if err != nil {
		return nil, fmt.Errorf("schedule %q: %w", spec, err)
	}
	return &Scheduler{spec: spec, sched: sched, run: run, log: log, Job: DefaultJob}, nil
}

// lastSlot returns the latest scheduled time at or before now within a
// week, or zero (also for schedules too dense to walk, such as @every 1s,
// whose slots are not anchored to the clock anyway).
func (s *Scheduler) lastSlot(now time.Time) time.Time {
	var last time.Time
	t := now.Add(-7 * 24 * time.Hour)
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
	// Runs finish even after ctx is cancelled: a payout pass is never cut
	// in the middle by a shutdown signal.
	runCtx := context.WithoutCancel(ctx)
	var mu sync.Mutex // one run at a time in this process
	runSlot := func(slot time.Time) {
		mu.Lock()
		defer mu.Unlock()
		if s.Slots != nil && !slot.IsZero() {
			ok, err := s.Slots.ClaimRunSlot(runCtx, s.Job, slot, s.Owner)
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
			if ferr := s.Slots.FinishRunSlot(runCtx, s.Job, slot, outcome); ferr != nil {
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
		cron.WithLocation(time.UTC),
		cron.WithChain(cron.Recover(cronLogger{s.log}), cron.SkipIfStillRunning(cronLogger{s.log})),
	)
	var id cron.EntryID
	id, err := c.AddFunc(s.spec, func() { runSlot(c.Entry(id).Prev) })
	if err != nil {
		return fmt.Errorf("schedule %q: %w", s.spec, err)
	}
	c.Start()
	s.log.InfoContext(ctx, "scheduler started", slog.String("schedule", s.spec), slog.Time("next", c.Entry(id).Next))
	var startup sync.WaitGroup
	switch {
	case s.RunOnStart:
		startup.Go(func() { runSlot(time.Time{}) })
	case s.Slots != nil:
		// Catch up the latest slot if no replica ran it (bounded: one run).
		if last := s.lastSlot(now().UTC()); !last.IsZero() {
			if claimed, err := s.Slots.RunSlotClaimed(runCtx, s.Job, last); err == nil && !claimed {
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
