package payout

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/plex/bountypay/ledger"
	"github.com/plex/bountypay/models"
	"github.com/plex/bountypay/payout/paypal"
)

// AuditKind classifies what the live audit found for an attempt.
type AuditKind string

// The audit kinds.
const (
	// AuditDiffers: PayPal says something other than what bountypay
	// recorded for the attempt (status, amount, receiver, fee, …).
	AuditDiffers AuditKind = "differs"
	// AuditDoublePayment: PayPal holds a batch whose money went out (or
	// may still go out) for an attempt bountypay records as not sent, or
	// as superseded by a later attempt: the award may be paid twice.
	AuditDoublePayment AuditKind = "possible_double_payment"
	// AuditUnverifiable: an attempt recorded as not sent although PayPal
	// may hold a batch for it, with no payout_batch_id recorded. PayPal
	// has no read-only lookup by sender_batch_id (only resending the
	// request, which an audit must never do, would tell), so only its
	// Transaction Search can settle it.
	AuditUnverifiable AuditKind = "unverifiable"
)

// AuditMismatch is one disagreement between what bountypay recorded for a
// PayPal attempt and what PayPal says now, or an attempt whose record
// cannot be checked against PayPal.
type AuditMismatch struct {
	AwardID       string
	SenderBatchID string
	PayoutBatchID string
	// Attempt is the attempt's number within its award.
	Attempt int
	Kind    AuditKind
	Problem string
}

// AuditResult is what Audit checked and found.
type AuditResult struct {
	// Checked counts the attempts read back from PayPal.
	Checked    int
	Mismatches []AuditMismatch
}

// allAttemptStatuses lists every attempt status: the audit reads every
// attempt ever made, not only the accepted ones.
var allAttemptStatuses = []models.AttemptStatus{
	models.AttemptPending, models.AttemptUnknown, models.AttemptDeferred, models.AttemptAccepted,
	models.AttemptSettled, models.AttemptRejected, models.AttemptManual,
}

// moneyBack are the item statuses under which no money went out for the
// item, or it came back; under any other status (SUCCESS, PENDING,
// UNCLAIMED, ONHOLD, BLOCKED, values unknown to us) money went out or may
// still.
var moneyBack = map[string]bool{"FAILED": true, "DENIED": true, "RETURNED": true, "REFUNDED": true, "REVERSED": true}

// Audit is finance's independent check of the records against PayPal. It
// goes through every PayPal attempt ever made, whatever its status and
// whether or not a later attempt superseded it:
//
//   - An attempt with a payout_batch_id is read back from PayPal, and the
//     item is compared with what bountypay recorded: the item exists, its
//     sender_item_id, receiver, amount and currency are the frozen
//     request's, its status is the one recorded, and so is its fee. An
//     attempt recorded as not sent (rejected), or superseded by a later
//     attempt, whose item's money went out or may still go out is named
//     as a possible double payment.
//   - An attempt without one that may nevertheless have reached PayPal and
//     is recorded as not sent (closed as "nothing sent" by a person, or
//     refused by PayPal only after earlier answers were lost) is named as
//     unverifiable: PayPal cannot be asked about a sender_batch_id without
//     resending the request, which could pay, so the audit never does.
//
// Attempts never submitted, attempts still open (the worker resends them)
// and the current attempt in manual reconciliation (finance resolves it;
// the ledger still has its money in flight) make no claim to check. An
// attempt PayPal refused at its only submission is settled by that answer.
//
// Audit changes nothing (reconciliation and payout resolve do).
func (s *Sender) Audit(ctx context.Context) (AuditResult, error) {
	var res AuditResult
	if s.pp == nil {
		return res, errors.New("payout: no PayPal client configured")
	}
	atts, err := s.store.AttemptsByStatus(ctx, 0, allAttemptStatuses...)
	if err != nil {
		return res, err
	}
	byAward := map[string][]models.Attempt{}
	for _, att := range atts {
		if att.Channel == ChannelPayPal {
			byAward[att.AwardID] = append(byAward[att.AwardID], att)
		}
	}
	a := &auditor{s: s, res: &res, awards: map[string]models.Award{}, entries: map[string][]ledger.Entry{}, byAward: byAward}
	for _, att := range atts {
		if att.Channel != ChannelPayPal {
			continue
		}
		aw, err := a.award(ctx, att.AwardID)
		if err != nil {
			return res, err
		}
		if att.PayoutBatchID != "" {
			err = a.bound(ctx, att, aw)
		} else {
			err = a.unbound(ctx, att, aw)
		}
		if err != nil {
			return res, err
		}
	}
	return res, nil
}

