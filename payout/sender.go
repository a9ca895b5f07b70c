package payout

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/plex/bountypay/ledger"
	"github.com/plex/bountypay/models"
	"github.com/plex/bountypay/payout/paypal"
	"github.com/plex/bountypay/store"
)

// PayPal is what the sender needs from PayPal Payouts.
type PayPal interface {
	CreateBatch(ctx context.Context, b paypal.Batch) (paypal.Created, error)
	GetBatch(ctx context.Context, batchID string) (paypal.BatchStatus, error)
	CancelItem(ctx context.Context, itemID string) (paypal.ItemStatus, error)
}

var _ PayPal = (*paypal.Client)(nil)

// Defaults.
const (
	// DefaultResendHorizon is how long after the first submission an
	// attempt whose outcome is unknown may still be re-sent automatically;
	// PayPal deduplicates sender_batch_id for 30 days.
	DefaultResendHorizon = 20 * 24 * time.Hour
	// DefaultActor is the ledger actor of the worker's own entries.
	DefaultActor = "bountypay"
)

// Config configures a Sender.
type Config struct {
	Actor         string
	ResendHorizon time.Duration
	EmailSubject  string
	EmailMessage  string
	NowFunc       func() time.Time
	Logger        *slog.Logger
}

// Sender sends awards and reconciles attempts.
type Sender struct {
	cfg   Config
	store *store.Store
	pp    PayPal
	log   *slog.Logger
	now   func() time.Time
}

// NewSender returns a sender. pp may be nil when only passes are granted.
func NewSender(cfg Config, st *store.Store, pp PayPal) *Sender {
	cfg.Actor = cmp.Or(cfg.Actor, DefaultActor)
	cfg.ResendHorizon = cmp.Or(cfg.ResendHorizon, DefaultResendHorizon)
	cfg.EmailSubject = cmp.Or(cfg.EmailSubject, "Your Plex security bounty")
	cfg.EmailMessage = cmp.Or(cfg.EmailMessage, "Thank you for helping keep Plex secure.")
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	now := cfg.NowFunc
	if now == nil {
		now = time.Now
	}
	return &Sender{cfg: cfg, store: st, pp: pp, log: log, now: func() time.Time { return now().UTC() }}
}

// SenderBatchID is the deterministic PayPal sender_batch_id of an award's
// attempt n: the same on every retry of that attempt, different for the
// next attempt.
func SenderBatchID(awardID string, n int) string {
	return fmt.Sprintf("bp-%s-a%d", shortID(awardID, 200), n)
}

// SenderItemID is the award's PayPal sender_item_id (at most 63 bytes).
func SenderItemID(awardID string) string { return shortID(awardID, 63) }

// shortID keeps readable ids that fit; longer or unusual ones become a hash.
func shortID(id string, max int) string {
	ok := len(id) <= max
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("-_./", r)) {
			ok = false
			break
		}
	}
	if ok {
		return id
	}
	h := sha256.Sum256([]byte(id))
	return "h" + hex.EncodeToString(h[:])[:40]
}

// Outcome says what happened to one award in a send or reconcile step.
type Outcome string

// The outcomes.
const (
	OutcomeAccepted Outcome = "accepted" // PayPal holds the batch
	OutcomeUnknown  Outcome = "unknown"  // answer lost; will resend identically
	OutcomeDeferred Outcome = "deferred" // refused for an operator reason; retry later
	OutcomeFailed   Outcome = "failed"   // PayPal confirmed nothing was created
	OutcomeManual   Outcome = "manual"   // finance must reconcile
	OutcomeGranted  Outcome = "granted"
	OutcomeNoStock  Outcome = "no_stock" // no pass code left
	OutcomeSkipped  Outcome = "skipped"
)

