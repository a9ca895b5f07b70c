package worker

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"maps"
	"slices"
	"time"

	"github.com/plex/bountypay/ledger"
	"github.com/plex/bountypay/models"
	"github.com/plex/bountypay/payout"
	"github.com/plex/bountypay/policy"
)

// Decider turns a report into awards or a rejection
// (policy.Set in production).
type Decider interface {
	Decide(r models.Report) (policy.Decision, error)
}

// Defaults.
const (
	DefaultMaxListAge   = 48 * time.Hour
	DefaultBatchSize    = 500
	DefaultBatchTimeout = 2 * time.Minute
)

// Config configures a Runner.
type Config struct {
	// Actor is the ledger actor of the worker's entries.
	Actor string
	// MaxListAge: a sanctions list loaded longer ago holds every payout.
	MaxListAge time.Duration
	// BatchSize bounds how many records one batch of a step reads and
	// works on (default DefaultBatchSize). Every step walks its records in
	// batches: decide (with the advisory screening), approve, screen,
	// send, reconcile, the dry run and Rescreen.
	BatchSize int
	// BatchTimeout bounds one batch (default DefaultBatchTimeout). A batch
	// that takes longer stops its step for this run: counted once in
	// Result.Errors, listed in Result.Stopped and logged once. Every award
	// is its own transaction, so nothing is half applied; the next run
	// goes on where this one stopped.
	BatchTimeout time.Duration
	// DryRun decides and screens nothing and sends nothing: it reports
	// what a run would do.
	DryRun bool
	// KillSwitch stops all sending (decide, screen and reconcile go on).
	KillSwitch bool
	// MaxItem caps one payment per currency (minor units); larger awards
	// wait for finance. Missing currencies have no cap besides PayPal's.
	MaxItem map[string]int64
	// RunCap caps the total sent per currency in one run (minor units).
	RunCap map[string]int64
	// PayPalConfigured is false when no PayPal API is configured: money
	// awards then wait, passes are still granted.
	PayPalConfigured bool
	NowFunc          func() time.Time
	Logger           *slog.Logger

	// Approval configures maker-checker (see ApprovalConfig; zero = defaults).
	Approval ApprovalConfig
}

// withDefaults returns c with every zero setting at its default.
func (c Config) withDefaults() Config {
	c.Actor = cmp.Or(c.Actor, payout.DefaultActor)
	c.MaxListAge = cmp.Or(c.MaxListAge, DefaultMaxListAge)
	c.BatchSize = cmp.Or(c.BatchSize, DefaultBatchSize)
	c.BatchTimeout = cmp.Or(c.BatchTimeout, DefaultBatchTimeout)
	return c
}

// Validate reports the first setting out of range: a negative BatchSize,
// BatchTimeout or MaxListAge, or a per-item maximum or run cap that is
// negative or has no currency. Zero settings stand for their defaults.
// The error wraps models.ErrInvalid.
func (c Config) Validate() error {
	switch {
	case c.BatchSize < 0:
		return fmt.Errorf("worker: batch size %d is negative: %w", c.BatchSize, models.ErrInvalid)
	case c.BatchTimeout < 0:
		return fmt.Errorf("worker: batch timeout %s is negative: %w", c.BatchTimeout, models.ErrInvalid)
	case c.MaxListAge < 0:
		return fmt.Errorf("worker: maximum list age %s is negative: %w", c.MaxListAge, models.ErrInvalid)
	}
	for _, caps := range []struct {
		name string
		m    map[string]int64
	}{{"per-item maximum", c.MaxItem}, {"run cap", c.RunCap}} {
		for _, cur := range slices.Sorted(maps.Keys(caps.m)) {
			if max := caps.m[cur]; cur == "" || max < 0 {
				return fmt.Errorf("worker: %s %q=%d: want a currency and an amount of at least 0: %w", caps.name, cur, max, models.ErrInvalid)
			}
		}
	}
	return nil
}

// Runner does one pass of the job.
type Runner struct {
	cfg      Config
	cfgErr   error // Config.Validate's verdict: RunOnce and Rescreen refuse to run
	store    Store
	decider  Decider
	screener *Screening
	sender   *payout.Sender
	log      *slog.Logger
	now      func() time.Time
}

