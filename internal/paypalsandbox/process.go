package paypalsandbox

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Errors returned by the Go API.
var (
	// ErrNotFound means no item or batch has the given id.
	ErrNotFound = errors.New("paypalsandbox: not found")
	// ErrIncorrectStatus means the item is not in a status the move
	// starts from.
	ErrIncorrectStatus = errors.New("paypalsandbox: item in incorrect status")
	// ErrAlreadyCancelled means the item was cancelled before.
	ErrAlreadyCancelled = errors.New("paypalsandbox: item already cancelled")
)

// Behaviour decides what processing does with an item for a receiver.
type Behaviour string

// Receiver behaviours. A receiver set with SetReceiver uses its behaviour;
// otherwise a receiver containing "+<behaviour>" (for example
// "alice+unclaimed@example.com") uses that one; otherwise BehaviourSuccess.
const (
	BehaviourSuccess     Behaviour = "success"     // SUCCESS
	BehaviourUnclaimed   Behaviour = "unclaimed"   // UNCLAIMED, RECEIVER_UNREGISTERED
	BehaviourUnconfirmed Behaviour = "unconfirmed" // UNCLAIMED, RECEIVER_UNCONFIRMED
	BehaviourFail        Behaviour = "fail"        // FAILED, RECEIVER_ACCOUNT_INVALID
	BehaviourLocked      Behaviour = "locked"      // FAILED, RECEIVER_ACCOUNT_LOCKED
	BehaviourRefused     Behaviour = "refused"     // FAILED, RECEIVER_REFUSED
	BehaviourOnHold      Behaviour = "onhold"      // ONHOLD, RECEIVER_ACCOUNT_LIMITATION
	BehaviourBlocked     Behaviour = "blocked"     // BLOCKED
)

var behaviours = []Behaviour{BehaviourSuccess, BehaviourUnclaimed, BehaviourUnconfirmed,
	BehaviourFail, BehaviourLocked, BehaviourRefused, BehaviourOnHold, BehaviourBlocked}

// behaviourOutcome is the status and item error of a behaviour.
var behaviourOutcome = map[Behaviour]struct{ status, errName, errMessage string }{
	BehaviourSuccess:     {ItemSuccess, "", ""},
	BehaviourUnclaimed:   {ItemUnclaimed, "RECEIVER_UNREGISTERED", "Receiver is unregistered"},
	BehaviourUnconfirmed: {ItemUnclaimed, "RECEIVER_UNCONFIRMED", "Receiver is unconfirmed"},
	BehaviourFail:        {ItemFailed, "RECEIVER_ACCOUNT_INVALID", "Receiver's account is invalid"},
	BehaviourLocked:      {ItemFailed, "RECEIVER_ACCOUNT_LOCKED", "Receiver's account is locked or inactive"},
	BehaviourRefused:     {ItemFailed, "RECEIVER_REFUSED", "Receiver refused the payment"},
	BehaviourOnHold:      {ItemOnHold, "RECEIVER_ACCOUNT_LIMITATION", "Receiver's account has a limitation"},
	BehaviourBlocked:     {ItemBlocked, "", ""},
}

