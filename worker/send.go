package worker

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/plex/bountypay/models"
	"github.com/plex/bountypay/payout"
	"github.com/plex/bountypay/store"
)

// send resumes attempts whose outcome is open, then starts new ones for
// cleared awards, within the safety switches.
func (r *Runner) send(ctx context.Context, res *Result) error {
	// 1. Attempts written ahead but not known to PayPal's answer: resend
	// the identical request (PayPal deduplicates sender_batch_id).
	open, err := r.store.AttemptsByStatus(ctx, 0, store.AttemptPending, store.AttemptUnknown, store.AttemptDeferred)
	if err != nil {
		return err
	}
	for _, att := range open {
		if att.Channel != "paypal" {
			continue
		}
		if !r.cfg.PayPalConfigured {
			res.Waiting = append(res.Waiting, att.AwardID+": "+noPayPal)
			continue
		}
		if r.cfg.KillSwitch {
			res.Waiting = append(res.Waiting, att.AwardID+": kill switch on")
			continue
		}
		out, err := r.sender.Submit(ctx, att)
		r.count(res, out, err)
	}
	// 2. New attempts for cleared awards.
	awards, err := r.store.Awards(ctx, store.AwardFilter{States: []models.AwardState{models.StateCleared}})
	if err != nil {
		return err
	}
	spent := map[string]int64{}
	for _, a := range awards {
		switch a.Kind {
		case models.AwardPlexPass:
			out, err := r.sender.GrantPass(ctx, a.ID)
			if err != nil {
				res.Errors++
				r.log.ErrorContext(ctx, "pass grant failed", slog.String("award_id", a.ID), slog.Any("err", err))
				continue
			}
			switch out {
			case payout.OutcomeGranted:
				res.Granted++
			case payout.OutcomeNoStock:
				res.NoPassCodes++
				res.Waiting = append(res.Waiting, a.ID+": no Plex Pass codes left (bountypay passes import)")
			}
		case models.AwardOther:
			res.Waiting = append(res.Waiting, a.ID+": awaiting hand-over by the program team (bountypay award fulfil)")
		case models.AwardMoney:
			if r.cfg.KillSwitch {
				res.Waiting = append(res.Waiting, a.ID+": kill switch on")
				continue
			}
			if !r.cfg.PayPalConfigured {
				res.Waiting = append(res.Waiting, a.ID+": "+noPayPal)
				continue
			}
			if why := r.capped(a, spent); why != "" {
				res.Waiting = append(res.Waiting, a.ID+": "+why)
				continue
			}
			att, err := r.sender.StartMoney(ctx, a.ID)
			if errors.Is(err, models.ErrInvalid) {
				res.Waiting = append(res.Waiting, a.ID+": "+err.Error())
				continue
			}
			if errors.Is(err, models.ErrConflict) {
				continue // another worker took it
			}
			if err != nil {
				res.Errors++
				r.log.ErrorContext(ctx, "payout write-ahead failed", slog.String("award_id", a.ID), slog.Any("err", err))
				continue
			}
			spent[a.Amount.Currency] += a.Amount.Minor
			out, err := r.sender.Submit(ctx, att)
			r.count(res, out, err)
		}
	}
	return nil
}

// capped says why an award may not be sent in this run, or "".
func (r *Runner) capped(a models.Award, spent map[string]int64) string {
	if max, ok := r.cfg.MaxItem[a.Amount.Currency]; ok && a.Amount.Minor > max {
		return fmt.Sprintf("%s is above the per-item maximum of %s", a.Amount, models.Money{Minor: max, Currency: a.Amount.Currency})
	}
	if max, ok := r.cfg.RunCap[a.Amount.Currency]; ok && spent[a.Amount.Currency]+a.Amount.Minor > max {
		return fmt.Sprintf("per-run cap of %s reached", models.Money{Minor: max, Currency: a.Amount.Currency})
	}
	return ""
}

func (r *Runner) count(res *Result, out payout.Outcome, err error) {
	if err != nil {
		res.Errors++
		r.log.Error("payout submit failed", slog.Any("err", err))
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
	}
}

const noPayPal = "PayPal is not configured (set PAYPAL_API_BASE, PAYPAL_CLIENT_ID, PAYPAL_SECRET)"

// reconcile polls every accepted attempt.
func (r *Runner) reconcile(ctx context.Context, res *Result) error {
	if !r.cfg.PayPalConfigured {
		return nil
	}
	atts, err := r.store.AttemptsByStatus(ctx, 0, store.AttemptAccepted)
	if err != nil {
		return err
	}
	for _, att := range atts {
		before, err := r.store.Award(ctx, att.AwardID)
		if err != nil {
			return err
		}
		state, err := r.sender.Reconcile(ctx, att)
		if err != nil {
			res.Errors++
			r.log.WarnContext(ctx, "reconcile failed", slog.String("award_id", att.AwardID), slog.Any("err", err))
			continue
		}
		if state != "" && state != before.State {
			res.Reconciled[state]++
		}
	}
	return nil
}

// dryRun reports what a run would send, changing nothing.
func (r *Runner) dryRun(ctx context.Context, res Result) (Result, error) {
	awards, err := r.store.Awards(ctx, store.AwardFilter{States: []models.AwardState{models.StateCleared}})
	if err != nil {
		return res, err
	}
	if _, _, err := r.screener.Current(ctx); err != nil {
		res.ListProblem = err.Error()
		return res, nil
	}
	spent := map[string]int64{}
	for _, a := range awards {
		if a.Kind == models.AwardMoney {
			if r.cfg.KillSwitch {
				res.Waiting = append(res.Waiting, a.ID+": kill switch on")
				continue
			}
			if why := r.capped(a, spent); why != "" {
				res.Waiting = append(res.Waiting, a.ID+": "+why)
				continue
			}
			spent[a.Amount.Currency] += a.Amount.Minor
		}
		res.WouldSend = append(res.WouldSend, a)
	}
	return res, nil
}
