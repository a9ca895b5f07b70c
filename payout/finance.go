package payout

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"

	"github.com/plex/bountypay/ledger"
	"github.com/plex/bountypay/models"
	"github.com/plex/bountypay/payout/paypal"
	"github.com/plex/bountypay/store"
)

// What finance does by hand: retry a payout PayPal confirmed did not move
// money, cancel an unclaimed one, and settle an attempt no machine could.

// RetryOptions are the choices of Retry.
type RetryOptions struct {
	// By is the person deciding (ledger actor). Required.
	By string
	// Reason is recorded with the decision.
	Reason string
	// Rescreen sends the award back to screening (ready_to_screen) instead
	// of straight to cleared: the next run screens the payee against the
	// current list before the new attempt.
	Rescreen bool
}

// Retry allows a new attempt for a failed or returned award (PayPal
// confirmed no money moved, or it came back): the award moves to cleared
// (or ready_to_screen), and the next run makes attempt n+1 with a new
// sender_batch_id. Errors: models.ErrInvalid without a person, models.ErrConflict
// when the award is in another state.
func (s *Sender) Retry(ctx context.Context, awardID string, o RetryOptions) (models.Award, error) {
	if strings.TrimSpace(o.By) == "" {
		return models.Award{}, fmt.Errorf("retry %s: who decides (--by) is required: %w", awardID, models.ErrInvalid)
	}
	var out models.Award
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		a, err := tx.Award(awardID)
		if err != nil {
			return err
		}
		if a.State != models.StateFailed && a.State != models.StateReturned {
			return fmt.Errorf("award %s is %s: only failed or returned awards can be retried: %w", a.ID, a.State, models.ErrConflict)
		}
		if a.Attempt > 0 {
			atts, err := tx.AttemptsForAward(a.ID)
			if err != nil {
				return err
			}
			for _, at := range atts {
				if at.Attempt == a.Attempt && (at.Status.Open() || at.Status == store.AttemptAccepted || at.Status == store.AttemptManual) {
					return fmt.Errorf("award %s: attempt %d is %s, not final: %w", a.ID, at.Attempt, at.Status, models.ErrConflict)
				}
			}
		}
		to := models.StateCleared
		if o.Rescreen {
			to = models.StateReadyToScreen
		}
		reason := "retry allowed by " + o.By
		if o.Reason != "" {
			reason += ": " + o.Reason
		}
		if err := tx.Transition(&a, to, reason, ledger.Draft{
			IdempotencyKey: fmt.Sprintf("award/%s/retry/%d", a.ID, a.Attempt),
			Kind:           ledger.KindStateChanged, Actor: o.By, EffectiveAt: tx.Now(),
			Data: map[string]string{"after_attempt": fmt.Sprint(a.Attempt)},
		}, nil); err != nil {
			return err
		}
		out = a
		return nil
	})
	return out, err
}

// CancelUnclaimed asks PayPal to cancel the award's unclaimed item (the
// money returns to the sender) and reconciles the item, which then reads
// RETURNED: the award is returned and finance can retry (another
// receiver) or cancel it. The request is recorded in the ledger with the
// person first. It returns the award state afterwards. Errors:
// models.ErrConflict when the award is not unclaimed or PayPal refuses
// (the item was claimed meanwhile: reconciled to paid), models.ErrTransient
// when PayPal's answer was lost (run it again: cancelling twice is
// harmless).
func (s *Sender) CancelUnclaimed(ctx context.Context, awardID, by string) (models.AwardState, error) {
	if strings.TrimSpace(by) == "" {
		return "", fmt.Errorf("cancel %s: who decides (--by) is required: %w", awardID, models.ErrInvalid)
	}
	if s.pp == nil {
		return "", errors.New("payout: no PayPal client configured")
	}
	var att store.Attempt
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		a, err := tx.Award(awardID)
		if err != nil {
			return err
		}
		if a.State != models.StateUnclaimed {
			return fmt.Errorf("award %s is %s: only unclaimed payouts can be cancelled at PayPal: %w", a.ID, a.State, models.ErrConflict)
		}
		att, err = tx.CurrentAttempt(a.ID, a.Attempt)
		if err != nil {
			return err
		}
		if att.PayoutItemID == "" {
			return fmt.Errorf("award %s: attempt %s has no PayPal item id yet: %w", a.ID, att.SenderBatchID, models.ErrConflict)
		}
		_, _, err = tx.Append(ledger.Draft{
			IdempotencyKey: "award/" + a.ID + "/cancel-requested/" + att.SenderBatchID,
			Kind:           ledger.KindStateChanged, AwardID: a.ID, Actor: by, EffectiveAt: tx.Now(),
			Data: map[string]string{"action": "cancel unclaimed PayPal item", "payout_item_id": att.PayoutItemID,
				"sender_batch_id": att.SenderBatchID},
		})
		return err
	})
	if err != nil {
		return "", err
	}
	_, cerr := s.pp.CancelItem(ctx, att.PayoutItemID)
	var it paypal.ItemStatus
	switch {
	case cerr == nil, errors.Is(cerr, paypal.ErrItemAlreadyCancelled), errors.Is(cerr, paypal.ErrItemIncorrectStatus):
		// Read the item for the truth in every case.
		got, err := s.pp.GetItem(ctx, att.PayoutItemID)
		if err != nil {
			return "", fmt.Errorf("cancel %s: PayPal answered, reading the item failed (run again): %w", awardID, err)
		}
		it = got
	default:
		return "", fmt.Errorf("cancel %s: %w", awardID, cerr)
	}
	_, to, err := s.applyItem(ctx, att, it, s.now())
	if err != nil {
		return "", err
	}
	if errors.Is(cerr, paypal.ErrItemIncorrectStatus) && to != models.StateReturned {
		return to, fmt.Errorf("cancel %s: PayPal refused, the item is %s: %w", awardID, it.TransactionStatus, models.ErrConflict)
	}
	s.log.InfoContext(ctx, "unclaimed payout cancelled", slog.String("award_id", awardID),
		slog.String("payout_item_id", att.PayoutItemID), slog.String("state", string(to)))
	return to, nil
}