// SetReceiver makes processing treat receiver (compared case-insensitively)
// with behaviour b. It returns an error for an unknown behaviour.
func (s *Sandbox) SetReceiver(receiver string, b Behaviour) error {
	if !slices.Contains(behaviours, b) {
		return fmt.Errorf("behaviour %q: want one of %v", b, behaviours)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.receivers[strings.ToLower(receiver)] = b
	return nil
}

func (s *Sandbox) behaviourLocked(receiver string) Behaviour {
	lr := strings.ToLower(receiver)
	if b, ok := s.receivers[lr]; ok {
		return b
	}
	for _, b := range behaviours[1:] {
		if strings.Contains(lr, "+"+string(b)) {
			return b
		}
	}
	return BehaviourSuccess
}

// advanceLocked applies every transition due at the sandbox clock.
func (s *Sandbox) advanceLocked() {
	now := s.nowLocked()
	kept := s.active[:0]
	for _, b := range s.active {
		s.stepBatchLocked(b, now)
		if b.completed.IsZero() {
			kept = append(kept, b)
		}
	}
	clear(s.active[len(kept):])
	s.active = kept

	if len(s.unclaimed) > 0 && !now.Before(s.nextReturn) {
		due := make([]*item, 0)
		s.nextReturn = time.Time{}
		for _, it := range s.unclaimed {
			if !now.Before(it.returnAt) {
				due = append(due, it)
			} else if s.nextReturn.IsZero() || it.returnAt.Before(s.nextReturn) {
				s.nextReturn = it.returnAt
			}
		}
		slices.SortFunc(due, func(a, b *item) int {
			if c := a.returnAt.Compare(b.returnAt); c != 0 {
				return c
			}
			return strings.Compare(a.id, b.id)
		})
		for _, it := range due {
			s.returnLocked(it, it.returnAt, false)
		}
	}
}

func (s *Sandbox) stepBatchLocked(b *batch, now time.Time) {
	t1 := b.created.Add(s.cfg.PendingFor)
	t2 := t1.Add(s.cfg.ProcessingFor / 2)
	t3 := t1.Add(s.cfg.ProcessingFor)
	if b.status == BatchPending && !now.Before(t1) {
		b.status, b.processingAt = BatchProcessing, t1
		s.emitBatchLocked(b, "PAYMENT.PAYOUTSBATCH.PROCESSING", t1)
	}
	if b.status == BatchProcessing && !b.decided && !now.Before(t2) {
		b.decided = true
		for _, it := range b.items {
			s.decideLocked(it, t2)
		}
	}
	if b.status == BatchProcessing && b.decided && !now.Before(t3) {
		b.status, b.completed = BatchDenied, t3
		for _, it := range b.items {
			if it.status != ItemFailed {
				b.status = BatchSuccess
			}
		}
		s.emitBatchLocked(b, "PAYMENT.PAYOUTSBATCH."+b.status, t3)
	}
}

func (s *Sandbox) decideLocked(it *item, at time.Time) {
	out := behaviourOutcome[s.behaviourLocked(it.receiver)]
	it.status, it.errName, it.errMessage, it.processed = out.status, out.errName, out.errMessage, at
	switch out.status {
	case ItemSuccess:
		s.assignTxnLocked(it)
		s.emitItemLocked(it, "PAYMENT.PAYOUTS-ITEM.SUCCEEDED", at)
	case ItemUnclaimed:
		s.assignTxnLocked(it)
		it.returnAt = at.Add(s.cfg.UnclaimedReturnAfter)
		s.unclaimed[it.id] = it
		if s.nextReturn.IsZero() || it.returnAt.Before(s.nextReturn) {
			s.nextReturn = it.returnAt
		}
		s.emitItemLocked(it, "PAYMENT.PAYOUTS-ITEM.UNCLAIMED", at)
	case ItemOnHold:
		s.assignTxnLocked(it)
		s.emitItemLocked(it, "PAYMENT.PAYOUTS-ITEM.HELD", at)
	case ItemBlocked:
		s.emitItemLocked(it, "PAYMENT.PAYOUTS-ITEM.BLOCKED", at)
	case ItemFailed:
		s.balances[it.currency] += it.amount + it.fee
		it.fee = 0
		s.emitItemLocked(it, "PAYMENT.PAYOUTS-ITEM.FAILED", at)
	}
}

func (s *Sandbox) assignTxnLocked(it *item) {
	if it.txnID == "" {
		it.txnID = randomID(17, idAlphabet)
		it.activityID = randomID(17, idAlphabet)
	}
}

// returnLocked moves an UNCLAIMED or ONHOLD item to RETURNED and credits
// amount and fee back.
func (s *Sandbox) returnLocked(it *item, at time.Time, cancelled bool) {
	delete(s.unclaimed, it.id)
	it.status, it.processed, it.cancelled = ItemReturned, at, cancelled
	it.errName, it.errMessage = "", ""
	s.balances[it.currency] += it.amount + it.fee
	if cancelled {
		s.emitItemLocked(it, "PAYMENT.PAYOUTS-ITEM.CANCELED", at)
	}
	s.emitItemLocked(it, "PAYMENT.PAYOUTS-ITEM.RETURNED", at)
}

func (s *Sandbox) cancelLocked(it *item) error {
	if it.cancelled {
		return ErrAlreadyCancelled
	}
	if it.status != ItemUnclaimed || it.batch.completed.IsZero() {
		return ErrIncorrectStatus
	}
	s.returnLocked(it, s.nowLocked(), true)
	return nil
}

// move applies one later transition to an item.
func (s *Sandbox) move(itemID string, from []string, apply func(it *item, now time.Time)) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advanceLocked()
	it := s.items[itemID]
	if it == nil || s.batches[it.batch.id] == nil {
		return fmt.Errorf("item %s: %w", itemID, ErrNotFound)
	}
	if !slices.Contains(from, it.status) {
		return fmt.Errorf("item %s is %s, want %s: %w", itemID, it.status, strings.Join(from, " or "), ErrIncorrectStatus)
	}
	apply(it, s.nowLocked())
	return nil
}

