package payout

import (
	"context"
	"fmt"
	"strings"

	"github.com/plex/bountypay/ledger"
	"github.com/plex/bountypay/models"
)

// Finance's corrections of awards, in one place with the payout ones
// (finance.go: retry, cancel unclaimed, resolve): an award is never edited
// without a ledger entry naming who and why. Cancelling reverses what is
// payable; adjusting books the difference; both only while no value has
// left.

func needWhoAndWhy(what, id, by, reason string) error {
	if strings.TrimSpace(by) == "" {
		return fmt.Errorf("%s %s: who decides (--by) is required: %w", what, id, models.ErrInvalid)
	}
	if strings.TrimSpace(reason) == "" {
		return fmt.Errorf("%s %s: a reason (--reason) is required: %w", what, id, models.ErrInvalid)
	}
	return nil
}

// Cancel withdraws an award: allowed from the states the transition
// table lets go to cancelled. What the researcher is still owed for it
// goes back to expense:bounties. Errors: models.ErrInvalid without a
// person or reason, a *models.TransitionError from another state,
// models.ErrConflict while money is with PayPal.
func (s *Sender) Cancel(ctx context.Context, id, by, reason string) (models.Award, error) {
	if err := needWhoAndWhy("cancel", id, by, reason); err != nil {
		return models.Award{}, err
	}
	var out models.Award
	err := s.store.InTx(ctx, func(tx Tx) error {
		a, err := tx.Award(id)
		if err != nil {
			return err
		}
		if err := models.CheckTransition(a.ID, a.State, models.StateCancelled); err != nil {
			return err
		}
		pos, err := tx.AwardPosition(&a)
		if err != nil {
			return err
		}
		if pos.InFlight != 0 {
			return fmt.Errorf("award %s: %s %s is with PayPal: settle the attempt first: %w", a.ID,
				ledger.FormatUnits(pos.InFlight, pos.Asset), pos.Asset, models.ErrConflict)
		}
		// The posting rule reverses what the ledger holds payable.
		err = tx.Transition(&a, models.StateCancelled, reason, ledger.Draft{
			IdempotencyKey: fmt.Sprintf("award/%s/cancelled/%d", a.ID, a.Version),
			Kind:           ledger.KindCancelled, Actor: by, EffectiveAt: tx.Now(),
		}, nil)
		out = a
		return err
	})
	return out, err
}

// Adjust changes a money award's amount before it is sent (pending,
// awaiting_approval, ready_to_screen, cleared) with a correction entry
// that books the difference between expense:bounties and the payable.
// Approvals are bound to the old amount and no longer count: an award
// past approval goes back to awaiting_approval, and the next run decides
// again whether it needs approvals. Errors: models.ErrInvalid (no
// person or reason, not money, other currency, not positive, unchanged),
// models.ErrConflict from any other state.
func (s *Sender) Adjust(ctx context.Context, id string, amount models.Money, by, reason string) (models.Award, error) {
	if err := needWhoAndWhy("adjust", id, by, reason); err != nil {
		return models.Award{}, err
	}
	var out models.Award
	err := s.store.InTx(ctx, func(tx Tx) error {
		a, err := tx.Award(id)
		if err != nil {
			return err
		}
		switch {
		case a.Kind != models.AwardMoney:
			return fmt.Errorf("award %s is %s: only money awards have an amount: %w", a.ID, a.Kind, models.ErrInvalid)
		case amount.Currency != a.Amount.Currency:
			return fmt.Errorf("award %s is in %s, not %s: cancel it and award anew: %w", a.ID, a.Amount.Currency, amount.Currency, models.ErrInvalid)
		case amount.Minor <= 0:
			return fmt.Errorf("award %s: amount %s not positive (cancel instead): %w", a.ID, amount, models.ErrInvalid)
		case amount.Minor == a.Amount.Minor:
			return fmt.Errorf("award %s is already %s: %w", a.ID, amount, models.ErrInvalid)
		}
		diff := amount.Minor - a.Amount.Minor
		p := ledger.Posting{Debit: ledger.AccountBounties, Credit: ledger.Payable(a.ResearcherID), Asset: amount.Currency, Amount: diff}
		if diff < 0 {
			p = ledger.Posting{Debit: ledger.Payable(a.ResearcherID), Credit: ledger.AccountBounties, Asset: amount.Currency, Amount: -diff}
		}
		d := ledger.Draft{
			IdempotencyKey: fmt.Sprintf("award/%s/adjusted/%d", a.ID, a.Version),
			Kind:           ledger.KindCorrection, Actor: by, EffectiveAt: tx.Now(), Postings: []ledger.Posting{p},
			Data: map[string]string{"from_amount": a.Amount.String(), "to_amount": amount.String(), "correction": "adjust"},
		}
		why := fmt.Sprintf("adjusted from %s to %s by %s: %s", a.Amount, amount, by, reason)
		setAmount := func(n *models.Award) { n.Amount = amount }
		switch a.State {
		case models.StateReadyToScreen, models.StateCleared:
			err = tx.Transition(&a, models.StateAwaitingApproval, why, d, setAmount)
		case models.StatePending, models.StateAwaitingApproval:
			err = tx.UpdateInPlace(&a, why, d, setAmount)
		default:
			return fmt.Errorf("award %s is %s: amounts can change only before sending (and not while held by compliance): %w",
				a.ID, a.State, models.ErrConflict)
		}
		out = a
		return err
	})
	return out, err
}

// Fulfil records that an "other" reward (swag) was handed over to the
// payee version in force:
// cleared → sending → fulfilled, consuming it from stock. Errors:
// models.ErrInvalid without a person or for other kinds, a
// *models.TransitionError when it is not cleared.
func (s *Sender) Fulfil(ctx context.Context, id, by, note string) (models.Award, error) {
	if strings.TrimSpace(by) == "" {
		return models.Award{}, fmt.Errorf("fulfil %s: who handed it over (--by) is required: %w", id, models.ErrInvalid)
	}
	var out models.Award
	err := s.store.InTx(ctx, func(tx Tx) error {
		a, err := tx.Award(id)
		if err != nil {
			return err
		}
		if a.Kind != models.AwardOther {
			return fmt.Errorf("award %s is %s: only other rewards are fulfilled by hand: %w", a.ID, a.Kind, models.ErrInvalid)
		}
		if a.State != models.StateCleared {
			return &models.TransitionError{AwardID: a.ID, From: a.State, To: models.StateFulfilled}
		}
		// Handed over only to the payee version in force, with no payee
		// change pending (and past the gate, when one is installed).
		if _, err := s.payeeFor(tx, &a); err != nil {
			return err
		}
		now := tx.Now()
		n := a.Attempt + 1
		if err := tx.Transition(&a, models.StateSending, "handing over", ledger.Draft{
			IdempotencyKey: fmt.Sprintf("award/%s/fulfil-start/%d", a.ID, n), Actor: by, EffectiveAt: now,
		}, func(x *models.Award) { x.Attempt = n }); err != nil {
			return err
		}
		data := map[string]string{"channel": "by hand"}
		if note != "" {
			data["note"] = note
		}
		err = tx.Transition(&a, models.StateFulfilled, note, ledger.Draft{
			IdempotencyKey: fmt.Sprintf("award/%s/fulfilled/%d", a.ID, n),
			Kind:           ledger.KindFulfilled, Actor: by, EffectiveAt: now, Data: data,
		}, nil)
		out = a
		return err
	})
	return out, err
}
