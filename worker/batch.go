package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/plex/bountypay/models"
)

// Every step of a run walks its records in batches of at most
// Config.BatchSize, each batch under its own Config.BatchTimeout (the shape
// of river's JobCleaner). A batch that times out stops its step for this
// run. Each award is changed in its own transaction, so a stopped batch
// leaves every award either as it was or fully moved on, and the next run
// picks up the rest.

// ErrBatchTimeout means a batch of a step was not done within
// Config.BatchTimeout; the step stopped for this run.
var ErrBatchTimeout = errors.New("batch timed out")

// batchSource returns the next batch of at most n records and whether more
// may follow.
type batchSource[T any] func(ctx context.Context, n int) (batch []T, more bool, err error)

// inBatches reads batches from next and hands each to do, each batch (its
// read included) under its own timeout, until next has no more. A batch
// that outlives its timeout ends the walk with an error wrapping
// ErrBatchTimeout (and what failed, if anything); any other error of next
// or do ends it as it is.
func inBatches[T any](ctx context.Context, r *Runner, next batchSource[T], do func(ctx context.Context, batch []T) error) error {
	for n := 1; ; n++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		bctx, cancel := context.WithTimeout(ctx, r.cfg.BatchTimeout)
		batch, more, err := next(bctx, r.cfg.BatchSize)
		if err == nil && len(batch) > 0 {
			err = do(bctx, batch)
		}
		expired := bctx.Err() != nil
		cancel()
		switch {
		case ctx.Err() != nil:
			return cmpErr(err, ctx.Err())
		case expired:
			// Whatever failed in the batch failed because its time was up
			// (a driver does not always say so with context errors).
			if err != nil {
				return fmt.Errorf("batch %d (%d records) not done within %s: %w: %w", n, len(batch), r.cfg.BatchTimeout, ErrBatchTimeout, err)
			}
			return fmt.Errorf("batch %d (%d records) not done within %s: %w", n, len(batch), r.cfg.BatchTimeout, ErrBatchTimeout)
		case err != nil:
			return err
		case !more || len(batch) == 0:
			return nil
		}
	}
}

// cmpErr returns err, or else alt.
func cmpErr(err, alt error) error {
	if err != nil {
		return err
	}
	return alt
}

// stopped reports whether err is a batch timeout that stopped step; if so
// it counts it in res and logs it, once.
func (r *Runner) stopped(ctx context.Context, res *Result, step string, err error) bool {
	if !errors.Is(err, ErrBatchTimeout) || ctx.Err() != nil {
		return false
	}
	res.Errors++
	res.Stopped = append(res.Stopped, step+": "+err.Error())
	r.log.ErrorContext(ctx, "step stopped for this run: batch timed out", slog.String("step", step), slog.Any("err", err))
	return true
}

// loaded hands out, n at a time, what load returns, reading it once (in
// the first batch): for lists the store cannot page yet (open attempts,
// attempts to poll). The read is one query; the work and its timeouts are
// per batch.
func loaded[T any](load func(ctx context.Context) ([]T, error)) batchSource[T] {
	var rest []T
	read := false
	return func(ctx context.Context, n int) ([]T, bool, error) {
		if !read {
			all, err := load(ctx)
			if err != nil {
				return nil, false, err
			}
			rest, read = all, true
		}
		k := min(n, len(rest))
		batch := rest[:k:k]
		rest = rest[k:]
		return batch, len(rest) > 0, nil
	}
}

// awardsIn walks the awards in states, oldest first, a batch (one keyset
// query) at a time. An award that enters states behind the cursor waits
// for the next run.
func (r *Runner) awardsIn(states ...models.AwardState) batchSource[models.Award] {
	var after *models.AwardCursor
	return func(ctx context.Context, n int) ([]models.Award, bool, error) {
		as, err := r.store.Awards(ctx, models.AwardFilter{States: states, Limit: n, After: after})
		if err != nil {
			return nil, false, err
		}
		if len(as) > 0 {
			last := as[len(as)-1]
			after = &models.AwardCursor{CreatedAt: last.CreatedAt, ID: last.ID}
		}
		return as, len(as) == n, nil
	}
}

// leaving walks the awards in states, oldest first, for a step that moves
// each award it handles out of them: every batch is the first n awards
// still there. Awards the step could not move (skip) are read past, so the
// walk ends even if some stay.
func (r *Runner) leaving(skip map[string]bool, states ...models.AwardState) batchSource[models.Award] {
	return leaving(skip, func(ctx context.Context, limit int) ([]models.Award, error) {
		return r.store.Awards(ctx, models.AwardFilter{States: states, Limit: limit})
	})
}

// leaving is Runner.leaving over list, which returns the first limit
// awards still to handle.
func leaving(skip map[string]bool, list func(ctx context.Context, limit int) ([]models.Award, error)) batchSource[models.Award] {
	return func(ctx context.Context, n int) ([]models.Award, bool, error) {
		limit := n + len(skip)
		as, err := list(ctx, limit)
		if err != nil {
			return nil, false, err
		}
		batch := make([]models.Award, 0, min(n, len(as)))
		left := false // read but not in this batch
		for _, a := range as {
			switch {
			case skip[a.ID]:
			case len(batch) < n:
				batch = append(batch, a)
			default:
				left = true
			}
		}
		return batch, left || len(as) == limit, nil
	}
}
