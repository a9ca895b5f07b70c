package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/plex/bountypay/models"
	"github.com/plex/bountypay/payout"
)

// sendConcurrency is how many PayPal calls one run makes at once. Each
// award still has a single writer (its row lock and attempt lease); this
// only overlaps the network round trips and commits of different awards.
const sendConcurrency = 4

// maxBackoffWait is the longest PayPal Retry-After a run waits out; a
// longer one stops sending until the next run.
const maxBackoffWait = 10 * time.Second

// send resumes attempts whose outcome is open, then starts new ones for
// cleared awards, as the send plan says (sendPlan: the kill switch, the
// per-item maximum, the per-run cap); PayPal's Retry-After is honoured.
// Both walk their records in batches; a batch of resends that times out
// stops the step before any new send starts.
func (r *Runner) send(ctx context.Context, res *Result, newSends bool) error {
	x := &sendRun{r: r, res: res, plan: r.newPlan(), sem: make(chan struct{}, sendConcurrency)}
	// 1. Attempts written ahead whose outcome is open: resend the
	// identical request (PayPal deduplicates sender_batch_id; the
	// entitlement service its grant id). Every batch finishes before the
	// next starts: a new send never overtakes an open attempt.
	err := inBatches(ctx, r, r.openAttempts(), func(ctx context.Context, open []models.Attempt) error {
		defer x.wg.Wait()
		for _, att := range open {
			if err := ctx.Err(); err != nil {
				return err
			}
			x.resend(ctx, x.plan.attempt(att))
		}
		return nil
	})
	if err != nil || !newSends {
		return err
	}
	// 2. New attempts for cleared awards.
	return inBatches(ctx, r, r.awardsIn(models.StateCleared), func(ctx context.Context, awards []models.Award) error {
		defer x.wg.Wait()
		// Right before value leaves, every award's latest screening must be
		// clear for exactly its payee version, the list in use and the rules
		// in force; otherwise it is screened again now (one query a batch).
		_, list, err := r.screener.Current(ctx)
		if err != nil {
			return err
		}
		rules := r.screener.RulesVersion()
		latest, err := r.store.LatestBindingScreenings(ctx, awardIDs(awards))
		if err != nil {
			return err
		}
		for _, a := range awards {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := x.start(ctx, x.plan.award(a, latest[a.ID], list.SHA256, rules)); err != nil {
				return err
			}
		}
		return nil
	})
}

// sendRun carries out the send plan of one run: PayPal calls in a pool of
// sendConcurrency, outcomes counted in res.
type sendRun struct {
	r       *Runner
	res     *Result
	plan    *sendPlan
	stopped bool // PayPal asked us to back off for longer than we wait

	mu  sync.Mutex // guards res while calls run in parallel
	sem chan struct{}
	wg  sync.WaitGroup
}

// resend carries out the plan for an open attempt.
func (x *sendRun) resend(ctx context.Context, s SendStep) {
	if s.Action == SendWait {
		x.waiting(s.AwardID, s.Why)
		return
	}
	if s.Attempt.Channel == payout.ChannelPayPal && x.slowDown(ctx) {
		x.waiting(s.AwardID, "PayPal asked to slow down (429); resent next run")
		return
	}
	x.plan.take(s)
	att := *s.Attempt
	x.async(ctx, s.AwardID, func() (payout.Outcome, error) { return x.r.sender.Submit(ctx, att) })
}

