package models

import (
	"fmt"
	"time"
)

// Attempt is one write-ahead send of an award: a PayPal batch, or a pass
// grant. Its request is frozen when written; every resend repeats it.
type Attempt struct {
	// SenderBatchID identifies the attempt (PayPal's sender_batch_id, or
	// the entitlement grant id).
	SenderBatchID string
	AwardID       string
	Attempt       int    // the award's attempt number, from 1
	Channel       string // "paypal", "pass_code", "entitlement"
	SenderItemID  string
	Receiver      string
	// PayeeVersion is the payee version the attempt pays.
	PayeeVersion      int
	AmountMinor       int64
	Currency          string
	Request           string // frozen request body (JSON)
	Status            AttemptStatus
	PayoutBatchID     string
	PayoutItemID      string
	TransactionStatus string
	FeeMinor          int64
	LastError         string
	Submissions       int
	CreatedAt         time.Time
	FirstSubmittedAt  *time.Time
	LastSubmittedAt   *time.Time
	UpdatedAt         time.Time
}

// AttemptStatus is where a send attempt stands: one PayPal batch or one
// pass grant, written ahead of the call. Persisted values are append-only.
type AttemptStatus string

// The attempt statuses.
const (
	// AttemptPending: written ahead; the call may or may not have happened.
	AttemptPending AttemptStatus = "pending"
	// AttemptUnknown: sent, but the answer was lost (timeout, 5xx, bad
	// body); resolved by resending the identical request.
	AttemptUnknown AttemptStatus = "unknown"
	// AttemptDeferred: PayPal refused for a reason on our side (funds,
	// account); nothing was paid; retried later with the same id.
	AttemptDeferred AttemptStatus = "deferred"
	// AttemptAccepted: PayPal holds the batch; reconciled by reading it.
	AttemptAccepted AttemptStatus = "accepted"
	// AttemptSettled: the item reached a final status (or the pass was
	// granted).
	AttemptSettled AttemptStatus = "settled"
	// AttemptRejected: nothing was created (PayPal's definitive 4xx, or
	// finance settled it as nothing sent).
	AttemptRejected AttemptStatus = "rejected"
	// AttemptManual: no machine can tell what happened; finance reconciles.
	AttemptManual AttemptStatus = "manual"
)

// AllAttemptStatuses lists every attempt status.
func AllAttemptStatuses() []AttemptStatus {
	return []AttemptStatus{AttemptPending, AttemptUnknown, AttemptDeferred, AttemptAccepted,
		AttemptSettled, AttemptRejected, AttemptManual}
}

// OpenAttemptStatuses are the statuses whose outcome is still open: the
// identical request is resent until PayPal answers.
func OpenAttemptStatuses() []AttemptStatus {
	return []AttemptStatus{AttemptPending, AttemptUnknown, AttemptDeferred}
}

// Open reports whether the attempt's outcome is still open.
func (s AttemptStatus) Open() bool {
	return s == AttemptPending || s == AttemptUnknown || s == AttemptDeferred
}

// attemptTransitions is the one table of legal attempt status changes. A
// status may stay as it is (a resend, a poll, a lease records
// bookkeeping). An open attempt settles directly only for a pass grant,
// which has no batch to accept.
var attemptTransitions = map[AttemptStatus][]AttemptStatus{
	AttemptPending:  {AttemptUnknown, AttemptDeferred, AttemptAccepted, AttemptRejected, AttemptManual, AttemptSettled},
	AttemptUnknown:  {AttemptDeferred, AttemptAccepted, AttemptRejected, AttemptManual, AttemptSettled},
	AttemptDeferred: {AttemptUnknown, AttemptAccepted, AttemptRejected, AttemptManual, AttemptSettled},
	AttemptAccepted: {AttemptSettled},
	// Finance binds the batch it found, or settles it as nothing sent.
	AttemptManual:   {AttemptAccepted, AttemptRejected},
	AttemptSettled:  {},
	AttemptRejected: {},
}

// AttemptTransitions returns a copy of the attempt transition table.
func AttemptTransitions() map[AttemptStatus][]AttemptStatus {
	out := make(map[AttemptStatus][]AttemptStatus, len(attemptTransitions))
	for k, v := range attemptTransitions {
		out[k] = append([]AttemptStatus(nil), v...)
	}
	return out
}

// CanAttemptTransition reports whether the table allows from -> to (a
// status may always stay as it is).
func CanAttemptTransition(from, to AttemptStatus) bool {
	if from == to {
		return true
	}
	for _, s := range attemptTransitions[from] {
		if s == to {
			return true
		}
	}
	return false
}

// AttemptTransitionError reports an attempt status change the table does
// not allow. It matches ErrInvalid with errors.Is.
type AttemptTransitionError struct {
	SenderBatchID string
	From, To      AttemptStatus
}

func (e *AttemptTransitionError) Error() string {
	return fmt.Sprintf("attempt %s: illegal status change %s -> %s", e.SenderBatchID, e.From, e.To)
}

// Is makes an AttemptTransitionError match ErrInvalid.
func (e *AttemptTransitionError) Is(target error) bool { return target == ErrInvalid }

// CheckAttemptTransition returns an *AttemptTransitionError when from ->
// to is illegal.
func CheckAttemptTransition(senderBatchID string, from, to AttemptStatus) error {
	if !CanAttemptTransition(from, to) {
		return &AttemptTransitionError{SenderBatchID: senderBatchID, From: from, To: to}
	}
	return nil
}

// Transitions returns a copy of the award transition table.
func Transitions() map[AwardState][]AwardState {
	out := make(map[AwardState][]AwardState, len(transitions))
	for k, v := range transitions {
		out[k] = append([]AwardState(nil), v...)
	}
	return out
}

// AttemptTimes are an attempt's bookkeeping times that the Attempt does
// not carry.
type AttemptTimes struct {
	// LeaseUntil: a worker is submitting the attempt until then; others
	// leave it alone. Nil when nobody is.
	LeaseUntil *time.Time
	// LastPolledAt is when the attempt's batch was last read from PayPal.
	LastPolledAt *time.Time
}

// WebhookEvent is one PayPal webhook event as received, kept to drop
// redeliveries by event id.
type WebhookEvent struct {
	EventID        string
	EventType      string
	ResourceID     string // payout_item_id or payout_batch_id
	SenderBatchID  string
	TransmissionID string // of the first delivery
	CreateTime     *time.Time
	ReceivedAt     time.Time
	// ProcessedAt is set once the event was applied (or ignored for good);
	// a redelivery of an unprocessed event is processed again.
	ProcessedAt *time.Time
	Outcome     string
	Deliveries  int
}
