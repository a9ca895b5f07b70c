package payout

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/plex/bountypay/ledger"
	"github.com/plex/bountypay/models"
	"github.com/plex/bountypay/payout/paypal"
)

// itemMove is what an item status does to an award: its target state, the
// ledger kind and whether the attempt is settled for good.
type itemMove struct {
	to      models.AwardState
	kind    ledger.Kind
	settled bool
}

// itemMoves maps every PayPal item status to an award move. Statuses
// not listed (PENDING, NEW, unknown values) leave the award as it is.
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

// ItemStatusMoves returns, for every PayPal item status bountypay acts on,
// the award state it leads to (for documentation and tests).
func ItemStatusMoves() map[string]models.AwardState {
	out := make(map[string]models.AwardState, len(itemMoves))
	for k, v := range itemMoves {
		out[k] = v.to
	}
	return out
}

// AttemptsToPoll returns the attempts a reconcile pass reads from PayPal:
// every accepted attempt not polled within PollEvery, and a rate-limited
// slow sweep of paid items younger than WatchPaidFor not polled within
// WatchPaidEvery (PayPal can still refund or reverse them).
func (s *Sender) AttemptsToPoll(ctx context.Context) ([]models.Attempt, error) {
	now := s.now()
	var before time.Time
	if s.cfg.PollEvery > 0 {
		before = now.Add(-s.cfg.PollEvery)
	}
	open, err := s.store.AttemptsToPoll(ctx, before, 0)
	if err != nil {
		return nil, err
	}
	if s.cfg.WatchPaidFor < 0 {
		return open, nil
	}
	paid, err := s.store.PaidAttemptsToWatch(ctx, now.Add(-s.cfg.WatchPaidFor), now.Add(-s.cfg.WatchPaidEvery), s.cfg.WatchPaidLimit)
	if err != nil {
		return nil, err
	}
	return append(open, paid...), nil
}

// Poll reads an accepted (or paid, watched) attempt's batch from PayPal
// and applies its item's status to the award: the run's poll step, and
// `bountypay payout reconcile`. It returns the award state before and
// after. (Not to be confused with Audit, finance's read-only check of
// every attempt, or finance.CheckLedgerAgainstAttempts, which compares the
// ledger with the attempts without calling PayPal.)
func (s *Sender) Poll(ctx context.Context, att models.Attempt) (from, to models.AwardState, err error) {
	if s.pp == nil {
		return "", "", errors.New("payout: no PayPal client configured")
	}
	if att.PayoutBatchID == "" {
		return "", "", fmt.Errorf("reconcile %s: no PayPal batch bound: %w", att.SenderBatchID, models.ErrInvalid)
	}
	bs, err := s.pp.GetBatch(ctx, att.PayoutBatchID)
	if err != nil {
		s.noteRetryAfter(err)
		return "", "", fmt.Errorf("reconcile %s: %w", att.SenderBatchID, err)
	}
	polled := s.now()
	var item *paypal.ItemStatus
	for i := range bs.Items {
		if bs.Items[i].SenderItemID == att.SenderItemID {
			item = &bs.Items[i]
		}
	}
	if item == nil {
		if bs.Status == "DENIED" {
			return s.applyItem(ctx, att, paypal.ItemStatus{TransactionStatus: "DENIED", PayoutBatchID: bs.BatchID, SenderItemID: att.SenderItemID}, polled)
		}
		// Not processed yet.
		return "", "", s.store.MarkAttemptPolled(ctx, att.SenderBatchID, polled)
	}
	return s.applyItem(ctx, att, *item, polled)
}

// ApplyItemStatus moves the attempt's award by the item's status, read
// from PayPal by GET (a poll, or a verified webhook followed by a GET).
// Only legal forward moves apply; items of another batch or item id, and
// superseded attempts, are ignored. REFUNDED or REVERSED seen before
// SUCCESS records the payment first, then the reversal.
func (s *Sender) ApplyItemStatus(ctx context.Context, att models.Attempt, it paypal.ItemStatus) (models.AwardState, error) {
	_, to, err := s.applyItem(ctx, att, it, s.now())
	return to, err
}

