package payout

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/plex/bountypay/models"
	"github.com/plex/bountypay/payout/paypal"
	"github.com/plex/bountypay/store"
)

// AuditMismatch is one disagreement between what bountypay recorded for a
// PayPal attempt and what PayPal says now.
type AuditMismatch struct {
	AwardID       string
	SenderBatchID string
	PayoutBatchID string
	Problem       string
}

// AuditResult is what Audit checked and found.
type AuditResult struct {
	Checked    int
	Mismatches []AuditMismatch
}

// Audit reads from PayPal every attempt PayPal accepted (open or settled)
// and compares the item with what bountypay recorded: the item exists,
// its sender_item_id, receiver, amount and currency are the frozen
// request's, its status is the one recorded, and so is its fee. It
// changes nothing (reconciliation does); it is finance's independent
// check of the ledger against PayPal.
func (s *Sender) Audit(ctx context.Context) (AuditResult, error) {
	var res AuditResult
	if s.pp == nil {
		return res, errors.New("payout: no PayPal client configured")
	}
	atts, err := s.store.AttemptsByStatus(ctx, 0, store.AttemptAccepted, store.AttemptSettled)
	if err != nil {
		return res, err
	}
	for _, att := range atts {
		if att.Channel != ChannelPayPal || att.PayoutBatchID == "" {
			continue
		}
		res.Checked++
		add := func(format string, args ...any) {
			res.Mismatches = append(res.Mismatches, AuditMismatch{AwardID: att.AwardID, SenderBatchID: att.SenderBatchID,
				PayoutBatchID: att.PayoutBatchID, Problem: fmt.Sprintf(format, args...)})
		}
		bs, err := s.pp.GetBatch(ctx, att.PayoutBatchID)
		switch {
		case errors.Is(err, models.ErrNotFound):
			add("PayPal does not know batch %s", att.PayoutBatchID)
			continue
		case err != nil:
			return res, fmt.Errorf("audit %s: %w", att.SenderBatchID, err)
		}
		if bs.SenderBatchID != "" && bs.SenderBatchID != att.SenderBatchID {
			add("PayPal's batch has sender_batch_id %s", bs.SenderBatchID)
		}
		var it *paypal.ItemStatus
		for i := range bs.Items {
			if bs.Items[i].SenderItemID == att.SenderItemID {
				it = &bs.Items[i]
			}
		}
		if it == nil {
			add("no item %s in PayPal's batch (%d items)", att.SenderItemID, len(bs.Items))
			continue
		}
		if len(bs.Items) != 1 {
			add("PayPal's batch has %d items, bountypay sends one", len(bs.Items))
		}
		if it.Amount.Minor != att.AmountMinor || it.Amount.Currency != att.Currency {
			add("PayPal pays %s, the attempt froze %s", it.Amount, models.Money{Minor: att.AmountMinor, Currency: att.Currency})
		}
		if it.Receiver != "" && !strings.EqualFold(it.Receiver, att.Receiver) {
			add("PayPal's receiver differs from the frozen request")
		}
		recorded := att.TransactionStatus
		if recorded == "" {
			recorded = "(none yet)"
		}
		if it.TransactionStatus != att.TransactionStatus && it.TransactionStatus != "PENDING" {
			add("PayPal says %s, bountypay recorded %s (bountypay payout reconcile applies it)", it.TransactionStatus, recorded)
		}
		if it.TransactionStatus == "SUCCESS" && it.Fee.Currency == att.Currency && it.Fee.Minor != att.FeeMinor {
			add("PayPal's fee is %s, bountypay recorded %s", it.Fee, models.Money{Minor: att.FeeMinor, Currency: att.Currency})
		}
	}
	return res, nil
}