// NewRunner wires a runner. Zero settings of cfg take their defaults; a
// cfg that does not Validate makes RunOnce and Rescreen fail with why
// (callers should Validate first, when they parse their settings).
func NewRunner(cfg Config, st Store, d Decider, sc *Screening, snd *payout.Sender) *Runner {
	cfgErr := cfg.Validate()
	cfg = cfg.withDefaults()
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	now := cfg.NowFunc
	if now == nil {
		now = time.Now
	}
	r := &Runner{cfg: cfg, cfgErr: cfgErr, store: st, decider: d, screener: sc, sender: snd, log: log,
		now: func() time.Time { return now().UTC() }}
	if snd != nil {
		snd.SetGate(r.Gate)
	}
	return r
}

// Result counts what one run did.
type Result struct {
	ReportsDecided  int
	ReportsRejected int
	AwardsCreated   int
	Screened        int
	Cleared         int
	Held            int
	Blocked         int
	ListProblem     string // why screening and sending were held, if they were
	Sent            int    // PayPal accepted (new or resumed)
	Unknown         int    // answer lost; will resend
	Deferred        int    // PayPal refused for an operator reason
	SendFailed      int
	Manual          int
	Granted         int
	NoPassCodes     int
	Waiting         []string // awards not sent, with why
	Reconciled      map[models.AwardState]int
	WouldSend       []models.Award // dry run: what would be sent
	// Plan is, in a dry run, what the send step would do with each open
	// attempt and each cleared award, and why (see SendStep).
	Plan   []SendStep
	Errors int
	// Stopped lists the steps a batch timeout stopped in this run, with
	// which batch (each also counted once in Errors).
	Stopped []string
}

// RunOnce does one full pass: decide, approve, screen, send, reconcile.
// Errors about single awards are logged and counted, not returned; an
// error is returned only when the pass could not run.
func (r *Runner) RunOnce(ctx context.Context) (Result, error) {
	res := Result{Reconciled: map[models.AwardState]int{}}
	if r.cfgErr != nil {
		return res, r.cfgErr
	}
	start := r.now()
	if r.cfg.DryRun {
		return r.dryRun(ctx, res)
	}
	// A step that a batch timeout stops is counted and logged once; the
	// run goes on with the next step.
	if err := r.decide(ctx, &res); err != nil && !r.stopped(ctx, &res, "decide", err) {
		return res, fmt.Errorf("decide: %w", err)
	}
	if err := r.approve(ctx); err != nil && !r.stopped(ctx, &res, "approve", err) {
		return res, fmt.Errorf("approve: %w", err)
	}
	listOK := true
	if err := r.screen(ctx, &res); err != nil && !r.stopped(ctx, &res, "screen", err) {
		if !errors.Is(err, ErrListUnusable) {
			return res, fmt.Errorf("screen: %w", err)
		}
		listOK = false
		res.ListProblem = err.Error()
		r.log.WarnContext(ctx, "payouts held: sanctions list unusable", slog.String("reason", err.Error()))
	}
	// Without a usable list nothing new leaves; attempts already written
	// ahead were screened before and are resent, so that their outcome is
	// known before PayPal's 30-day deduplication window closes.
	if err := r.send(ctx, &res, listOK); err != nil && !r.stopped(ctx, &res, "send", err) {
		return res, fmt.Errorf("send: %w", err)
	}
	if err := r.poll(ctx, &res); err != nil && !r.stopped(ctx, &res, "reconcile", err) {
		return res, fmt.Errorf("reconcile: %w", err)
	}
	if res.ReportsDecided+res.Screened+res.Sent+res.Granted+len(res.Reconciled) > 0 {
		r.log.InfoContext(ctx, "run finished", slog.Int("reports_decided", res.ReportsDecided),
			slog.Int("screened", res.Screened), slog.Int("sent", res.Sent), slog.Int("granted", res.Granted),
			slog.Int("errors", res.Errors), slog.Duration("took", r.now().Sub(start)))
	}
	return res, nil
}