// StartMoney writes an attempt ahead for a cleared money award: the
// attempt row with its frozen request, the award moved to sending, and the
// ledger entry moving the amount from payable to in flight, in one
// transaction. It returns the attempt to submit.
func (s *Sender) StartMoney(ctx context.Context, awardID string) (store.Attempt, error) {
	var att store.Attempt
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		a, err := tx.Award(awardID)
		if err != nil {
			return err
		}
		if a.Kind != models.AwardMoney {
			return fmt.Errorf("award %s is %s, not money: %w", a.ID, a.Kind, models.ErrInvalid)
		}
		if a.State != models.StateCleared {
			return fmt.Errorf("award %s is %s, not cleared: %w", a.ID, a.State, models.ErrConflict)
		}
		r, err := tx.Researcher(a.ResearcherID)
		if err != nil {
			return err
		}
		if r.PayPalReceiver == "" {
			return fmt.Errorf("award %s: researcher %s has no PayPal receiver: %w", a.ID, r.ID, models.ErrInvalid)
		}
		if _, err := paypal.FormatAmount(a.Amount); err != nil {
			return fmt.Errorf("award %s: %w", a.ID, err)
		}
		n := a.Attempt + 1
		batch := paypal.Batch{
			SenderBatchID: SenderBatchID(a.ID, n),
			EmailSubject:  s.cfg.EmailSubject,
			EmailMessage:  s.cfg.EmailMessage,
			Items: []paypal.Item{{
				SenderItemID:  SenderItemID(a.ID),
				Receiver:      r.PayPalReceiver,
				RecipientType: paypal.RecipientEmail,
				Amount:        a.Amount,
				Note:          "Plex security bounty " + shortID(a.ReportID, 60),
			}},
		}
		req, err := json.Marshal(batch)
		if err != nil {
			return err
		}
		att = store.Attempt{
			SenderBatchID: batch.SenderBatchID, AwardID: a.ID, Attempt: n, Channel: "paypal",
			SenderItemID: batch.Items[0].SenderItemID, Receiver: r.PayPalReceiver,
			AmountMinor: a.Amount.Minor, Currency: a.Amount.Currency, Request: string(req),
			Status: store.AttemptPending,
		}
		if err := tx.InsertAttempt(&att); err != nil {
			return err
		}
		return tx.Transition(&a, models.StateSending, "", ledger.Draft{
			IdempotencyKey: "award/" + a.ID + "/send/" + batch.SenderBatchID,
			Kind:           ledger.KindSendStarted,
			Actor:          s.cfg.Actor,
			EffectiveAt:    tx.Now(),
			Postings:       ledger.SendPostings(&a),
			Data:           map[string]string{"sender_batch_id": batch.SenderBatchID, "attempt": fmt.Sprint(n)},
		}, func(a *models.Award) { a.Attempt = n })
	})
	return att, err
}

