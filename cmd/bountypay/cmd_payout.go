package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/plex/bountypay/internal/storeadapt"
	"github.com/plex/bountypay/models"
	"github.com/plex/bountypay/payout"
	"github.com/plex/bountypay/payout/entitlement"
	"github.com/plex/bountypay/store"
)

// payoutConfig is the payout.Config from the settings: the entitlement
// service (PLEX_ENTITLEMENT_URL, PLEX_ENTITLEMENT_SECRET) when configured,
// otherwise passes come from the code pool.
func (a *app) payoutConfig() (payout.Config, error) {
	cfg := payout.Config{Logger: a.log}
	u, sec := a.cfg.entitlementURL, a.cfg.entitlementSecret
	if u == "" && sec == "" {
		return cfg, nil
	}
	ec, err := entitlement.New(entitlement.Config{URL: u, Secret: sec, Logger: a.log})
	if err != nil {
		return cfg, fmt.Errorf("PLEX_ENTITLEMENT_URL/PLEX_ENTITLEMENT_SECRET: %w", err)
	}
	cfg.Granter = ec
	return cfg, nil
}

// payoutSender builds a sender from the settings.
func (a *app) payoutSender(ctx context.Context) (*payout.Sender, *store.Store, error) {
	st, err := a.store(ctx)
	if err != nil {
		return nil, nil, err
	}
	cfg, err := a.payoutConfig()
	if err != nil {
		return nil, nil, err
	}
	pp, err := a.paypalClient()
	if err != nil {
		return nil, nil, err
	}
	var ppi payout.PayPal
	if pp != nil {
		ppi = pp
	}
	return payout.NewSender(cfg, storeadapt.Payout(st), ppi), st, nil
}

// cmdPayout is payout show, retry, cancel, resolve and reconcile.
func cmdPayout(ctx context.Context, a *app, args []string) error {
	sub := a.cmd.name
	fs := a.flags()
	by := fs.String("by", "", "`name` of the person deciding (required for retry, cancel and resolve; recorded in the ledger)")
	reason := fs.String("reason", "", "why (recorded in the ledger)")
	rescreen := fs.Bool("rescreen", false, "retry: screen the payee again before the new attempt (ready_to_screen instead of cleared)")
	batch := fs.String("batch", "", "resolve: the PayPal payout_batch_id found for the attempt (compared with the frozen request, then reconciled)")
	nothing := fs.Bool("nothing-sent", false, "resolve: PayPal has no batch for the attempt: within PayPal's 30-day memory of the id it is asked first (the identical request is resent: an existing batch is linked, none is created once); after that it takes --second-by and --transaction-ref")
	secondBy := fs.String("second-by", "", "resolve --nothing-sent after PayPal's 30-day window: the `name` of a second finance person confirming it")
	txRef := fs.String("transaction-ref", "", "resolve --nothing-sent after PayPal's 30-day window: the `reference` of the PayPal Transaction Search showing no payment")
	if err := a.parse(fs, args); err != nil {
		return err
	}
	id := fs.Arg(0)
	if sub != "reconcile" && fs.NArg() != 1 {
		return &exitError{2, fmt.Errorf("payout %s needs one award ID", sub)}
	}
	s, st, err := a.payoutSender(ctx)
	if err != nil {
		return err
	}
	if sub == "retry" || sub == "cancel" || sub == "resolve" {
		if _, err := a.authorized(ctx, *by, models.ActPayout); err != nil {
			return err
		}
	}
	switch sub {
	case "show":
		return showPayout(ctx, a, st, id)
	case "retry":
		aw, err := s.Retry(ctx, id, payout.RetryOptions{By: *by, Reason: *reason, Rescreen: *rescreen})
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "%s is now %s: the next run makes attempt %d with a new sender_batch_id\n", aw.ID, aw.State, aw.Attempt+1)
		return nil
	case "cancel":
		if !s.PayPalConfigured() {
			return errors.New("payout cancel: " + noPayPalEnv)
		}
		to, err := s.CancelUnclaimed(ctx, id, *by)
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "%s is now %s\n", id, to)
		return nil
	case "resolve":
		if *secondBy != "" {
			if _, err := a.authorized(ctx, *secondBy, models.ActPayout); err != nil {
				return fmt.Errorf("--second-by: %w", err)
			}
		}
		to, err := s.Resolve(ctx, id, payout.ResolveOptions{By: *by, PayoutBatchID: *batch, NothingSent: *nothing, Reason: *reason,
			SecondBy: *secondBy, TransactionSearchRef: *txRef})
		if errors.Is(err, payout.ErrBatchLinked) {
			fmt.Fprintf(a.stdout, "%s is now %s: PayPal holds a batch for the attempt; it was linked, not settled as nothing sent\n", id, to)
			return err
		}
		if err != nil {
			return err
		}
		fmt.Fprintf(a.stdout, "%s is now %s\n", id, to)
		return nil
	case "reconcile":
		if !s.PayPalConfigured() {
			return errors.New("payout reconcile: " + noPayPalEnv)
		}
		atts, err := s.AttemptsToPoll(ctx)
		if err != nil {
			return err
		}
		moved, failed := map[models.AwardState]int{}, 0
		for _, att := range atts {
			from, to, err := s.Poll(ctx, att)
			if err != nil {
				failed++
				a.log.WarnContext(ctx, "reconcile failed", "award_id", att.AwardID, "err", err)
				continue
			}
			if to != "" && to != from {
				moved[to]++
			}
		}
		fmt.Fprintf(a.stdout, "polled %d attempt(s): %d moved", len(atts), sum(moved))
		for st, n := range moved {
			fmt.Fprintf(a.stdout, ", %d %s", n, st)
		}
		fmt.Fprintln(a.stdout)
		if failed > 0 {
			return fmt.Errorf("%d attempt(s) could not be read from PayPal (see the log); the next run retries", failed)
		}
		return nil
	}
	return &exitError{2, fmt.Errorf("payout: unknown subcommand %q", sub)}
}