// auditor holds what one Audit pass reads more than once.
type auditor struct {
	s       *Sender
	res     *AuditResult
	awards  map[string]models.Award
	entries map[string][]ledger.Entry
	byAward map[string][]models.Attempt
}

func (a *auditor) award(ctx context.Context, id string) (models.Award, error) {
	if aw, ok := a.awards[id]; ok {
		return aw, nil
	}
	aw, err := a.s.store.Award(ctx, id)
	if err != nil {
		return models.Award{}, fmt.Errorf("audit: %w", err)
	}
	a.awards[id] = aw
	return aw, nil
}

func (a *auditor) add(att models.Attempt, kind AuditKind, format string, args ...any) {
	a.res.Mismatches = append(a.res.Mismatches, AuditMismatch{AwardID: att.AwardID, SenderBatchID: att.SenderBatchID,
		PayoutBatchID: att.PayoutBatchID, Attempt: att.Attempt, Kind: kind, Problem: fmt.Sprintf(format, args...)})
}

// later describes the award's attempts made after att, or "".
func (a *auditor) later(att models.Attempt) string {
	var parts []string
	for _, o := range a.byAward[att.AwardID] {
		if o.Attempt <= att.Attempt {
			continue
		}
		p := fmt.Sprintf("attempt %d (%s", o.Attempt, o.Status)
		if o.TransactionStatus != "" {
			p += ", " + o.TransactionStatus
		}
		parts = append(parts, p+")")
	}
	if len(parts) == 0 {
		return ""
	}
	return "; made after it: " + strings.Join(parts, ", ")
}

// bound reads an attempt with a payout_batch_id back from PayPal.
func (a *auditor) bound(ctx context.Context, att models.Attempt, aw models.Award) error {
	bs, err := a.s.pp.GetBatch(ctx, att.PayoutBatchID)
	switch {
	case errors.Is(err, models.ErrNotFound):
		a.res.Checked++
		a.add(att, AuditDiffers, "PayPal does not know batch %s", att.PayoutBatchID)
		return nil
	case err != nil:
		return fmt.Errorf("audit %s: %w", att.SenderBatchID, err)
	}
	a.res.Checked++
	if bs.SenderBatchID != "" && bs.SenderBatchID != att.SenderBatchID {
		a.add(att, AuditDiffers, "PayPal's batch has sender_batch_id %s", bs.SenderBatchID)
	}
	var it *paypal.ItemStatus
	for i := range bs.Items {
		if bs.Items[i].SenderItemID == att.SenderItemID {
			it = &bs.Items[i]
		}
	}
	if it == nil {
		a.add(att, AuditDiffers, "no item %s in PayPal's batch (%d items)", att.SenderItemID, len(bs.Items))
		return nil
	}
	if len(bs.Items) != 1 {
		a.add(att, AuditDiffers, "PayPal's batch has %d items, bountypay sends one", len(bs.Items))
	}
	if it.Amount.Minor != att.AmountMinor || it.Amount.Currency != att.Currency {
		a.add(att, AuditDiffers, "PayPal pays %s, the attempt froze %s", it.Amount, models.Money{Minor: att.AmountMinor, Currency: att.Currency})
	}
	if it.Receiver != "" && !strings.EqualFold(it.Receiver, att.Receiver) {
		a.add(att, AuditDiffers, "PayPal's receiver differs from the frozen request")
	}
	status := it.TransactionStatus
	recorded := att.TransactionStatus
	if recorded == "" {
		recorded = "(none yet)"
	}
	current := att.Attempt == aw.Attempt
	switch att.Status {
	case models.AttemptAccepted, models.AttemptSettled:
		if !current {
			if !moneyBack[status] {
				a.add(att, AuditDoublePayment, "attempt %d was superseded by attempt %d, but PayPal's item is %s: money went out (or may) for it%s",
					att.Attempt, aw.Attempt, status, a.later(att))
			} else if status != att.TransactionStatus {
				a.add(att, AuditDiffers, "superseded attempt: PayPal says %s, bountypay recorded %s (reconciliation no longer applies it: finance decides)", status, recorded)
			}
			return nil
		}
		if status != att.TransactionStatus && status != "PENDING" {
			a.add(att, AuditDiffers, "PayPal says %s, bountypay recorded %s (bountypay payout reconcile applies it)", status, recorded)
		}
		if status == "SUCCESS" && it.Fee.Currency == att.Currency && it.Fee.Minor != att.FeeMinor {
			a.add(att, AuditDiffers, "PayPal's fee is %s, bountypay recorded %s", it.Fee, models.Money{Minor: att.FeeMinor, Currency: att.Currency})
		}
	case models.AttemptRejected:
		if !moneyBack[status] {
			a.add(att, AuditDoublePayment, "recorded as rejected (not sent), but PayPal holds batch %s for it with item %s: money went out (or may)%s",
				att.PayoutBatchID, status, a.later(att))
		}
	default:
		a.add(att, AuditDiffers, "recorded as %s, but PayPal holds batch %s for it with item %s (bountypay payout resolve --batch %s binds it)",
			att.Status, att.PayoutBatchID, status, att.PayoutBatchID)
	}
	return nil
}