// Claim makes the receiver claim an UNCLAIMED item: it becomes SUCCESS
// (webhook PAYMENT.PAYOUTS-ITEM.SUCCEEDED). Errors: ErrNotFound,
// ErrIncorrectStatus.
func (s *Sandbox) Claim(itemID string) error {
	return s.move(itemID, []string{ItemUnclaimed}, func(it *item, now time.Time) {
		delete(s.unclaimed, it.id)
		it.status, it.processed, it.errName, it.errMessage = ItemSuccess, now, "", ""
		s.emitItemLocked(it, "PAYMENT.PAYOUTS-ITEM.SUCCEEDED", now)
	})
}

// ReleaseHold releases an ONHOLD item: it becomes SUCCESS. Errors:
// ErrNotFound, ErrIncorrectStatus.
func (s *Sandbox) ReleaseHold(itemID string) error {
	return s.move(itemID, []string{ItemOnHold}, func(it *item, now time.Time) {
		it.status, it.processed, it.errName, it.errMessage = ItemSuccess, now, "", ""
		s.emitItemLocked(it, "PAYMENT.PAYOUTS-ITEM.SUCCEEDED", now)
	})
}

// FailHold fails an ONHOLD item: it becomes FAILED
// (RECEIVER_ACCOUNT_LIMITATION kept) and amount and fee are credited back.
// Errors: ErrNotFound, ErrIncorrectStatus.
func (s *Sandbox) FailHold(itemID string) error {
	return s.move(itemID, []string{ItemOnHold}, func(it *item, now time.Time) {
		s.balances[it.currency] += it.amount + it.fee
		it.status, it.processed, it.fee = ItemFailed, now, 0
		s.emitItemLocked(it, "PAYMENT.PAYOUTS-ITEM.FAILED", now)
	})
}

// Return returns an UNCLAIMED or ONHOLD item now, as the 30-day expiry
// does: it becomes RETURNED and amount and fee are credited back. Errors:
// ErrNotFound, ErrIncorrectStatus.
func (s *Sandbox) Return(itemID string) error {
	return s.move(itemID, []string{ItemUnclaimed, ItemOnHold}, func(it *item, now time.Time) {
		s.returnLocked(it, now, false)
	})
}

// Refund refunds a SUCCESS item: it becomes REFUNDED (webhook
// PAYMENT.PAYOUTS-ITEM.REFUNDED) and the amount (not the fee) is credited
// back. Errors: ErrNotFound, ErrIncorrectStatus.
func (s *Sandbox) Refund(itemID string) error {
	return s.move(itemID, []string{ItemSuccess}, func(it *item, now time.Time) {
		s.balances[it.currency] += it.amount
		it.status, it.processed = ItemRefunded, now
		s.emitItemLocked(it, "PAYMENT.PAYOUTS-ITEM.REFUNDED", now)
	})
}

