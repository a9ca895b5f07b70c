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
	"github.com/plex/bountypay/store"
)

// sendConcurrency is how many PayPal calls one run makes at once. Each
// award still has a single writer (its row lock and attempt lease); this
// only overlaps the network round trips and commits of different awards.
const sendConcurrency = 4

// maxBackoffWait is the longest PayPal Retry-After a run waits out; a
// longer one stops sending until the next run.
const maxBackoffWait = 10 * time.Second

// send resumes attempts whose outcome is open, then starts new ones for
// cleared awards, within the safety switches: the kill switch stops every
// send and grant; the per-item maximum keeps large awards for finance; the
// per-run cap bounds the total submitted per currency in this run
// (resubmissions included); PayPal's Retry-After is honoured.
func (r *Runner) send(ctx context.Context, res *Result, newSends bool) error {
	spent := map[string]int64{}
	stopped := false  // PayPal asked us to back off for longer than we wait
	var mu sync.Mutex // guards res while calls run in parallel
	sem := make(chan struct{}, sendConcurrency)
	var wg sync.WaitGroup
	defer wg.Wait()
	// async runs one call in the pool and counts its outcome.
	async := func(awardID string, call func() (payout.Outcome, error)) {
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			out, err := call()
			mu.Lock()
			r.count(ctx, res, awardID, out, err)
			mu.Unlock()
		}()
	}
	waiting := func(s string) {
		mu.Lock()
		res.Waiting = append(res.Waiting, s)
		mu.Unlock()
	}

	// 1. Attempts written ahead whose outcome is open: resend the
	// identical request (PayPal deduplicates sender_batch_id; the
	// entitlement service its grant id).
	open, err := r.store.OpenAttempts(ctx, r.now(), 0)
	if err != nil {
		return err
	}
	for _, att := range open {
		if why := r.blocked(att.Channel); why != "" {
			waiting(att.AwardID + ": " + why)
			continue
		}
		if att.Channel == payout.ChannelPayPal {
			if stopped || r.backoff(ctx) {
				stopped = true
				waiting(att.AwardID + ": PayPal asked to slow down (429); resent next run")
				continue
			}
			if why := r.overRunCap(att.Currency, att.AmountMinor, spent); why != "" {
				waiting(att.AwardID + ": " + why)
				continue
			}
			spent[att.Currency] += att.AmountMinor
		}
		async(att.AwardID, func() (payout.Outcome, error) { return r.sender.Submit(ctx, att) })
	}
	wg.Wait() // resends first: a new send never overtakes an open attempt
	if !newSends {
		return nil
	}

	// 2. New attempts for cleared awards.
	awards, err := r.store.Awards(ctx, store.AwardFilter{States: []models.AwardState{models.StateCleared}})
	if err != nil {
		return err
	}
	// Right before value leaves, every award's latest screening must be
	// clear for exactly its payee version, the list in use and the rules
	// in force; otherwise it is screened again now (one query for all).
	_, list, err := r.screener.Current(ctx)
	if err != nil {
		return err
	}
	rules := r.screener.RulesVersion()
	ids := make([]string, len(awards))
	for i, a := range awards {
		ids[i] = a.ID
	}
	latest, err := r.store.LatestBindingScreenings(ctx, ids)
	if err != nil {
		return err
	}
	for _, a := range awards {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if a.Kind != models.AwardOther && !screeningBinds(latest[a.ID], a, list.SHA256, rules) {
			ok, err := r.screenAgainstCurrent(ctx, a)
			if err != nil {
				return err
			}
			if !ok {
				continue // held or blocked now
			}
		}
		switch a.Kind {
		case models.AwardPlexPass:
			if r.cfg.KillSwitch {
				waiting(a.ID + ": kill switch on")
				continue
			}
			async(a.ID, func() (payout.Outcome, error) {
				out, err := r.sender.Grant(ctx, a.ID)
				switch {
				case errors.Is(err, models.ErrInvalid):
					waiting(a.ID + ": " + err.Error())
					return payout.OutcomeSkipped, nil
				case out == payout.OutcomeNoStock:
					waiting(a.ID + ": no Plex Pass codes left (bountypay passes import)")
				}
				return out, err
			})
		case models.AwardOther:
			waiting(a.ID + ": awaiting hand-over by the program team (bountypay award fulfil)")
		case models.AwardMoney:
			if why := r.blocked(payout.ChannelPayPal); why != "" {
				waiting(a.ID + ": " + why)
				continue
			}
			if err := payout.CheckSendable(a); err != nil {
				waiting(a.ID + ": refused before sending: " + err.Error())
				continue
			}
			if why := r.capped(a, spent); why != "" {
				waiting(a.ID + ": " + why)
				continue
			}
			if stopped || r.backoff(ctx) {
				stopped = true
				waiting(a.ID + ": PayPal asked to slow down (429); sent next run")
				continue
			}
			spent[a.Amount.Currency] += a.Amount.Minor
			async(a.ID, func() (payout.Outcome, error) {
				out, err := r.sender.Send(ctx, a.ID)
				switch {
				case errors.Is(err, payout.ErrNotStarted) && errors.Is(err, models.ErrInvalid):
					waiting(a.ID + ": " + err.Error())
					return payout.OutcomeSkipped, nil
				case errors.Is(err, payout.ErrNotStarted) && errors.Is(err, models.ErrConflict):
					return payout.OutcomeSkipped, nil // another worker took it
				}
				return out, err
			})
		}
	}
	return nil
}

