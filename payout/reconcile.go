package payout

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"github.com/plex/bountypay/ledger"
	"github.com/plex/bountypay/models"
	"github.com/plex/bountypay/payout/paypal"
	"github.com/plex/bountypay/store"
)

// itemMove is what an item status does to an award: its target state, the
// ledger kind and whether the attempt is settled for good.
type itemMove struct {
	to      models.AwardState
	kind    ledger.Kind
	settled bool
}

// itemMoves maps every PayPal item status to an award move. Statuses not
// listed (PENDING, NEW, unknown values) leave the award as it is.
var itemMoves = map[string]itemMove{
	"SUCCESS":   {models.StatePaid, ledger.KindPaid, true},
	"UNCLAIMED": {models.StateUnclaimed, ledger.KindStateChanged, false},
	"ONHOLD":    {models.StateOnHold, ledger.KindStateChanged, false},
	"BLOCKED":   {models.StateOnHold, ledger.KindStateChanged, false},
	"FAILED":    {models.StateFailed, ledger.KindSendVoided, true},
	"DENIED":    {models.StateFailed, ledger.KindSendVoided, true},
	"RETURNED":  {models.StateReturned, ledger.KindSendVoided, true},
	"REFUNDED":  {models.StateReversed, ledger.KindReversed, true},
	"REVERSED":  {models.StateReversed, ledger.KindReversed, true},
}

// Reconcile reads an accepted attempt's batch from PayPal and applies its
// item's status to the award. It returns the award state afterwards.
func (s *Sender) Reconcile(ctx context.Context, att store.Attempt) (models.AwardState, error) {
	if s.pp == nil {
		return "", errors.New("payout: no PayPal client configured")
	}
	bs, err := s.pp.GetBatch(ctx, att.PayoutBatchID)
	if err != nil {
		return "", fmt.Errorf("reconcile %s: %w", att.SenderBatchID, err)
	}
	var item *paypal.ItemStatus
	for i := range bs.Items {
		if bs.Items[i].SenderItemID == att.SenderItemID {
			item = &bs.Items[i]
		}
	}
	if item == nil {
		if bs.Status == "DENIED" {
			return s.ApplyItemStatus(ctx, att, paypal.ItemStatus{TransactionStatus: "DENIED", PayoutBatchID: bs.BatchID})
		}
		return "", nil // not processed yet
	}
	return s.ApplyItemStatus(ctx, att, *item)
}

// ApplyItemStatus moves the attempt's award by the item's status (from a
// GET or a verified webhook followed by a GET). Only legal forward moves
// apply; superseded attempts are ignored.
func (s *Sender) ApplyItemStatus(ctx context.Context, att store.Attempt, it paypal.ItemStatus) (models.AwardState, error) {
	var state models.AwardState
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		cur, err := tx.Attempt(att.SenderBatchID)
		if err != nil {
			return err
		}
		a, err := tx.Award(cur.AwardID)
		if err != nil {
			return err
		}
		state = a.State
		if a.Attempt != cur.Attempt {
			return nil // superseded by a newer attempt
		}
		if it.PayoutItemID != "" {
			cur.PayoutItemID = it.PayoutItemID
		}
		cur.TransactionStatus = it.TransactionStatus
		if it.Fee.Minor > 0 && it.Fee.Currency == cur.Currency {
			cur.FeeMinor = it.Fee.Minor
		}
		mv, known := itemMoves[it.TransactionStatus]
		if !known || a.State == mv.to || !models.CanTransition(a.State, mv.to) {
			return tx.SaveAttempt(&cur)
		}
		if mv.settled {
			cur.Status = store.AttemptSettled
		}
		if err := tx.SaveAttempt(&cur); err != nil {
			return err
		}
		var postings []ledger.Posting
		switch mv.kind {
		case ledger.KindPaid:
			postings = ledger.PaidPostings(&a, cur.FeeMinor)
		case ledger.KindSendVoided:
			postings = ledger.VoidPostings(&a)
		case ledger.KindReversed:
			postings = ledger.ReversedPostings(&a)
		}
		effective := tx.Now()
		if !it.TimeProcessed.IsZero() && mv.kind == ledger.KindPaid {
			effective = it.TimeProcessed
		}
		reason := ""
		if it.ErrorName != "" {
			reason = "PayPal " + it.TransactionStatus + ": " + it.ErrorName
		}
		if err := tx.Transition(&a, mv.to, reason, ledger.Draft{
			IdempotencyKey: fmt.Sprintf("award/%s/%s/%s", a.ID, it.TransactionStatus, cur.SenderBatchID),
			Kind:           mv.kind, Actor: s.cfg.Actor, EffectiveAt: effective, Postings: postings,
			Data: map[string]string{"sender_batch_id": cur.SenderBatchID, "payout_batch_id": cur.PayoutBatchID,
				"payout_item_id": cur.PayoutItemID, "transaction_status": it.TransactionStatus,
				"fee": fmt.Sprint(cur.FeeMinor)},
		}, nil); err != nil {
			return err
		}
		state = a.State
		return nil
	})
	if err == nil && state != "" {
		s.log.DebugContext(ctx, "payout reconciled", slog.String("award_id", att.AwardID),
			slog.String("transaction_status", it.TransactionStatus), slog.String("state", string(state)))
	}
	return state, err
}