// start carries out the plan for a cleared award: first the screening
// again when the latest one does not bind, then the send or grant, whose
// write-ahead transaction runs the Gate.
func (x *sendRun) start(ctx context.Context, s SendStep) error {
	a := s.Award
	if s.Rescreen != "" {
		ok, err := x.r.screenAgainstCurrent(ctx, a)
		if err != nil {
			return err
		}
		if !ok {
			return nil // held or blocked now
		}
	}
	switch s.Action {
	case SendWait:
		x.waiting(a.ID, s.Why)
	case SendGrant:
		x.async(ctx, a.ID, func() (payout.Outcome, error) {
			out, err := x.r.sender.Grant(ctx, a.ID)
			switch {
			case errors.Is(err, models.ErrInvalid):
				x.waiting(a.ID, err.Error())
				return payout.OutcomeSkipped, nil
			case out == payout.OutcomeNoStock:
				x.waiting(a.ID, "no Plex Pass codes left (bountypay passes import)")
			}
			return out, err
		})
	case SendNew:
		if x.slowDown(ctx) {
			x.waiting(a.ID, "PayPal asked to slow down (429); sent next run")
			return nil
		}
		x.plan.take(s)
		x.async(ctx, a.ID, func() (payout.Outcome, error) {
			out, err := x.r.sender.Send(ctx, a.ID)
			switch {
			case errors.Is(err, payout.ErrNotStarted) && errors.Is(err, models.ErrInvalid):
				x.waiting(a.ID, err.Error())
				return payout.OutcomeSkipped, nil
			case errors.Is(err, payout.ErrNotStarted) && errors.Is(err, models.ErrConflict):
				return payout.OutcomeSkipped, nil // another worker took it
			}
			return out, err
		})
	}
	return nil
}

// slowDown reports whether PayPal's Retry-After stops PayPal calls for
// the rest of this run (a short one is waited out).
func (x *sendRun) slowDown(ctx context.Context) bool {
	x.stopped = x.stopped || x.r.backoff(ctx)
	return x.stopped
}

// async runs one call in the pool and counts its outcome. A call whose
// batch ran out of time is not counted: the batch timeout is, once.
func (x *sendRun) async(ctx context.Context, awardID string, call func() (payout.Outcome, error)) {
	x.sem <- struct{}{}
	x.wg.Add(1)
	go func() {
		defer func() { <-x.sem; x.wg.Done() }()
		if ctx.Err() != nil {
			return
		}
		out, err := call()
		x.mu.Lock()
		defer x.mu.Unlock()
		if err != nil && ctx.Err() != nil {
			return
		}
		x.r.count(ctx, x.res, awardID, out, err)
	}()
}

func (x *sendRun) waiting(awardID, why string) {
	x.mu.Lock()
	x.res.Waiting = append(x.res.Waiting, awardID+": "+why)
	x.mu.Unlock()
}

// backoff waits out a short PayPal Retry-After and reports whether a longer
// one stops sending for this run.
func (r *Runner) backoff(ctx context.Context) bool {
	d := r.sender.Backoff()
	if d <= 0 {
		return false
	}
	if d > maxBackoffWait {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return true
	case <-t.C:
		return false
	}
}

func (r *Runner) count(ctx context.Context, res *Result, awardID string, out payout.Outcome, err error) {
	if err != nil {
		res.Errors++
		if !errors.Is(err, context.Canceled) {
			r.log.ErrorContext(ctx, "payout submit failed", slog.String("award_id", awardID), slog.Any("err", err))
		}
		return
	}
	switch out {
	case payout.OutcomeAccepted:
		res.Sent++
	case payout.OutcomeUnknown:
		res.Unknown++
	case payout.OutcomeDeferred:
		res.Deferred++
	case payout.OutcomeFailed:
		res.SendFailed++
	case payout.OutcomeManual:
		res.Manual++
	case payout.OutcomeGranted:
		res.Granted++
	case payout.OutcomeNoStock:
		res.NoPassCodes++
	case payout.OutcomeBusy:
		res.Waiting = append(res.Waiting, awardID+": another worker is sending it")

	}
}

const noPayPal = "PayPal is not configured (set PAYPAL_API_BASE, PAYPAL_CLIENT_ID, PAYPAL_SECRET)"

// poll reads every accepted attempt from PayPal and sweeps paid ones for
// refunds and reversals (payout.Sender.AttemptsToPoll), a batch at a time.
func (r *Runner) poll(ctx context.Context, res *Result) error {
	if !r.cfg.PayPalConfigured {
		return nil
	}
	next := loaded(r.sender.AttemptsToPoll)
	err := inBatches(ctx, r, next, func(ctx context.Context, atts []models.Attempt) error {
		for _, att := range atts {
			if err := ctx.Err(); err != nil {
				return err
			}
			if r.backoff(ctx) {
				return errSlowDown
			}
			from, to, err := r.sender.Poll(ctx, att)
			if err != nil {
				if ctx.Err() != nil {
					return ctx.Err() // the batch timeout is counted, once
				}
				res.Errors++
				r.log.WarnContext(ctx, "reconcile failed", slog.String("award_id", att.AwardID), slog.Any("err", err))
				continue
			}
			if to != "" && to != from {
				res.Reconciled[to]++
			}
		}
		return nil
	})
	if errors.Is(err, errSlowDown) {
		r.log.WarnContext(ctx, "reconcile stopped: PayPal asked to slow down")
		return nil
	}
	return err
}