// Submit sends an attempt's frozen request to PayPal and records what the
// answer proves. It is safe to call any number of times for one attempt:
// PayPal deduplicates the sender_batch_id.
func (s *Sender) Submit(ctx context.Context, att store.Attempt) (Outcome, error) {
	if s.pp == nil {
		return OutcomeSkipped, errors.New("payout: no PayPal client configured")
	}
	var batch paypal.Batch
	if err := json.Unmarshal([]byte(att.Request), &batch); err != nil {
		return s.manual(ctx, att, "frozen request unreadable: "+err.Error())
	}
	now := s.now()
	if att.FirstSubmittedAt != nil && now.Sub(*att.FirstSubmittedAt) > s.cfg.ResendHorizon {
		return s.manual(ctx, att, fmt.Sprintf("outcome unknown since %s, beyond the %s automatic resend horizon: reconcile with PayPal by hand",
			att.FirstSubmittedAt.Format(time.RFC3339), s.cfg.ResendHorizon))
	}
	if att.FirstSubmittedAt == nil {
		att.FirstSubmittedAt = &now
	}
	att.LastSubmittedAt = &now
	att.Submissions++
	// Record the submission before the call: a crash now leaves a pending
	// attempt that the next run resends identically.
	if err := s.store.SaveAttempt(ctx, &att); err != nil {
		return OutcomeSkipped, err
	}
	created, err := s.pp.CreateBatch(ctx, batch)
	var apiErr *paypal.APIError
	switch {
	case err == nil && !created.Duplicate:
		return s.accept(ctx, att, created.BatchID, "")
	case err == nil && created.Duplicate:
		return s.adopt(ctx, att, created.BatchID)
	case errors.Is(err, paypal.ErrDuplicateNoLink):
		return s.manual(ctx, att, "PayPal says the batch exists but gives no link to it")
	case errors.As(err, &apiErr) && apiErr.OperatorProblem():
		att.Status, att.LastError = store.AttemptDeferred, errText(err)
		s.log.WarnContext(ctx, "payout deferred", slog.String("award_id", att.AwardID),
			slog.String("sender_batch_id", att.SenderBatchID), slog.String("paypal_error", apiErr.Name))
		return OutcomeDeferred, s.store.SaveAttempt(ctx, &att)
	case errors.Is(err, models.ErrInvalid):
		return s.rejected(ctx, att, errText(err))
	default:
		att.Status, att.LastError = store.AttemptUnknown, errText(err)
		s.log.WarnContext(ctx, "payout outcome unknown", slog.String("award_id", att.AwardID),
			slog.String("sender_batch_id", att.SenderBatchID), slog.Int("submissions", att.Submissions))
		return OutcomeUnknown, s.store.SaveAttempt(ctx, &att)
	}
}

// adopt accepts a batch a duplicate answer points to, once its items are
// exactly the attempt's.
func (s *Sender) adopt(ctx context.Context, att store.Attempt, batchID string) (Outcome, error) {
	bs, err := s.pp.GetBatch(ctx, batchID)
	if err != nil {
		att.Status, att.LastError = store.AttemptUnknown, "duplicate answer; linked batch unreadable: "+errText(err)
		return OutcomeUnknown, s.store.SaveAttempt(ctx, &att)
	}
	var batch paypal.Batch
	if err := json.Unmarshal([]byte(att.Request), &batch); err != nil {
		return s.manual(ctx, att, "frozen request unreadable: "+err.Error())
	}
	if err := bs.Matches(batch); err != nil {
		return s.manual(ctx, att, "duplicate answer links a batch that does not match the attempt: "+err.Error())
	}
	return s.accept(ctx, att, batchID, "adopted through duplicate answer")
}

func (s *Sender) accept(ctx context.Context, att store.Attempt, batchID, note string) (Outcome, error) {
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		cur, err := tx.Attempt(att.SenderBatchID)
		if err != nil {
			return err
		}
		if cur.PayoutBatchID != "" && cur.PayoutBatchID != batchID {
			return fmt.Errorf("attempt %s already bound to batch %s, PayPal now says %s: %w", att.SenderBatchID, cur.PayoutBatchID, batchID, models.ErrConflict)
		}
		att.Status, att.PayoutBatchID, att.LastError = store.AttemptAccepted, batchID, ""
		if err := tx.SaveAttempt(&att); err != nil {
			return err
		}
		a, err := tx.Award(att.AwardID)
		if err != nil {
			return err
		}
		if a.State != models.StateSending || a.Attempt != att.Attempt {
			return nil // already moved on (another worker, a webhook)
		}
		return tx.Transition(&a, models.StateSent, note, ledger.Draft{
			IdempotencyKey: "award/" + a.ID + "/sent/" + att.SenderBatchID,
			Actor:          s.cfg.Actor, EffectiveAt: tx.Now(),
			Data: map[string]string{"sender_batch_id": att.SenderBatchID, "payout_batch_id": batchID},
		}, nil)
	})
	if err != nil {
		return OutcomeSkipped, err
	}
	s.log.InfoContext(ctx, "payout accepted", slog.String("award_id", att.AwardID),
		slog.String("sender_batch_id", att.SenderBatchID), slog.String("payout_batch_id", batchID))
	return OutcomeAccepted, nil
}