// unbound checks an attempt without a payout_batch_id: PayPal cannot be
// read for it, so it is named when it may have reached PayPal and is
// recorded as not sent.
func (a *auditor) unbound(ctx context.Context, att models.Attempt, aw models.Award) error {
	if att.Submissions == 0 && att.FirstSubmittedAt == nil {
		return nil // never sent
	}
	current := att.Attempt == aw.Attempt
	switch {
	case att.Status == models.AttemptAccepted || att.Status == models.AttemptSettled:
		a.add(att, AuditDiffers, "recorded as %s, but no PayPal batch id is recorded", att.Status)
		return nil
	case current && (att.Status.Open() || att.Status == models.AttemptManual):
		return nil // outcome still open: sent again, or resolved by finance
	case att.Status == models.AttemptRejected:
	default:
		a.add(att, AuditUnverifiable, "unverifiable: no batch id recorded: attempt %d is %s although attempt %d superseded it%s",
			att.Attempt, att.Status, aw.Attempt, a.later(att))
		return nil
	}
	settled, err := a.settledBy(ctx, att)
	if err != nil {
		return err
	}
	var why string
	switch {
	case settled != "":
		why = "settled as nothing sent by " + settled
	case att.Submissions > 1:
		why = fmt.Sprintf("PayPal refused submission %d after the answers to earlier ones were lost", att.Submissions)
	default:
		return nil // PayPal refused its only submission: nothing was created
	}
	a.add(att, AuditUnverifiable, "unverifiable: no batch id recorded: recorded as not sent (%s), but a submission may have reached PayPal; "+
		"PayPal cannot be asked about sender_batch_id %s without resending it: check Transaction Search%s",
		why, att.SenderBatchID, a.later(att))
	return nil
}

// settledBy names who settled the attempt as nothing sent (and the
// Transaction Search reference), or "" when no person did.
func (a *auditor) settledBy(ctx context.Context, att models.Attempt) (string, error) {
	es, ok := a.entries[att.AwardID]
	if !ok {
		var err error
		if es, err = a.s.store.LedgerEntriesForAward(ctx, att.AwardID); err != nil {
			return "", fmt.Errorf("audit %s: %w", att.SenderBatchID, err)
		}
		a.entries[att.AwardID] = es
	}
	key := resolvedVoidKey(att.AwardID, att.SenderBatchID)
	for _, e := range es {
		if e.IdempotencyKey != key {
			continue
		}
		who := e.Actor
		if s := e.Data["second_by"]; s != "" {
			who += " and " + s
		}
		if r := e.Data["transaction_search_ref"]; r != "" {
			who += ", Transaction Search " + r
		}
		return who, nil
	}
	return "", nil
}