// errSlowDown stops reconciling until the next run: PayPal asked to back
// off for longer than a run waits.
var errSlowDown = errors.New("PayPal asked to slow down")

// screenAgainstCurrent screens a cleared award again when its latest
// screening is not for its payee version, the current list and the
// current rules (a payee change, a compliance decision, a retry, a list
// loaded by another process). It reports whether the award may go on;
// otherwise it is now held or blocked.
func (r *Runner) screenAgainstCurrent(ctx context.Context, a models.Award) (bool, error) {
	names, list, err := r.screener.Current(ctx)
	if err != nil {
		return false, err
	}
	ok := false
	err = r.store.InTx(ctx, func(tx Tx) error {
		cur, err := tx.Award(a.ID)
		if err != nil || cur.State != models.StateCleared {
			return err
		}
		p, err := boundPayee(tx, &cur)
		if err != nil {
			return err
		}
		v, err := r.screener.Screen(tx, names, list, p)
		if err != nil {
			return err
		}
		ok = v.Decision == models.DecisionClear
		return recordScreening(tx, &cur, v, r.cfg.Actor)
	})
	return ok, err
}

// Gate is the last check before value leaves. The sender runs it inside
// the transaction that writes a send attempt ahead or grants a pass, so
// nothing can change between the check and the write: the award is for
// the payee version in force and no payee change is pending; its latest
// screening is clear for exactly that version, the current list and the
// rules in force; and its approvals count for exactly its content. It
// returns an error wrapping models.ErrInvalid naming what failed (and
// ErrListUnusable when there is no current list).
//
// The sender's transaction must also be one the worker can read
// (worker.Tx); otherwise the gate refuses (fail closed).
func (r *Runner) Gate(ptx payout.Tx, a *models.Award) error {
	tx, ok := ptx.(Tx)
	if !ok {
		return fmt.Errorf("award %s: the gate cannot read transaction %T: %w", a.ID, ptx, models.ErrInvalid)
	}
	return r.gate(tx, a, true)
}

// gate runs Gate's checks; without screening it leaves out the screening
// binding (the dry run, for an award the send would screen again first).
func (r *Runner) gate(tx Tx, a *models.Award, screening bool) error {
	ps, err := tx.Payee(a.ResearcherID)
	if err != nil {
		return err
	}
	switch {
	case ps.Pending != nil:
		return fmt.Errorf("award %s: payee change to version %d awaits approval: %w", a.ID, ps.Pending.Version, models.ErrInvalid)
	case a.PayeeVersion != ps.Active.Version:
		return fmt.Errorf("award %s is for payee version %d, not the version in force (%d): %w", a.ID, a.PayeeVersion, ps.Active.Version, models.ErrInvalid)
	}
	if screening && a.Kind != models.AwardOther {
		list, err := tx.CurrentList()
		if err != nil {
			return fmt.Errorf("award %s: %w: %w", a.ID, ErrListUnusable, models.ErrInvalid)
		}
		sc, err := tx.LatestBindingScreening(a.ID)
		if err != nil && !errors.Is(err, models.ErrNotFound) {
			return err
		}
		if rules := r.screener.RulesVersion(); !screeningBinds(sc, *a, list.SHA256, rules) {
			return fmt.Errorf("award %s: no clear screening for payee version %d, list %.12s and rules %s: %w",
				a.ID, a.PayeeVersion, list.SHA256, rules, models.ErrInvalid)
		}
	}
	st, err := CheckApproval(tx, r.cfg.Approval, r.cfg.Actor, a)
	if err != nil {
		return err
	}
	if !st.Ready() {
		return fmt.Errorf("award %s: %s: %w", a.ID, st.Why, models.ErrInvalid)
	}
	return nil
}
