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

// RunFunc is one pass of the job (Runner.RunOnce in production).
type RunFunc func(ctx context.Context) (Result, error)

// Scheduler runs a job on a cron schedule in UTC. A run still going when
// the next is due makes that next one skip; on shutdown the run in
// progress finishes.
type Scheduler struct {
	spec string
	run  RunFunc
	log  *slog.Logger
	// RunOnStart also runs once at start (missed runs are otherwise
	// dropped, as robfig/cron does).
	RunOnStart bool
}

// NewScheduler validates spec (five fields, or descriptors like @hourly).
func NewScheduler(spec string, run RunFunc, log *slog.Logger) (*Scheduler, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if _, err := cron.ParseStandard(spec); err != nil {
		return nil, fmt.Errorf("schedule %q: %w", spec, err)
	}
	return &Scheduler{spec: spec, run: run, log: log}, nil
}

// Run blocks until ctx is done, then waits for the run in progress.
func (s *Scheduler) Run(ctx context.Context) error {
	// Runs finish even after ctx is cancelled: a payout pass is never cut
	// in the middle by a shutdown signal.
	runCtx := context.WithoutCancel(ctx)
	var mu sync.Mutex // one run at a time, also with RunOnStart
	job := func() {
		mu.Lock()
		defer mu.Unlock()
		start := time.Now()
		res, err := s.run(runCtx)
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
	if _, err := c.AddFunc(s.spec, job); err != nil {
		return fmt.Errorf("schedule %q: %w", s.spec, err)
	}
	c.Start()
	s.log.InfoContext(ctx, "scheduler started", slog.String("schedule", s.spec), slog.Time("next", c.Entries()[0].Next))
	var startup sync.WaitGroup
	if s.RunOnStart {
		startup.Go(job)
	}
	<-ctx.Done()
	s.log.InfoContext(runCtx, "scheduler stopping; finishing the run in progress")
	<-c.Stop().Done()
	startup.Wait() // a RunOnStart job too
	return nil
}

// cronLogger adapts slog to cron.Logger.
type cronLogger struct{ l *slog.Logger }

func (c cronLogger) Info(msg string, kv ...any) { c.l.Debug("cron: "+msg, kv...) }
func (c cronLogger) Error(err error, msg string, kv ...any) {
	c.l.Error("cron: "+msg, append(kv, slog.Any("err", err))...)
}