// blocked says why nothing may be sent on channel now, or "".
func (r *Runner) blocked(channel string) string {
	switch {
	case r.cfg.KillSwitch:
		return "kill switch on"
	case channel == payout.ChannelPayPal && !r.cfg.PayPalConfigured:
		return noPayPal
	case channel == payout.ChannelEntitlement && !r.sender.GrantsByEntitlement():
		return "entitlement grant in progress but no entitlement service is configured (PLEX_ENTITLEMENT_URL)"
	case channel != payout.ChannelPayPal && channel != payout.ChannelEntitlement:
		return "attempt on channel " + channel + " cannot be resumed"
	}
	return ""
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

// capped says why an award may not be sent in this run, or "".
func (r *Runner) capped(a models.Award, spent map[string]int64) string {
	if max, ok := r.cfg.MaxItem[a.Amount.Currency]; ok && a.Amount.Minor > max {
		return fmt.Sprintf("%s is above the per-item maximum of %s: finance decides", a.Amount, models.Money{Minor: max, Currency: a.Amount.Currency})
	}
	return r.overRunCap(a.Amount.Currency, a.Amount.Minor, spent)
}

// overRunCap says why minor more units of currency would exceed the run
// cap, or "".
func (r *Runner) overRunCap(currency string, minor int64, spent map[string]int64) string {
	if max, ok := r.cfg.RunCap[currency]; ok && spent[currency]+minor > max {
		return fmt.Sprintf("per-run cap of %s reached; sent next run", models.Money{Minor: max, Currency: currency})
	}
	return ""
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

// reconcile polls every accepted attempt and sweeps paid ones for
// refunds and reversals (payout.Sender.AttemptsToPoll).
func (r *Runner) reconcile(ctx context.Context, res *Result) error {
	if !r.cfg.PayPalConfigured {
		return nil
	}
	atts, err := r.sender.AttemptsToPoll(ctx)
	if err != nil {
		return err
	}
	for _, att := range atts {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if r.backoff(ctx) {
			r.log.WarnContext(ctx, "reconcile stopped: PayPal asked to slow down")
			return nil
		}
		from, to, err := r.sender.Reconcile(ctx, att)
		if err != nil {
			res.Errors++
			r.log.WarnContext(ctx, "reconcile failed", slog.String("award_id", att.AwardID), slog.Any("err", err))
			continue
		}
		if to != "" && to != from {
			res.Reconciled[to]++
		}
	}
	return nil
}

// dryRun reports what a run would send, changing and sending nothing:
// open attempts that would be resent and cleared awards that would be
// sent, with the safety switches applied; everything held back is listed
// in Waiting with why.
func (r *Runner) dryRun(ctx context.Context, res Result) (Result, error) {
	if _, _, err := r.screener.Current(ctx); err != nil {
		res.ListProblem = err.Error()
		return res, nil
	}
	spent := map[string]int64{}
	open, err := r.store.OpenAttempts(ctx, r.now(), 0)
	if err != nil {
		return res, err
	}
	for _, att := range open {
		if why := r.blocked(att.Channel); why != "" {
			res.Waiting = append(res.Waiting, att.AwardID+": "+why)
			continue
		}
		if att.Channel == payout.ChannelPayPal {
			if why := r.overRunCap(att.Currency, att.AmountMinor, spent); why != "" {
				res.Waiting = append(res.Waiting, att.AwardID+": "+why)
				continue
			}
			spent[att.Currency] += att.AmountMinor
		}
		a, err := r.store.Award(ctx, att.AwardID)
		if err != nil {
			return res, err
		}
		res.WouldSend = append(res.WouldSend, a)
		res.Waiting = append(res.Waiting, fmt.Sprintf("%s: would resend attempt %d (%s, %s) identically", a.ID, att.Attempt, att.SenderBatchID, att.Status))
	}
	awards, err := r.store.Awards(ctx, store.AwardFilter{States: []models.AwardState{models.StateCleared}})
	if err != nil {
		return res, err
	}
	for _, a := range awards {
		switch a.Kind {
		case models.AwardOther:
			res.Waiting = append(res.Waiting, a.ID+": awaiting hand-over by the program team (bountypay award fulfil)")
			continue
		case models.AwardPlexPass:
			if r.cfg.KillSwitch {
				res.Waiting = append(res.Waiting, a.ID+": kill switch on")
				continue
			}
		case models.AwardMoney:
			if why := r.blocked(payout.ChannelPayPal); why != "" {
				res.Waiting = append(res.Waiting, a.ID+": "+why)
				continue
			}
			if err := payout.CheckSendable(a); err != nil {
				res.Waiting = append(res.Waiting, a.ID+": refused before sending: "+err.Error())
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

// screeningBinds reports whether a screening clears award a for sending:
// clear, and for exactly the award's payee version, the list and the
// rules version.
func screeningBinds(sc store.Screening, a models.Award, list, rules string) bool {
	return sc.ID != 0 && !sc.Advisory && sc.Decision == string(models.DecisionClear) &&
		sc.PayeeVersion == a.PayeeVersion && sc.ListSHA256 == list && sc.RulesVersion == rules
}

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
	err = r.store.InTx(ctx, func(tx *store.Tx) error {
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
// returns an error wrapping models.ErrConflict naming what failed.
func (r *Runner) Gate(tx *store.Tx, a *models.Award) error {
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
	if a.Kind != models.AwardOther {
		list, err := tx.CurrentList()
		if err != nil {
			return fmt.Errorf("award %s: %w: %w", a.ID, ErrListUnusable, models.ErrInvalid)
		}
		sc, err := tx.LatestBindingScreening(a.ID)
		if err != nil && !errors.Is(err, models.ErrNotFound) {
			return err
		}
		if !screeningBinds(sc, *a, list.SHA256, r.screener.RulesVersion()) {
			return fmt.Errorf("award %s: no clear screening for payee version %d, list %.12s and rules %s: %w",
				a.ID, a.PayeeVersion, list.SHA256, r.screener.RulesVersion(), models.ErrInvalid)
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