// rejected records PayPal's definitive refusal: nothing was created, the
// money returns to payable and the award is failed for finance to fix.
func (s *Sender) rejected(ctx context.Context, att store.Attempt, why string) (Outcome, error) {
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		att.Status, att.LastError = store.AttemptRejected, why
		if err := tx.SaveAttempt(&att); err != nil {
			return err
		}
		a, err := tx.Award(att.AwardID)
		if err != nil {
			return err
		}
		if a.State != models.StateSending || a.Attempt != att.Attempt {
			return nil
		}
		return tx.Transition(&a, models.StateFailed, "PayPal refused the payout: "+why, ledger.Draft{
			IdempotencyKey: "award/" + a.ID + "/void/" + att.SenderBatchID,
			Kind:           ledger.KindSendVoided, Actor: s.cfg.Actor, EffectiveAt: tx.Now(),
			Postings: ledger.VoidPostings(&a),
			Data:     map[string]string{"sender_batch_id": att.SenderBatchID},
		}, nil)
	})
	if err != nil {
		return OutcomeSkipped, err
	}
	return OutcomeFailed, nil
}

// manual hands the attempt to finance: the award waits in
// needs_reconciliation and is never re-sent automatically.
func (s *Sender) manual(ctx context.Context, att store.Attempt, why string) (Outcome, error) {
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		att.Status, att.LastError = store.AttemptManual, why
		if err := tx.SaveAttempt(&att); err != nil {
			return err
		}
		a, err := tx.Award(att.AwardID)
		if err != nil {
			return err
		}
		if a.Attempt != att.Attempt || !models.CanTransition(a.State, models.StateNeedsReconciliation) {
			return nil
		}
		return tx.Transition(&a, models.StateNeedsReconciliation, why, ledger.Draft{
			IdempotencyKey: "award/" + a.ID + "/manual/" + att.SenderBatchID,
			Actor:          s.cfg.Actor, EffectiveAt: tx.Now(),
			Data: map[string]string{"sender_batch_id": att.SenderBatchID},
		}, nil)
	})
	if err != nil {
		return OutcomeSkipped, err
	}
	s.log.ErrorContext(ctx, "payout needs manual reconciliation", slog.String("award_id", att.AwardID),
		slog.String("sender_batch_id", att.SenderBatchID))
	return OutcomeManual, nil
}

// GrantPass gives a cleared pass award one code from the pool, exactly
// once: award, code and ledger change in one transaction.
func (s *Sender) GrantPass(ctx context.Context, awardID string) (Outcome, error) {
	out := OutcomeGranted
	err := s.store.InTx(ctx, func(tx *store.Tx) error {
		a, err := tx.Award(awardID)
		if err != nil {
			return err
		}
		if a.Kind != models.AwardPlexPass || a.State != models.StateCleared {
			out = OutcomeSkipped
			return nil
		}
		codeID, _, err := tx.AssignPassCode(a.ID)
		if errors.Is(err, models.ErrNotFound) {
			out = OutcomeNoStock
			return nil
		}
		if err != nil {
			return err
		}
		n := a.Attempt + 1
		now := tx.Now()
		if err := tx.Transition(&a, models.StateSending, "", ledger.Draft{
			IdempotencyKey: fmt.Sprintf("award/%s/grant-start/%d", a.ID, n),
			Actor:          s.cfg.Actor, EffectiveAt: now,
		}, func(a *models.Award) { a.Attempt = n }); err != nil {
			return err
		}
		return tx.Transition(&a, models.StateGranted, "", ledger.Draft{
			IdempotencyKey: fmt.Sprintf("award/%s/granted/%d", a.ID, n),
			Kind:           ledger.KindGranted, Actor: s.cfg.Actor, EffectiveAt: now,
			Postings: ledger.GrantedPostings(&a),
			Data:     map[string]string{"pass_code_id": fmt.Sprint(codeID), "channel": "pass_code"},
		}, nil)
	})
	return out, err
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	s := err.Error()
	if len(s) > 500 {
		s = s[:500]
	}
	return s
}
