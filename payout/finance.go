package payout

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/plex/bountypay/ledger"
	"github.com/plex/bountypay/models"
	"github.com/plex/bountypay/payout/paypal"
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
	err := s.store.InTx(ctx, func(tx Tx) error {
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
				if at.Attempt == a.Attempt && (at.Status.Open() || at.Status == models.AttemptAccepted || at.Status == models.AttemptManual) {
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
	var att models.Attempt
	err := s.store.InTx(ctx, func(tx Tx) error {
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

// PayPal remembers a sender_batch_id for PayPalDedupeWindow after the batch
// was created: within it, the identical request sent again is answered
// "duplicate" with a link to the existing batch instead of paying again.
// There is no lookup by sender_batch_id; this answer is the only way to ask
// PayPal whether a batch exists for an attempt.
const PayPalDedupeWindow = 30 * 24 * time.Hour

// AskPayPalWithin is how long after an attempt's first submission (its
// creation, when it was never submitted) Resolve with NothingSent asks
// PayPal by resending the frozen request instead of taking people's word.
// Every batch the attempt can have was created at one of its submissions,
// so none of them is older than the first one, and PayPal still remembers
// them all until PayPalDedupeWindow after it. The day short of that is the
// safety margin for the difference between our clock and PayPal's and for
// the time the call takes: past it, a resend could be taken as new and pay
// a second time, so people must look in PayPal's Transaction Search.
const AskPayPalWithin = PayPalDedupeWindow - 24*time.Hour

// ErrBatchLinked is returned by Resolve with NothingSent when PayPal, asked
// by resending the attempt's frozen request, holds a batch for the
// attempt's sender_batch_id: the batch is bound to the attempt and
// reconciled, and the award is not settled as "nothing sent". Resolve
// returns the award's state afterwards along with it. Matches
// models.ErrConflict.
var ErrBatchLinked = fmt.Errorf("payout: PayPal holds a batch for the attempt, linked instead of settling it as nothing sent: %w", models.ErrConflict)

// ResolveOptions say how finance settled an attempt in manual
// reconciliation.
type ResolveOptions struct {
	// By is the finance person deciding (ledger actor). Required.
	By string
	// PayoutBatchID is the batch finance found for the attempt (PayPal
	// activity, Transaction Search): it is read and compared with the
	// frozen request, bound to the attempt and reconciled like any other.
	PayoutBatchID string
	// NothingSent asks to close the attempt as "no batch exists for its
	// sender_batch_id", so that the award fails and can be retried. While
	// PayPal can still tell (AskPayPalWithin) the system asks PayPal
	// instead of taking the person's word; see Resolve.
	NothingSent bool
	// SecondBy is the second finance person confirming NothingSent once
	// PayPal can no longer be asked: required then, and never the same
	// person as By (names compared ignoring case and spaces).
	SecondBy string
	// TransactionSearchRef is the reference of PayPal's Transaction Search
	// (a saved search, export or screenshot id) showing no payment for the
	// attempt's sender_batch_id: required with SecondBy once PayPal can no
	// longer be asked.
	TransactionSearchRef string
	// Reason is recorded with the decision.
	Reason string
}

// Resolve settles an award in needs_reconciliation.
//
// With PayoutBatchID, the batch is read, compared with the frozen request,
// bound to the attempt and reconciled.
//
// With NothingSent, nobody settles an unknown PayPal payment on their word
// while PayPal can still tell:
//
//   - Within AskPayPalWithin of the attempt's first submission, the
//     identical frozen request is sent again under its sender_batch_id
//     (recorded in the ledger with By as actor, and counted as a
//     submission, before the call). If PayPal answers that the id was used
//     and links the batch, the batch is compared with the request, bound
//     and reconciled: the award goes to sent (paid, unclaimed, … as PayPal
//     says), never to failed. If PayPal takes the request as new, no batch
//     existed; the resend has now made the payment, once, under the
//     original sender_batch_id, and the award follows that attempt to sent
//     ("nothing sent" is moot). That is safe because the request is the
//     frozen one that was screened and approved, under the one id PayPal
//     deduplicates, so it cannot pay twice. In both cases Resolve returns
//     the award's state and an error matching ErrBatchLinked (and
//     models.ErrConflict), so that the caller says the award was not
//     settled as asked. Any other answer
//     settles nothing and leaves the award in needs_reconciliation:
//     models.ErrTransient when PayPal cannot be reached or its answer was
//     lost (run it again: the resend is deduplicated), models.ErrConflict
//     when PayPal says a batch exists without linking it, links one that
//     does not match, or refuses without saying whether one exists,
//     models.ErrInvalid when no PayPal client is configured.
//   - After that, PayPal would take the resend as a new payment, so two
//     distinct finance people (By and SecondBy) and the reference of the
//     Transaction Search showing no payment (TransactionSearchRef) are
//     required; all three go into the ledger entry. The attempt is closed
//     as rejected and the award fails, so that it can be retried. That both
//     are finance identities is the caller's check.
//
// Attempts of other channels (pass grants) are closed by By alone.
//
// Errors otherwise: models.ErrInvalid for missing or contradictory
// options, models.ErrConflict when the award is in another state, the
// attempt is already bound to a batch (NothingSent), or the batch does not
// match the attempt.
func (s *Sender) Resolve(ctx context.Context, awardID string, o ResolveOptions) (models.AwardState, error) {
	if strings.TrimSpace(o.By) == "" || (o.PayoutBatchID == "") == !o.NothingSent {
		return "", fmt.Errorf("resolve %s: give --by and exactly one of --batch or --nothing-sent: %w", awardID, models.ErrInvalid)
	}
	if !o.NothingSent && (o.SecondBy != "" || o.TransactionSearchRef != "") {
		return "", fmt.Errorf("resolve %s: a second person and a Transaction Search reference only confirm --nothing-sent: %w", awardID, models.ErrInvalid)
	}
	if o.SecondBy != "" && samePerson(o.By, o.SecondBy) {
		return "", fmt.Errorf("resolve %s: %q and %q are the same person; nothing sent needs two distinct people: %w", awardID, o.By, o.SecondBy, models.ErrInvalid)
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
		return s.resolveNothingSent(ctx, att, o)
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
	return s.bind(ctx, att, o.PayoutBatchID, "batch identified by "+o.By)
}

// bind binds a batch known to be the attempt's to it, then reconciles it:
// it returns the award state afterwards (sent when PayPal has not
// processed the item yet).
func (s *Sender) bind(ctx context.Context, att models.Attempt, batchID, note string) (models.AwardState, error) {
	if _, err := s.accept(ctx, att, batchID, note); err != nil {
		return "", err
	}
	att, err := s.store.Attempt(ctx, att.SenderBatchID)
	if err != nil {
		return "", err
	}
	_, to, err := s.Poll(ctx, att)
	if err != nil {
		return models.StateSent, fmt.Errorf("batch bound; reconcile failed (the next run retries): %w", err)
	}
	if to == "" {
		to = models.StateSent
	}
	return to, nil
}

// askSince is when PayPal's memory of the attempt's sender_batch_id began
// at the earliest: its first submission, or its creation when it was
// never submitted.
func askSince(att models.Attempt) time.Time {
	if att.FirstSubmittedAt != nil {
		return att.FirstSubmittedAt.UTC()
	}
	return att.CreatedAt.UTC()
}

// samePerson compares two names ignoring case and white space.
func samePerson(a, b string) bool {
	norm := func(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), "")) }
	return norm(a) == norm(b)
}

// resolvedVoidKey is the ledger key of a person's "nothing sent"
// settlement of an attempt (the live audit looks for it).
func resolvedVoidKey(awardID, senderBatchID string) string {
	return "award/" + awardID + "/resolved-void/" + senderBatchID
}

func (s *Sender) resolveNothingSent(ctx context.Context, att models.Attempt, o ResolveOptions) (models.AwardState, error) {
	if att.Channel != ChannelPayPal {
		return s.settleNothingSent(ctx, att, o, false)
	}
	if att.PayoutBatchID != "" {
		return "", fmt.Errorf("award %s: attempt %s is bound to PayPal batch %s, so something was sent: resolve with --batch %s: %w",
			att.AwardID, att.SenderBatchID, att.PayoutBatchID, att.PayoutBatchID, models.ErrConflict)
	}
	until := askSince(att).Add(AskPayPalWithin)
	if s.now().Before(until) {
		return s.askPayPal(ctx, att, o, until)
	}
	switch {
	case strings.TrimSpace(o.SecondBy) == "":
		return "", fmt.Errorf("award %s: PayPal no longer tells whether %s was used (first sent %s): settling it as nothing sent needs a second finance person (--second-by): %w",
			att.AwardID, att.SenderBatchID, askSince(att).Format(time.RFC3339), models.ErrInvalid)
	case strings.TrimSpace(o.TransactionSearchRef) == "":
		return "", fmt.Errorf("award %s: settling %s as nothing sent needs the reference of the PayPal Transaction Search that shows no payment (--transaction-ref): %w",
			att.AwardID, att.SenderBatchID, models.ErrInvalid)
	}
	return s.settleNothingSent(ctx, att, o, true)
}

// settleNothingSent closes the attempt as rejected and fails the award,
// returning the money to payable. afterWindow: PayPal can no longer be
// asked (checked again under the lock) and two people confirmed it.
func (s *Sender) settleNothingSent(ctx context.Context, att models.Attempt, o ResolveOptions, afterWindow bool) (models.AwardState, error) {
	who := strings.TrimSpace(o.By)
	if afterWindow {
		who += " and " + strings.TrimSpace(o.SecondBy) + " (Transaction Search " + strings.TrimSpace(o.TransactionSearchRef) + ")"
	}
	err := s.store.InTx(ctx, func(tx Tx) error {
		cur, a, err := tx.LockAttemptOf(att.AwardID, att.SenderBatchID)
		if err != nil {
			return err
		}
		if a.State != models.StateNeedsReconciliation || a.Attempt != cur.Attempt || cur.PayoutBatchID != "" {
			return fmt.Errorf("award %s changed meanwhile: %w", a.ID, models.ErrConflict)
		}
		if afterWindow && s.now().Before(askSince(cur).Add(AskPayPalWithin)) {
			return fmt.Errorf("award %s: attempt %s changed meanwhile, PayPal can be asked again: %w", a.ID, cur.SenderBatchID, models.ErrConflict)
		}
		why := "no batch at PayPal, confirmed by " + who
		if o.Reason != "" {
			why += ": " + o.Reason
		}
		cur.Status, cur.LastError = models.AttemptRejected, why
		if err := tx.SaveAttempt(&cur); err != nil {
			return err
		}
		data := map[string]string{"sender_batch_id": cur.SenderBatchID, "confirmed_by": strings.TrimSpace(o.By)}
		if cur.FirstSubmittedAt != nil {
			data["first_submitted_at"] = cur.FirstSubmittedAt.UTC().Format(time.RFC3339)
		}
		for k, v := range map[string]string{"second_by": o.SecondBy, "transaction_search_ref": o.TransactionSearchRef, "note": o.Reason} {
			if v = strings.TrimSpace(v); v != "" {
				data[k] = v
			}
		}
		d := ledger.Draft{
			IdempotencyKey: resolvedVoidKey(a.ID, cur.SenderBatchID),
			Kind:           ledger.KindSendVoided, Actor: o.By, EffectiveAt: tx.Now(),
			Data: data,
		}
		if cur.Channel == ChannelEntitlement {
			d.Kind = ledger.KindStateChanged
		}
		return tx.Transition(&a, models.StateFailed, "nothing was sent, confirmed by "+who, d, nil)
	})
	if err != nil {
		return "", err
	}
	s.log.InfoContext(ctx, "attempt settled as nothing sent", slog.String("award_id", att.AwardID),
		slog.String("sender_batch_id", att.SenderBatchID))
	return models.StateFailed, nil
}

// askPayPal resends the attempt's frozen request to learn whether PayPal
// holds a batch for its sender_batch_id (see Resolve). until is when
// PayPal stops being able to tell.
func (s *Sender) askPayPal(ctx context.Context, att models.Attempt, o ResolveOptions, until time.Time) (models.AwardState, error) {
	refuse := fmt.Sprintf("award %s: nothing sent refused: PayPal can tell whether %s was used until %s",
		att.AwardID, att.SenderBatchID, until.Format(time.RFC3339))
	if s.pp == nil {
		return "", fmt.Errorf("%s, but no PayPal client is configured to ask it (set PAYPAL_API_BASE, PAYPAL_CLIENT_ID, PAYPAL_SECRET): %w", refuse, models.ErrInvalid)
	}
	var batch paypal.Batch
	if err := json.Unmarshal([]byte(att.Request), &batch); err != nil || batch.SenderBatchID != att.SenderBatchID {
		return "", fmt.Errorf("%s, and the attempt's frozen request is unusable to ask it: find the batch (Transaction Search) and resolve with --batch: %w", refuse, models.ErrConflict)
	}
	// Record the submission and who asked for it before the call, and hold
	// the attempt against a second person asking at the same time.
	err := s.store.InTx(ctx, func(tx Tx) error {
		cur, a, err := tx.LockAttemptOf(att.AwardID, att.SenderBatchID)
		if err != nil {
			return err
		}
		if a.State != models.StateNeedsReconciliation || a.Attempt != cur.Attempt || cur.Status != models.AttemptManual || cur.PayoutBatchID != "" {
			return fmt.Errorf("award %s changed meanwhile: %w", a.ID, models.ErrConflict)
		}
		now := s.now()
		if !now.Before(askSince(cur).Add(AskPayPalWithin)) {
			return fmt.Errorf("award %s: PayPal stopped being able to tell meanwhile: run it again: %w", a.ID, models.ErrConflict)
		}
		times, err := tx.AttemptTimes(cur.SenderBatchID)
		if err != nil {
			return err
		}
		if times.LeaseUntil != nil && times.LeaseUntil.After(now) {
			return fmt.Errorf("award %s: someone is asking PayPal about %s right now: try again shortly: %w", a.ID, cur.SenderBatchID, models.ErrTransient)
		}
		if cur.FirstSubmittedAt == nil {
			cur.FirstSubmittedAt = &now
		}
		cur.LastSubmittedAt = &now
		cur.Submissions++
		if err := tx.SaveAttempt(&cur); err != nil {
			return err
		}
		if err := tx.SetAttemptLease(cur.SenderBatchID, now.Add(s.cfg.LeaseFor)); err != nil {
			return err
		}
		data := map[string]string{"action": "resend the frozen request to ask PayPal before settling as nothing sent",
			"sender_batch_id": cur.SenderBatchID, "submission": fmt.Sprint(cur.Submissions)}
		for k, v := range map[string]string{"second_by": o.SecondBy, "note": o.Reason} {
			if v = strings.TrimSpace(v); v != "" {
				data[k] = v
			}
		}
		_, _, err = tx.Append(ledger.Draft{
			IdempotencyKey: fmt.Sprintf("award/%s/nothing-sent-asked/%s/%d", a.ID, cur.SenderBatchID, cur.Submissions),
			Kind:           ledger.KindStateChanged, AwardID: a.ID, Actor: o.By, EffectiveAt: tx.Now(), Data: data,
		})
		return err
	})
	if err != nil {
		return "", err
	}

	created, cerr := s.pp.CreateBatch(ctx, batch)
	var apiErr *paypal.APIError
	switch {
	case cerr == nil && !created.Duplicate:
		msg := fmt.Sprintf("award %s: no batch existed for %s; the resent frozen request is now PayPal batch %s, sent once under the original id",
			att.AwardID, att.SenderBatchID, created.BatchID)
		return s.linked(ctx, att, created.BatchID, msg,
			"nothing sent refused: no batch existed; the frozen request, resent at the request of "+o.By+", was accepted by PayPal")
	case cerr == nil && created.Duplicate:
		bs, err := s.pp.GetBatch(ctx, created.BatchID)
		if err != nil {
			s.noteRetryAfter(err)
			why := fmt.Sprintf("PayPal holds batch %s for the sender_batch_id; reading it failed: %s", created.BatchID, errText(err))
			return "", s.releaseAsk(ctx, att, why, fmt.Errorf("%s: %s: run it again: %w", refuse, why, models.ErrTransient))
		}
		if err := bs.Matches(batch); err != nil {
			why := fmt.Sprintf("PayPal holds batch %s for the sender_batch_id, and it does not match the frozen request: %s", created.BatchID, errText(err))
			s.log.ErrorContext(ctx, "batch at PayPal does not match the attempt", slog.String("award_id", att.AwardID),
				slog.String("sender_batch_id", att.SenderBatchID), slog.String("payout_batch_id", created.BatchID))
			return "", s.releaseAsk(ctx, att, why, fmt.Errorf("%s: %s: investigate, never settle it as nothing sent: %w", refuse, why, models.ErrConflict))
		}
		msg := fmt.Sprintf("award %s: PayPal holds batch %s for %s, so it was sent", att.AwardID, created.BatchID, att.SenderBatchID)
		return s.linked(ctx, att, created.BatchID, msg,
			"nothing sent refused: PayPal holds the batch (duplicate answer), linked at the request of "+o.By)
	case errors.Is(cerr, paypal.ErrDuplicateNoLink):
		why := "PayPal says the sender_batch_id was used but gives no link to the batch"
		return "", s.releaseAsk(ctx, att, why, fmt.Errorf("%s: %s: find it (Transaction Search) and resolve with --batch: %w", refuse, why, models.ErrConflict))
	case errors.Is(cerr, models.ErrConflict):
		why := "PayPal answered with a conflict we do not recognise, a batch may exist: " + errText(cerr)
		return "", s.releaseAsk(ctx, att, why, fmt.Errorf("%s: %s: %w", refuse, why, models.ErrConflict))
	case errors.As(cerr, &apiErr) && apiErr.OperatorProblem():
		why := "PayPal refused the resend for a reason of the sending account, without saying whether a batch exists: " + errText(cerr)
		return "", s.releaseAsk(ctx, att, why, fmt.Errorf("%s: %s: fix the account and run it again: %w", refuse, why, models.ErrTransient))
	case errors.Is(cerr, models.ErrInvalid):
		why := "PayPal refused the identical request without saying whether a batch exists: " + errText(cerr)
		return "", s.releaseAsk(ctx, att, why, fmt.Errorf("%s: %s: %w", refuse, why, models.ErrConflict))
	default:
		s.noteRetryAfter(cerr)
		why := "PayPal's answer to the resend was lost (the resend may have made the batch): " + errText(cerr)
		return "", s.releaseAsk(ctx, att, why, fmt.Errorf("%s: %s: run it again, the identical request is deduplicated: %w", refuse, why, models.ErrTransient))
	}
}

// linked binds the batch PayPal holds for the attempt and reconciles it,
// and returns the award's state with an error matching ErrBatchLinked
// that says msg.
func (s *Sender) linked(ctx context.Context, att models.Attempt, batchID, msg, note string) (models.AwardState, error) {
	to, err := s.bind(ctx, att, batchID, note)
	switch {
	case err != nil && to == "":
		// Not bound: the attempt stays in manual reconciliation.
		why := fmt.Sprintf("PayPal holds batch %s for the sender_batch_id; binding it failed: %s", batchID, errText(err))
		return "", s.releaseAsk(ctx, att, why, fmt.Errorf("%s; binding it failed: %w", msg, err))
	case err != nil:
		return to, fmt.Errorf("%s: linked, the award is %s: %w; %w", msg, to, ErrBatchLinked, err)
	}
	return to, fmt.Errorf("%s: linked, the award is %s: %w", msg, to, ErrBatchLinked)
}

// releaseAsk records why asking PayPal settled nothing on the attempt,
// which stays in manual reconciliation, and releases it. It returns ret,
// or the error of the release joined to it.
func (s *Sender) releaseAsk(ctx context.Context, att models.Attempt, why string, ret error) error {
	err := s.store.InTx(ctx, func(tx Tx) error {
		cur, _, err := tx.LockAttemptOf(att.AwardID, att.SenderBatchID)
		if err != nil {
			return err
		}
		if cur.Status != models.AttemptManual || cur.PayoutBatchID != "" {
			return nil // a webhook or another person bound it meanwhile
		}
		cur.LastError = why
		if err := tx.SaveAttempt(&cur); err != nil {
			return err
		}
		return tx.SetAttemptLease(cur.SenderBatchID, time.Time{})
	})
	if err != nil {
		return errors.Join(ret, fmt.Errorf("release attempt %s: %w", att.SenderBatchID, err))
	}
	return ret
}
