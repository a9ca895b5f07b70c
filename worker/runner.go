package worker

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/plex/bountypay/compliance"
	"github.com/plex/bountypay/ledger"
	"github.com/plex/bountypay/models"
	"github.com/plex/bountypay/payout"
	"github.com/plex/bountypay/store"
)

// Decider turns a report into awards or a rejection
// (compliance.PolicySet in production).
type Decider interface {
	Decide(r models.Report) (compliance.Decision, error)
}

// Defaults.
const (
	DefaultMaxListAge = 48 * time.Hour
	DefaultBatchSize  = 500
)

// Config configures a Runner.
type Config struct {
	// Actor is the ledger actor of the worker's entries.
	Actor string
	// MaxListAge: a sanctions list loaded longer ago holds every payout.
	MaxListAge time.Duration
	// BatchSize bounds how many records one step reads at a time.
	BatchSize int
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

// Runner does one pass of the job.
type Runner struct {
	cfg      Config
	store    *store.Store
	decider  Decider
	screener *Screening
	sender   *payout.Sender
	log      *slog.Logger
	now      func() time.Time
}

// NewRunner wires a runner.
func NewRunner(cfg Config, st *store.Store, d Decider, sc *Screening, snd *payout.Sender) *Runner {
	cfg.Actor = cmp.Or(cfg.Actor, payout.DefaultActor)
	cfg.MaxListAge = cmp.Or(cfg.MaxListAge, DefaultMaxListAge)
	cfg.BatchSize = cmp.Or(cfg.BatchSize, DefaultBatchSize)
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	now := cfg.NowFunc
	if now == nil {
		now = time.Now
	}
	r := &Runner{cfg: cfg, store: st, decider: d, screener: sc, sender: snd, log: log,
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
	Errors          int
}

// RunOnce does one full pass: decide, approve, screen, send, reconcile.
// Errors about single awards are logged and counted, not returned; an
// error is returned only when the pass could not run.
func (r *Runner) RunOnce(ctx context.Context) (Result, error) {
	res := Result{Reconciled: map[models.AwardState]int{}}
	start := r.now()
	if r.cfg.DryRun {
		return r.dryRun(ctx, res)
	}
	if err := r.decide(ctx, &res); err != nil {
		return res, fmt.Errorf("decide: %w", err)
	}
	if err := r.approve(ctx); err != nil {
		return res, fmt.Errorf("approve: %w", err)
	}
	listOK := true
	if err := r.screen(ctx, &res); err != nil {
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
	if err := r.send(ctx, &res, listOK); err != nil {
		return res, fmt.Errorf("send: %w", err)
	}
	if err := r.reconcile(ctx, &res); err != nil {
		return res, fmt.Errorf("reconcile: %w", err)
	}
	if res.ReportsDecided+res.Screened+res.Sent+res.Granted+len(res.Reconciled) > 0 {
		r.log.InfoContext(ctx, "run finished", slog.Int("reports_decided", res.ReportsDecided),
			slog.Int("screened", res.Screened), slog.Int("sent", res.Sent), slog.Int("granted", res.Granted),
			slog.Int("errors", res.Errors), slog.Duration("took", r.now().Sub(start)))
	}
	return res, nil
}

// decide applies the policy to every undecided report.
func (r *Runner) decide(ctx context.Context, res *Result) error {
	for {
		reps, err := r.store.UndecidedReports(ctx, r.cfg.BatchSize)
		if err != nil {
			return err
		}
		if len(reps) == 0 {
			return nil
		}
		for _, rep := range reps {
			d, err := r.decider.Decide(rep.Report)
			if err != nil {
				// The report stays visible with why it could not be decided;
				// it never blocks the others.
				res.Errors++
				r.log.ErrorContext(ctx, "report cannot be decided", slog.String("report_id", rep.ID), slog.Any("err", err))
				if err := r.store.InTx(ctx, func(tx *store.Tx) error {
					return tx.MarkDecided(rep.ID, "error", "cannot be decided: "+err.Error(), "")
				}); err != nil && !errors.Is(err, models.ErrConflict) {
					return err
				}
				continue
			}
			err = r.store.InTx(ctx, func(tx *store.Tx) error {
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
		if len(reps) < r.cfg.BatchSize {
			return nil
		}
	}
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
		err := r.store.InTx(ctx, func(tx *store.Tx) error {
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