// ResolveOptions say how finance settled an attempt in manual
// reconciliation.
type ResolveOptions struct {
	By string
	// PayoutBatchID is the batch finance found for the attempt (PayPal
	// activity, Transaction Search): it is read and compared with the
	// frozen request, bound to the attempt and reconciled like any other.
	PayoutBatchID string
	// NothingSent asserts, after checking PayPal, that no batch exists for
	// the attempt's sender_batch_id: the attempt is closed and the award
	// fails, so that it can be retried. Use with care.
	NothingSent bool
	Reason      string
}

// Resolve settles an award in needs_reconciliation. Errors:
// models.ErrInvalid for contradictory options, models.ErrConflict when the
// award is in another state or the batch does not match the attempt.
func (s *Sender) Resolve(ctx context.Context, awardID string, o ResolveOptions) (models.AwardState, error) {
	if strings.TrimSpace(o.By) == "" || (o.PayoutBatchID == "") == !o.NothingSent {
		return "", fmt.Errorf("resolve %s: give --by and exactly one of --batch or --nothing-sent: %w", awardID, models.ErrInvalid)
	}
	a, err := s.store.Award(ctx, awardID)
	if err != nil {
		return "", err
	}
	if a.State != models.StateNeedsReconciliation {
		return "", fmt.Errorf("award %s is %s, not needs_reconciliation: %w", a.ID, a.State, models.ErrConflict)
	}
	att, err := s.store.CurrentAttempt(ctx, a.ID, a.Attempt)
	if err != nil {
		return "", err
	}
	if o.NothingSent {
		err := s.store.InTx(ctx, func(tx *store.Tx) error {
			cur, a, err := tx.LockAttemptOf(att.AwardID, att.SenderBatchID)
			if err != nil {
				return err
			}
			if a.State != models.StateNeedsReconciliation || a.Attempt != cur.Attempt {
				return fmt.Errorf("award %s changed meanwhile: %w", a.ID, models.ErrConflict)
			}
			cur.Status, cur.LastError = store.AttemptRejected, "no batch at PayPal, confirmed by "+o.By+": "+o.Reason
			if err := tx.SaveAttempt(&cur); err != nil {
				return err
			}
			d := ledger.Draft{
				IdempotencyKey: "award/" + a.ID + "/resolved-void/" + cur.SenderBatchID,
				Kind:           ledger.KindSendVoided, Actor: o.By, EffectiveAt: tx.Now(), Postings: ledger.VoidPostings(&a),
				Data: map[string]string{"sender_batch_id": cur.SenderBatchID, "reason": o.Reason},
			}
			if cur.Channel == ChannelEntitlement {
				d.Kind, d.Postings = ledger.KindStateChanged, nil
			}
			return tx.Transition(&a, models.StateFailed, "nothing was sent, confirmed by "+o.By, d, nil)
		})
		if err != nil {
			return "", err
		}
		return models.StateFailed, nil
	}
	if s.pp == nil {
		return "", errors.New("payout: no PayPal client configured")
	}
	var batch paypal.Batch
	if err := json.Unmarshal([]byte(att.Request), &batch); err != nil {
		return "", fmt.Errorf("attempt %s: frozen request unreadable: %w", att.SenderBatchID, err)
	}
	bs, err := s.pp.GetBatch(ctx, o.PayoutBatchID)
	if err != nil {
		return "", err
	}
	if err := bs.Matches(batch); err != nil {
		return "", err
	}
	if _, err := s.accept(ctx, att, o.PayoutBatchID, "batch identified by "+o.By); err != nil {
		return "", err
	}
	att, err = s.store.Attempt(ctx, att.SenderBatchID)
	if err != nil {
		return "", err
	}
	_, to, err := s.Reconcile(ctx, att)
	if err != nil {
		return models.StateSent, fmt.Errorf("batch bound; reconcile failed (the next run retries): %w", err)
	}
	if to == "" {
		to = models.StateSent
	}
	return to, nil
}
