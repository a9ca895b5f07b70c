package store

import (
	"context"
	"fmt"
	"strings"

	"github.com/plex/bountypay/ledger"
	"github.com/plex/bountypay/models"
)

// Corrections by finance: an award is never edited in place without a
// ledger entry naming who and why. Cancelling reverses the reserve;
// adjusting books the difference; both only while no value has left.

// AwardPosition is where an award's value sits, from its own ledger
// entries: how much its researcher is owed for it (payable), how much is
// with PayPal (in flight), and how much was blocked, paid or granted.
type AwardPosition struct {
	Asset    string
	Payable  int64 // credit balance of liability:payable:<researcher> from this award's entries
	InFlight int64 // credit balance of liability:paypal-in-flight
	Blocked  int64
	Paid     int64 // to asset:paypal, net of reversals, without fees
	Granted  int64 // passes and other rewards handed over
	Fees     int64
}

// AwardPosition sums the award's entries.
func (tx *Tx) AwardPosition(a *models.Award) (AwardPosition, error) {
	var rows []ledgerRow
	if err := tx.db.Where("award_id = ?", a.ID).Order("seq").Find(&rows).Error; err != nil {
		return AwardPosition{}, fmt.Errorf("ledger of %s: %w", a.ID, err)
	}
	p := AwardPosition{Asset: a.Asset()}
	for _, r := range rows {
		e, err := r.entry()
		if err != nil {
			return AwardPosition{}, fmt.Errorf("ledger entry %d: %w", r.Seq, err)
		}
		p.add(e.Postings, a.ResearcherID)
	}
	return p, nil
}

func (p *AwardPosition) add(ps []ledger.Posting, researcherID string) {
	payable, blocked := ledger.Payable(researcherID), ledger.Blocked(researcherID)
	for _, x := range ps {
		if x.Asset != p.Asset {
			continue
		}
		credit := func(acct string) int64 {
			switch acct {
			case x.Credit:
				return x.Amount
			case x.Debit:
				return -x.Amount
			}
			return 0
		}
		p.Payable += credit(payable)
		p.InFlight += credit(ledger.AccountInFlight)
		p.Blocked += credit(blocked)
		if x.Debit == ledger.AccountPayPalFees {
			p.Fees += x.Amount
			continue
		}
		p.Paid += credit(ledger.AccountPayPal)
		p.Granted += credit(ledger.AccountPassCodes) + credit(ledger.AccountOtherRewards)
	}
}

func needWhoAndWhy(what, id, by, reason string) error {
	if strings.TrimSpace(by) == "" {
		return fmt.Errorf("%s %s: who decides (--by) is required: %w", what, id, models.ErrInvalid)
	}
	if strings.TrimSpace(reason) == "" {
		return fmt.Errorf("%s %s: a reason (--reason) is required: %w", what, id, models.ErrInvalid)
	}
	return nil
}

// CancelAward withdraws an award: allowed from the states the transition
// table lets go to cancelled. What the researcher is still owed for it
// goes back to expense:bounties. Errors: models.ErrInvalid without a
// person or reason, a *models.TransitionError from another state,
// models.ErrConflict while money is with PayPal.
func (s *Store) CancelAward(ctx context.Context, id, by, reason string) (models.Award, error) {
	if err := needWhoAndWhy("cancel", id, by, reason); err != nil {
		return models.Award{}, err
	}
	var out models.Award
	err := s.InTx(ctx, func(tx *Tx) error {
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

// AdjustAward changes a money award's amount before it is sent (pending,
// awaiting_approval, ready_to_screen, cleared) with a correction entry
// that books the difference between expense:bounties and the payable.
// Approvals are bound to the old amount and no longer count: an award
// past approval goes back to awaiting_approval, and the next run decides
// again whether it needs approvals. Errors: models.ErrInvalid (no
// person or reason, not money, other currency, not positive, unchanged),
// models.ErrConflict from any other state.
func (s *Store) AdjustAward(ctx context.Context, id string, amount models.Money, by, reason string) (models.Award, error) {
	if err := needWhoAndWhy("adjust", id, by, reason); err != nil {
		return models.Award{}, err
	}
	var out models.Award
	err := s.InTx(ctx, func(tx *Tx) error {
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
			err = tx.updateInPlace(&a, why, d, setAmount)
		default:
			return fmt.Errorf("award %s is %s: amounts can change only before sending (and not while held by compliance): %w",
				a.ID, a.State, models.ErrConflict)
		}
		out = a
		return err
	})
	return out, err
}

// updateInPlace changes an award's fields without a state change, with
// the same optimistic lock and ledger entry as Transition.
func (tx *Tx) updateInPlace(a *models.Award, reason string, d ledger.Draft, mutate func(*models.Award)) error {
	next := *a
	next.Reason, next.Version, next.UpdatedAt = reason, a.Version+1, tx.Now()
	mutate(&next)
	res := tx.db.Model(&awardRow{}).Where("id = ? AND state = ? AND version = ?", a.ID, a.State, a.Version).
		Updates(map[string]any{"reason": reason, "version": next.Version, "updated_at": next.UpdatedAt,
			"amount_minor": next.Amount.Minor, "currency": next.Amount.Currency, "description": next.Description})
	if res.Error != nil {
		return translate(res.Error, "update award "+a.ID)
	}
	if res.RowsAffected != 1 {
		return fmt.Errorf("award %s changed concurrently: %w", a.ID, models.ErrConflict)
	}
	d.AwardID = a.ID
	if d.Data == nil {
		d.Data = map[string]string{}
	}
	d.Data["state"], d.Data["reason"] = string(a.State), reason
	if _, _, err := tx.Append(d); err != nil {
		return err
	}
	*a = next
	return nil
}

// FulfilAward records that an "other" reward (swag) was handed over:
// cleared → sending → fulfilled, consuming it from stock. Errors:
// models.ErrInvalid without a person or for other kinds, a
// *models.TransitionError when it is not cleared.
func (s *Store) FulfilAward(ctx context.Context, id, by, note string) (models.Award, error) {
	if strings.TrimSpace(by) == "" {
		return models.Award{}, fmt.Errorf("fulfil %s: who handed it over (--by) is required: %w", id, models.ErrInvalid)
	}
	var out models.Award
	err := s.InTx(ctx, func(tx *Tx) error {
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