// applyItem applies it in one transaction, recording the poll time.
func (s *Sender) applyItem(ctx context.Context, att models.Attempt, it paypal.ItemStatus, polled time.Time) (from, state models.AwardState, err error) {
	err = s.store.InTx(ctx, func(tx Tx) error {
		cur, a, err := tx.LockAttemptOf(att.AwardID, att.SenderBatchID)
		if err != nil {
			return err
		}
		if err := tx.MarkAttemptPolled(cur.SenderBatchID, polled); err != nil {
			return err
		}
		from, state = a.State, a.State
		switch {
		case a.Attempt != cur.Attempt:
			return nil // superseded by a newer attempt
		case cur.Channel != ChannelPayPal:
			return nil
		case cur.PayoutBatchID == "":
			return nil // not bound to a batch: adopt first
		case it.PayoutBatchID != "" && it.PayoutBatchID != cur.PayoutBatchID:
			s.log.WarnContext(ctx, "item of another batch ignored", slog.String("award_id", a.ID),
				slog.String("sender_batch_id", cur.SenderBatchID), slog.String("payout_batch_id", it.PayoutBatchID))
			return nil
		case it.SenderItemID != "" && it.SenderItemID != cur.SenderItemID:
			return nil
		case cur.PayoutItemID != "" && it.PayoutItemID != "" && it.PayoutItemID != cur.PayoutItemID:
			return nil
		}
		if it.PayoutItemID != "" {
			cur.PayoutItemID = it.PayoutItemID
		}
		if it.TransactionStatus != "" {
			cur.TransactionStatus = it.TransactionStatus
		}
		if it.Fee.Minor > 0 && it.Fee.Currency == cur.Currency {
			cur.FeeMinor = it.Fee.Minor
		}
		mv, known := itemMoves[it.TransactionStatus]
		if known && mv.settled && (cur.Status == models.AttemptAccepted || cur.Status == models.AttemptSettled) {
			cur.Status = models.AttemptSettled
		}
		if err := tx.SaveAttempt(&cur); err != nil {
			return err
		}
		if !known || a.State == mv.to {
			return nil
		}
		steps := []string{it.TransactionStatus}
		if mv.to == models.StateReversed && a.State != models.StatePaid {
			steps = []string{"SUCCESS", it.TransactionStatus} // the payment happened first
		}
		for _, st := range steps {
			m := itemMoves[st]
			if !models.CanTransition(a.State, m.to) {
				s.log.WarnContext(ctx, "item status does not move the award", slog.String("award_id", a.ID),
					slog.String("transaction_status", st), slog.String("state", string(a.State)))
				return nil
			}
			if err := s.move(tx, &a, &cur, st, m, it); err != nil {
				return err
			}
		}
		state = a.State
		return nil
	})
	if err == nil && state != from {
		s.log.DebugContext(ctx, "payout reconciled", slog.String("award_id", att.AwardID),
			slog.String("transaction_status", it.TransactionStatus), slog.String("state", string(state)))
		if state == models.StateReversed {
			s.log.ErrorContext(ctx, "paid award reversed by PayPal: finance must decide", slog.String("award_id", att.AwardID),
				slog.String("transaction_status", it.TransactionStatus))
		}
	}
	return from, state, err
}

// move applies one item status to the award inside tx.
func (s *Sender) move(tx Tx, a *models.Award, cur *models.Attempt, status string, mv itemMove, it paypal.ItemStatus) error {
	now := tx.Now()
	effective := now
	if !it.TimeProcessed.IsZero() && mv.kind == ledger.KindPaid && !it.TimeProcessed.After(now) {
		// Book at PayPal's processing time, so monthly statements match
		// PayPal's activity report; a payment processed in a month that
		// finance has sealed since goes into the open period instead.
		effective = it.TimeProcessed
		if sealed, err := tx.SealedThrough(); err != nil {
			return err
		} else if effective.Before(sealed) {
			effective = now
		}
	}
	reason := "PayPal " + status
	if it.ErrorName != "" && status == it.TransactionStatus {
		reason += ": " + it.ErrorName
	}
	switch mv.to {
	case models.StateUnclaimed:
		from := now
		if !it.TimeProcessed.IsZero() && it.TimeProcessed.Before(now) {
			from = it.TimeProcessed
		}
		reason += fmt.Sprintf("; PayPal holds the money for the receiver and returns it on %s unless claimed (bountypay payout cancel returns it now)",
			from.Add(UnclaimedReturnAfter).Format(time.DateOnly))
	case models.StateOnHold:
		reason += "; PayPal is reviewing the item: never re-sent automatically"
	case models.StateReversed:
		reason += " after SUCCESS: money came back; never paid again automatically, finance decides"
	case models.StateFailed, models.StateReturned:
		reason += "; no money moved: bountypay payout retry or award cancel"
	}
	return tx.Transition(a, mv.to, reason, ledger.Draft{
		IdempotencyKey: fmt.Sprintf("award/%s/%s/%s/v%d", a.ID, status, cur.SenderBatchID, a.Version),
		Kind:           mv.kind, Actor: s.cfg.Actor, EffectiveAt: effective,
		Data: map[string]string{"sender_batch_id": cur.SenderBatchID, "payout_batch_id": cur.PayoutBatchID,
			"payout_item_id": cur.PayoutItemID, "transaction_status": status,
			"fee": fmt.Sprint(cur.FeeMinor), "error": it.ErrorName, "time_processed": timeText(it.TimeProcessed)},
	}, nil)
}

func timeText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}