const noPayPalEnv = "PayPal is not configured (set PAYPAL_API_BASE, PAYPAL_CLIENT_ID, PAYPAL_SECRET)"

func sum(m map[models.AwardState]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// showPayout prints an award and every attempt.
func showPayout(ctx context.Context, a *app, st *store.Store, id string) error {
	aw, err := st.Award(ctx, id)
	if err != nil {
		return err
	}
	fmt.Fprintf(a.stdout, "%s  %s  %s (attempt %d)\n  reason: %s\n", aw.ID, amountOf(aw), aw.State, aw.Attempt, aw.Reason)
	atts, err := st.AttemptsForAward(ctx, id)
	if err != nil {
		return err
	}
	for _, at := range atts {
		mark := " "
		if at.Attempt == aw.Attempt {
			mark = "*"
		}
		fmt.Fprintf(a.stdout, "%s attempt %d  %-11s %-8s sender_batch_id %s", mark, at.Attempt, at.Channel, at.Status, at.SenderBatchID)
		if at.PayoutBatchID != "" {
			fmt.Fprintf(a.stdout, "  batch %s", at.PayoutBatchID)
		}
		if at.PayoutItemID != "" {
			fmt.Fprintf(a.stdout, "  item %s", at.PayoutItemID)
		}
		if at.TransactionStatus != "" {
			fmt.Fprintf(a.stdout, "  %s", at.TransactionStatus)
		}
		fmt.Fprintf(a.stdout, "  submitted %d time(s)", at.Submissions)
		if at.FirstSubmittedAt != nil {
			fmt.Fprintf(a.stdout, " since %s", at.FirstSubmittedAt.Format("2006-01-02 15:04:05Z"))
		}
		fmt.Fprintln(a.stdout)
		if at.LastError != "" {
			fmt.Fprintf(a.stdout, "    last error: %s\n", at.LastError)
		}
	}
	return nil
}