// decide applies the policy to every undecided report, a batch at a
// time (a decided report leaves the undecided ones, so each batch is the
// next).
func (r *Runner) decide(ctx context.Context, res *Result) error {
	next := func(ctx context.Context, n int) ([]models.StoredReport, bool, error) {
		reps, err := r.store.UndecidedReports(ctx, n)
		return reps, len(reps) == n, err
	}
	return inBatches(ctx, r, next, func(ctx context.Context, reps []models.StoredReport) error {
		for _, rep := range reps {
			if err := ctx.Err(); err != nil {
				return err
			}
			d, err := r.decider.Decide(rep.Report)
			if err != nil {
				// The report stays visible with why it could not be decided;
				// it never blocks the others.
				res.Errors++
				r.log.ErrorContext(ctx, "report cannot be decided", slog.String("report_id", rep.ID), slog.Any("err", err))
				if err := r.store.InTx(ctx, func(tx Tx) error {
					return tx.MarkDecided(rep.ID, "error", "cannot be decided: "+err.Error(), "")
				}); err != nil && !errors.Is(err, models.ErrConflict) {
					return err
				}
				continue
			}
			err = r.store.InTx(ctx, func(tx Tx) error {
				now := tx.Now()
				if d.Rejected || len(d.Awards) == 0 {
					reason := cmp.Or(d.Reason, "the policy gives no reward")
					if err := tx.MarkDecided(rep.ID, "rejected", reason, d.PolicyVersion); err != nil {
						return err
					}
					_, _, err := tx.Append(ledger.Draft{
						IdempotencyKey: "report/" + rep.ID + "/decided",
						Kind:           ledger.KindReportRejected, Actor: r.cfg.Actor, EffectiveAt: now,
						Data: map[string]string{"report_id": rep.ID, "reason": reason, "policy_version": d.PolicyVersion},
					})
					return err
				}
				if err := tx.MarkDecided(rep.ID, "awarded", "", d.PolicyVersion); err != nil {
					return err
				}
				for i := range d.Awards {
					a := &d.Awards[i]
					a.State, a.PolicyVersion, a.PayeeVersion = models.StatePending, d.PolicyVersion, rep.PayeeVersion
					data := map[string]string{"report_id": rep.ID, "kind": string(a.Kind), "policy_version": d.PolicyVersion,
						"severity": string(rep.Severity), "category": string(rep.Category)}
					if a.Kind == models.AwardMoney {
						data["amount"] = a.Amount.String()
					}
					if a.Description != "" {
						data["description"] = a.Description
					}
					data["payee_version"] = fmt.Sprint(a.PayeeVersion)
					if a.AbovePolicy {
						data["above_policy"] = "true"
					}
					if err := tx.InsertAward(a, ledger.Draft{
						IdempotencyKey: "award/" + a.ID + "/decided",
						Kind:           ledger.KindAwardDecided, Actor: r.cfg.Actor, EffectiveAt: now,
						Data: data,
					}); err != nil {
						return err
					}
				}
				return nil
			})
			switch {
			case errors.Is(err, models.ErrConflict):
				continue // another worker decided it
			case err != nil:
				return fmt.Errorf("record decision on %s: %w", rep.ID, err)
			}
			res.ReportsDecided++
			if d.Rejected || len(d.Awards) == 0 {
				res.ReportsRejected++
			}
			res.AwardsCreated += len(d.Awards)
			if err := r.advise(ctx, d.Awards, res); err != nil {
				return fmt.Errorf("screen %s at decision: %w", rep.ID, err)
			}
		}
		return nil
	})
}

// advise screens new awards' payee at decision time, before anyone is
// asked to approve them. The screening is advisory: a blocked verdict
// blocks the awards now (finance is not asked to approve what screening
// will block); any other verdict is recorded for the approvers to see, and
// the binding screening still happens right before value leaves. Without
// a usable list it does nothing.
func (r *Runner) advise(ctx context.Context, awards []models.Award, res *Result) error {
	if len(awards) == 0 {
		return nil
	}
	names, list, err := r.screener.Current(ctx)
	if errors.Is(err, ErrListUnusable) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, a := range awards {
		err := r.store.InTx(ctx, func(tx Tx) error {
			cur, err := tx.Award(a.ID)
			if err != nil || cur.State != models.StatePending {
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
			if v.Decision != models.DecisionBlocked {
				_, err := insertScreening(tx, &cur, v, true)
				return err
			}
			res.Blocked++
			return recordScreening(tx, &cur, v, r.cfg.Actor)
		})
		if err != nil && !errors.Is(err, models.ErrConflict) {
			return fmt.Errorf("award %s: %w", a.ID, err)
		}
	}
	return nil
}