// Reverse reverses a SUCCESS item: it becomes REVERSED and the amount (not
// the fee) is credited back. PayPal documents no webhook event for a
// reversal, so none is sent. Errors: ErrNotFound, ErrIncorrectStatus.
func (s *Sandbox) Reverse(itemID string) error {
	return s.move(itemID, []string{ItemSuccess}, func(it *item, now time.Time) {
		s.balances[it.currency] += it.amount
		it.status, it.processed = ItemReversed, now
	})
}

// Cancel cancels an UNCLAIMED item of a processed batch, as
// POST /v1/payments/payouts-item/{id}/cancel does. Errors: ErrNotFound,
// ErrIncorrectStatus, ErrAlreadyCancelled.
func (s *Sandbox) Cancel(itemID string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advanceLocked()
	it := s.items[itemID]
	if it == nil || s.batches[it.batch.id] == nil {
		return fmt.Errorf("item %s: %w", itemID, ErrNotFound)
	}
	return s.cancelLocked(it)
}

// Amount is a PayPal currency amount.
type Amount struct {
	Currency string `json:"currency"`
	Value    string `json:"value"`
}

// Item is one accepted payout item as GET /sandbox/items lists it. The
// JSON field names are a contract.
type Item struct {
	PayoutBatchID     string `json:"payout_batch_id"`
	SenderBatchID     string `json:"sender_batch_id"`
	PayoutItemID      string `json:"payout_item_id"`
	SenderItemID      string `json:"sender_item_id"`
	Receiver          string `json:"receiver"`
	Amount            Amount `json:"amount"`
	TransactionStatus string `json:"transaction_status"`
}

// Items returns every item ever accepted (including those of a DENIED
// batch), in creation order, with current statuses.
func (s *Sandbox) Items() []Item {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advanceLocked()
	return s.itemsLocked()
}

func (s *Sandbox) itemsLocked() []Item {
	out := []Item{}
	for _, b := range s.batchList {
		for _, it := range b.items {
			out = append(out, Item{
				PayoutBatchID: b.id, SenderBatchID: b.senderBatchID, PayoutItemID: it.id,
				SenderItemID: it.senderItemID, Receiver: it.receiver,
				Amount:            Amount{Currency: it.currency, Value: formatAmount(it.currency, it.amount)},
				TransactionStatus: it.status,
			})
		}
	}
	return out
}

// Batch summarises a stored batch.
type Batch struct {
	PayoutBatchID string    `json:"payout_batch_id"`
	SenderBatchID string    `json:"sender_batch_id"`
	Account       string    `json:"account"` // client id that created it
	BatchStatus   string    `json:"batch_status"`
	TimeCreated   time.Time `json:"time_created"`
	ItemIDs       []string  `json:"payout_item_ids"`
}

// Batches returns every stored batch in creation order.
func (s *Sandbox) Batches() []Batch {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advanceLocked()
	return s.batchesLocked()
}

func (s *Sandbox) batchesLocked() []Batch {
	out := []Batch{}
	for _, b := range s.batchList {
		ids := make([]string, len(b.items))
		for i, it := range b.items {
			ids[i] = it.id
		}
		out = append(out, Batch{PayoutBatchID: b.id, SenderBatchID: b.senderBatchID, Account: b.account,
			BatchStatus: b.status, TimeCreated: b.created, ItemIDs: ids})
	}
	return out
}

// Balances returns the current balances as decimal strings.
func (s *Sandbox) Balances() map[string]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.advanceLocked()
	out := make(map[string]string, len(s.balances))
	for cur, n := range s.balances {
		out[cur] = formatAmount(cur, n)
	}
	return out
}

// SetBalance sets the balance of currency (a decimal string; "0" keeps the
// currency held with nothing in it). Errors: an unsupported currency or
// unparsable value.
func (s *Sandbox) SetBalance(currency, value string) error {
	if !knownCurrency(currency) {
		return fmt.Errorf("currency %q not supported by PayPal Payouts", currency)
	}
	n, err := parseConfigAmount(currency, value)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.balances[currency] = n
	return nil
}

// RemoveBalance makes currency a non-holding currency.
func (s *Sandbox) RemoveBalance(currency string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.balances, currency)
}
